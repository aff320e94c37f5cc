"""A deleted league (§9): its members are told, naming it; notices queued before the deletion are still
delivered, without the league row and without a failed or retried job; notices already delivered stay."""
from collections import Counter

import pytest
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from drafts_helpers import API, League
from fantasy.jobs.queues import QUEUE_NAMES, get_queue
from notifications_helpers import drain, inbox

pytestmark = pytest.mark.usefixtures("f1")


def unfinished_jobs(app) -> dict[str, int]:
    """Failed jobs, and jobs waiting for a retry, over every queue."""
    with app.app_context():
        queues = [get_queue(name) for name in QUEUE_NAMES]
        return {"failed": sum(FailedJobRegistry(queue=queue).count for queue in queues),
                "retrying": sum(ScheduledJobRegistry(queue=queue).count for queue in queues)}


def test_a_removed_member_and_every_member_hear_of_a_deleted_league(app, client, make_user):
    league = League(client, make_user, size=3, name="Doomed Cup")
    drain(app)
    owner = league.owner
    removed, stayed = [user for user in league.players.values() if user is not owner]
    before = {user["id"]: Counter(item["kind"] for item in inbox(client, user)) for user in league.players.values()}
    assert before[owner["id"]] == {"member_joined": 2}

    # The removal's notices are still queued when the league goes.
    assert (
        client.delete(f"{API}/leagues/{league.id}/members/{removed['id']}", headers=owner["headers"]).status_code == 204
    )
    assert client.delete(f"{API}/leagues/{league.id}", headers=owner["headers"]).status_code == 204
    drain(app)
    assert unfinished_jobs(app) == {"failed": 0, "retrying": 0}

    [told] = [item for item in inbox(client, removed) if item["kind"] == "member_removed"]
    assert (told["league_id"], told["data"]["league_name"]) == (None, "Doomed Cup")
    for user in (owner, stayed):
        [deleted] = [item for item in inbox(client, user) if item["kind"] == "league_deleted"]
        assert (deleted["league_id"], deleted["data"]) == (None, {"league_id": league.id, "league_name": "Doomed Cup"})
    # Every notice delivered before the deletion is kept, without its league; the removed member, no longer
    # a member when the league went, is not told of the deletion.
    after = {user["id"]: Counter(item["kind"] for item in inbox(client, user)) for user in league.players.values()}
    assert after == {owner["id"]: before[owner["id"]] + Counter(league_deleted=1),
                     removed["id"]: before[removed["id"]] + Counter(member_removed=1),
                     stayed["id"]: before[stayed["id"]] + Counter(league_deleted=1)}
    assert {item["league_id"] for user in league.players.values() for item in inbox(client, user)} == {None}
