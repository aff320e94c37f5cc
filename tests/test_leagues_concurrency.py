"""Races on league writes: capacity holds under concurrent joins, and membership changes never deadlock."""
import threading
import time

from sqlalchemy import func, select

import fantasy.leagues.service as league_service
from concurrency import race
from fantasy.extensions import db
from fantasy.leagues.models import FantasyTeam, League, Membership

API = "/api/v1"
CONTENDERS = 20


def active_teams(app, league_id) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).where(FantasyTeam.league_id == league_id, FantasyTeam.left_at.is_(None))
        )


def test_twenty_concurrent_joins_for_the_last_place(app, client, make_user):
    owner = make_user("owner")
    league = client.post(
        f"{API}/leagues",
        json={"name": "Last Seat", "season": 2025, "mode": "replay", "visibility": "public", "max_teams": 3},
        headers=owner["headers"],
    ).get_json()
    early = make_user("early")
    client.post(f"{API}/leagues/{league['id']}/join", json={"team_name": "Early Bird"}, headers=early["headers"])
    contenders = [make_user(f"racer{number}") for number in range(CONTENDERS)]

    def joiner(user, number):
        # Half by the public route, half by invite code: capacity is checked on both paths.
        if number % 2:
            return lambda c: c.post(f"{API}/leagues/{league['id']}/join", json={"team_name": f"Team {number}"},
                                    headers=user["headers"])
        return lambda c: c.post(f"{API}/leagues/join",
                                json={"invite_code": league["invite_code"], "team_name": f"Team {number}"},
                                headers=user["headers"])

    statuses = race(app, [joiner(user, number) for number, user in enumerate(contenders)])
    assert sorted(statuses) == [201] + [409] * (CONTENDERS - 1)
    assert active_teams(app, league["id"]) == 3


def test_same_user_joining_twice_at_once_gets_one_team(app, client, make_user):
    owner = make_user("owner")
    league = client.post(
        f"{API}/leagues",
        json={"name": "Double Tap", "season": 2025, "mode": "replay", "visibility": "public"},
        headers=owner["headers"],
    ).get_json()
    user = make_user("twice")

    def send(c):
        return c.post(f"{API}/leagues/{league['id']}/join", json={"team_name": "Twice GP"}, headers=user["headers"])

    statuses = race(app, [send] * 6)
    assert sorted(statuses) == [201] + [409] * 5
    assert active_teams(app, league["id"]) == 2


def test_leaving_while_ownership_moves_to_the_leaver_waits_instead_of_deadlocking(app, client, make_user, monkeypatch):
    owner, mia = make_user("owner"), make_user("mia")
    league = client.post(
        f"{API}/leagues", json={"name": "Lock Order", "season": 2025, "mode": "replay"}, headers=owner["headers"]
    ).get_json()
    client.post(f"{API}/leagues/join", json={"invite_code": league["invite_code"], "team_name": "Mia GP"},
                headers=mia["headers"])
    # Hold the transfer after it has locked the league and before it touches the memberships.
    locked, release = threading.Event(), threading.Event()
    find_member = league_service._target_membership

    def paused(league_id, user_id):
        if threading.current_thread().name == "transfer" and not locked.is_set():
            locked.set()
            release.wait(30)
        return find_member(league_id, user_id)

    monkeypatch.setattr(league_service, "_target_membership", paused)
    statuses = {}

    def send(name, path, body=None, headers=None):
        statuses[name] = (
            app.test_client().post(f"{API}/leagues/{league['id']}/{path}", json=body, headers=headers).status_code
        )

    transfer = threading.Thread(
        target=send, name="transfer", args=("transfer", "transfer", {"user_id": mia["id"]}, owner["headers"])
    )
    transfer.start()
    assert locked.wait(30)
    leave = threading.Thread(target=send, args=("leave", "leave", None, mia["headers"]))
    leave.start()
    time.sleep(0.5)  # the leave is now waiting on a lock
    release.set()
    transfer.join(60)
    leave.join(60)
    # The leave waited for the transfer, then found Mia owning the league: owners can't leave.
    assert statuses == {"transfer": 200, "leave": 409}
    with app.app_context():
        assert db.session.get(League, league["id"]).owner_id == mia["id"]
        roles = db.session.execute(
            select(Membership.user_id, Membership.role, Membership.left_at).where(Membership.league_id == league["id"])
        ).all()
    assert sorted((user_id, role.value, left_at) for user_id, role, left_at in roles) == sorted(
        [(owner["id"], "manager", None), (mia["id"], "owner", None)]
    )
