"""Races on the join paths: capacity holds under concurrent joins, on every engine."""
from sqlalchemy import func, select

from concurrency import race
from fantasy.extensions import db
from fantasy.leagues.models import FantasyTeam

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
        f"{API}/leagues", json={"name": "Last Seat", "season": 2025, "visibility": "public", "max_teams": 3},
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
        f"{API}/leagues", json={"name": "Double Tap", "season": 2025, "visibility": "public"}, headers=owner["headers"]
    ).get_json()
    user = make_user("twice")
    send = lambda c: c.post(f"{API}/leagues/{league['id']}/join", json={"team_name": "Twice GP"}, headers=user["headers"])  # noqa: E731
    statuses = race(app, [send] * 6)
    assert sorted(statuses) == [201] + [409] * 5
    assert active_teams(app, league["id"]) == 2
