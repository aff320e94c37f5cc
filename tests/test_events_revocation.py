"""An open event stream obeys revocation (§9): removal from a league drops that league's events, and
logout-all, a password change or a deactivation close the stream, within a second; a ticket dies with
the session that asked for it."""
import json
import time

import pytest

from conftest import PASSWORD, bearer
from drafts_helpers import API, League, driver_id, race_id
from fantasy.common.redis import get_redis
from fantasy.jobs.queues import DEFAULT, get_queue
from fantasy.notifications.hub import CHECK_SECONDS
from fantasy.notifications.service import USER_CHANNEL
from notifications_helpers import drain
from streams import open_stream

pytestmark = pytest.mark.usefixtures("f1", "short_streams")

# A revocation must reach an open stream within a second; the slack is the test's own scheduling.
WITHIN = 1.5


@pytest.fixture
def drafting(app, client, make_user):
    """A private league of four drafting round 1; a member (not the owner) who picks neither first nor
    second listens, and has heard exactly the first pick. Returns the league, the race, the listener, the
    stream and the team that picks second."""
    with app.app_context():
        # The snapshot load's scoring jobs are not this test's subject, and draining them on a busy machine
        # could outlast the test's short streams.
        get_queue(DEFAULT).empty()
    league = League(client, make_user, size=4)
    round1 = race_id(app, 2023, 1)
    league.open(round1)
    first, second, *later = (entry["team_id"] for entry in league.state(round1)["order"])
    listener_user = next(league.players[team] for team in later if league.players[team] is not league.owner)
    listener = open_stream(app, client, listener_user)
    assert league.pick(round1, driver_id(app, "hamilton"), first).status_code == 201
    _, kind, data = listener.event()
    assert (kind, data["league_id"], data["data"]["driver_id"]) == ("pick", league.id, driver_id(app, "hamilton"))
    return league, round1, listener_user, listener, second


def revoke_by_logout_all(client, app, user):
    return client.post(f"{API}/auth/logout-all", headers=user["headers"])


def revoke_by_password_change(client, app, user):
    return client.post(f"{API}/users/me/password", headers=user["headers"],
                       json={"current_password": PASSWORD, "new_password": "a different secret"})


def revoke_by_deactivation(client, app, user):
    from fantasy.auth import service

    with app.app_context():
        service.ensure_admin("root@example.com", PASSWORD, "root")
    admin = client.post(f"{API}/auth/login", json={"login": "root", "password": PASSWORD}).get_json()
    return client.post(f"{API}/admin/users/{user['id']}/deactivate", headers=bearer(admin["access_token"]))


@pytest.mark.parametrize("revoke", [revoke_by_logout_all, revoke_by_password_change, revoke_by_deactivation])
def test_ending_every_session_closes_an_open_stream_within_a_second(app, client, drafting, revoke):
    league, round1, user, listener, second = drafting
    assert revoke(client, app, user).status_code in (200, 204)
    revoked = time.monotonic()
    assert league.pick(round1, driver_id(app, "alonso"), second).status_code == 201

    arrived, kind, data = listener.event()
    assert (kind, data) == ("closed", {"reason": "revoked"})
    ended, kind, _ = listener.event()
    assert kind is None  # the stream ended: the second pick never reached it
    assert ended - revoked < WITHIN


def test_removal_from_a_league_drops_its_events_within_a_second(app, client, drafting):
    league, round1, user, listener, second = drafting
    removed = client.delete(f"{API}/leagues/{league.id}/members/{user['id']}", headers=league.owner["headers"])
    assert removed.status_code == 204
    done = time.monotonic()
    # No event follows here: the stream finds the removal by its own periodic check.
    arrived, kind, data = listener.event()
    assert (kind, data) == ("league_dropped", {"league_id": league.id})
    assert arrived - done < WITHIN
    assert league.pick(round1, driver_id(app, "alonso"), second).status_code == 201
    # The stream stays open for what the user may still see: their own notification of the removal,
    # and nothing of the league (the queued draft-open and pick notifications no longer include them).
    drain(app)
    _, kind, data = listener.event()
    assert (kind, data["league_id"]) == ("member_removed", league.id)
    time.sleep(2 * CHECK_SECONDS)  # two periodic checks pass; then a marker, and nothing came before it
    with app.app_context():
        get_redis().publish(USER_CHANNEL.format(user["id"]), json.dumps({"type": "marker"}))
    assert listener.event()[1:] == ("marker", {"type": "marker"})


def test_a_ticket_dies_with_the_session_that_asked_for_it(app, client, make_user, auth):
    user = make_user("streamer")
    other_session = auth.login("streamer")
    ticket = client.post(f"{API}/events/ticket", headers=user["headers"]).get_json()["ticket"]
    kept = client.post(f"{API}/events/ticket", headers=bearer(other_session["access_token"])).get_json()["ticket"]
    assert client.post(f"{API}/auth/logout", headers=user["headers"]).status_code == 204

    refused = client.get(f"{API}/events", query_string={"ticket": ticket})
    assert refused.status_code == 401
    assert refused.get_json()["code"] == 401 and refused.get_json()["status"] == "Unauthorized"
    stream = client.get(f"{API}/events", query_string={"ticket": kept}, buffered=False)
    assert stream.status_code == 200  # another session's logout leaves this one's ticket alone
    stream.close()


@pytest.mark.parametrize("revoke", [revoke_by_logout_all, revoke_by_password_change])
def test_a_ticket_dies_when_every_session_ends(app, client, make_user, revoke):
    user = make_user("streamer")
    ticket = client.post(f"{API}/events/ticket", headers=user["headers"]).get_json()["ticket"]
    assert revoke(client, app, user).status_code in (200, 204)
    refused = client.get(f"{API}/events", query_string={"ticket": ticket})
    assert refused.status_code == 401 and refused.get_json()["code"] == 401


def test_a_fourth_stream_is_429_and_its_ticket_opens_one_once_another_closes(app, client, make_user):
    from fantasy.notifications.stream import LEASE_SECONDS

    user, other = make_user("streamer"), make_user("other")

    def ticket(who) -> str:
        return client.post(f"{API}/events/ticket", headers=who["headers"]).get_json()["ticket"]

    first, second, third, fourth = (ticket(user) for _ in range(4))
    # Streams read in this thread keep their request contexts stacked: each is closed before an older one.
    streams = [
        client.get(f"{API}/events", query_string={"ticket": one}, buffered=False) for one in (first, second, third)
    ]
    assert [stream.status_code for stream in streams] == [200, 200, 200]
    refused = client.get(f"{API}/events", query_string={"ticket": fourth})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == str(LEASE_SECONDS)
    assert refused.get_json()["code"] == 429

    streams.pop().close()
    streams.append(client.get(f"{API}/events", query_string={"ticket": fourth}, buffered=False))
    assert streams[-1].status_code == 200  # the refusal left the ticket unspent
    streams.append(client.get(f"{API}/events", query_string={"ticket": ticket(other)}, buffered=False))
    assert streams[-1].status_code == 200  # another user is not held back by this one's three
    for stream in reversed(streams):
        stream.close()
