"""Who hears of a league event is decided at the event, not when its job runs (§9)."""
import pytest

from drafts_helpers import API, League
from notifications_helpers import drain, inbox

pytestmark = pytest.mark.usefixtures("f1")


def joined(client, user) -> list[str]:
    """The team names of the member_joined notices in the user's inbox."""
    return sorted(item["data"]["team_name"] for item in inbox(client, user) if item["kind"] == "member_joined")


def test_member_notices_go_to_the_members_at_the_event(app, client, make_user):
    league = League(client, make_user, size=3, name="Event Time")
    drain(app)
    owner = league.owner
    stays, removed = [user for user in league.players.values() if user is not owner]  # Event Time 1 and 2
    early, late = make_user("early"), make_user("late")
    for user, team in ((early, "Early"), (late, "Late")):  # each join queues its notice; no worker runs yet
        response = client.post(f"{API}/leagues/join", json={"invite_code": league.created["invite_code"],
                                                             "team_name": team}, headers=user["headers"])
        assert response.status_code == 201, response.get_json()
    assert client.delete(f"{API}/leagues/{league.id}/members/{removed['id']}",
                         headers=owner["headers"]).status_code == 204
    drain(app)
    # Early joined before Late: Late was not a member then. The removed member was, for both joins, but is no
    # longer a member when the jobs run.
    assert joined(client, late) == []
    assert joined(client, early) == ["Late"]
    assert joined(client, removed) == []
    assert joined(client, stays) == ["Early", "Event Time 2", "Late"]
    assert joined(client, owner) == ["Early", "Event Time 1", "Event Time 2", "Late"]
    # The removal: the members then, but neither the owner who acted nor the member removed, hear member_left.
    told = {name: [item["kind"] for item in inbox(client, user)].count("member_left")
            for name, user in (("owner", owner), ("stays", stays), ("removed", removed), ("early", early),
                               ("late", late))}
    assert told == {"owner": 0, "stays": 1, "removed": 0, "early": 1, "late": 1}
    assert [item["kind"] for item in inbox(client, removed)].count("member_removed") == 1
