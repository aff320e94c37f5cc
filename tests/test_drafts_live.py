"""Live timing on the 2025 calendar: drafts open and lock at the right instants (§7)."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from drafts_helpers import League, draft_row, race_id
from fantasy.auth.models import User
from fantasy.drafts import lifecycle, picking, reads
from fantasy.extensions import db

pytestmark = pytest.mark.usefixtures("f1", "before_the_season")

AUSTRALIA_QUALIFYING = datetime(2025, 3, 15, 5, 0, tzinfo=timezone.utc)
CHINA_SPRINT_QUALIFYING = datetime(2025, 3, 21, 7, 30, tzinfo=timezone.utc)
CHINA_QUALIFYING = datetime(2025, 3, 22, 7, 0, tzinfo=timezone.utc)
SECOND = timedelta(seconds=1)


@pytest.fixture
def before_the_season(time_machine):
    """A live league needs races ahead: the HTTP calls run in January 2025, the ticks travel from there."""
    time_machine.move_to(datetime(2025, 1, 6, tzinfo=timezone.utc))


def live_league(client, make_user, **settings):
    return League(client, make_user, mode="live", season=2025, **settings)


def tick(app, at: datetime) -> dict:
    with time_machine.travel(at, tick=False):
        with app.app_context():
            return lifecycle.draft_tick()


def test_normal_weekend_opens_96_hours_before_qualifying_and_locks_at_it(app, client, make_user):
    league = live_league(client, make_user)
    australia = race_id(app, 2025, 1)
    opens = AUSTRALIA_QUALIFYING - timedelta(hours=96)
    assert tick(app, opens - SECOND) == {"opened": 0, "locked": 0}
    assert tick(app, opens) == {"opened": 1, "locked": 0}
    draft = draft_row(app, league.id, australia)
    assert (draft.state.value, draft.opens_at, draft.locks_at) == ("open", opens, AUSTRALIA_QUALIFYING)
    assert tick(app, opens + SECOND) == {"opened": 0, "locked": 0}  # idempotent
    with time_machine.travel(opens + timedelta(hours=1), tick=False), app.app_context():
        # The tokens were issued in January and have expired by March, so this pick goes through the service.
        draft = draft_row(app, league.id, australia)
        on_clock = draft.order[0]
        user = db.session.get(User, league.players[on_clock]["id"])
        picking.make_pick(
            league.id, australia, user, reads.draft_state(league.id, australia, user)["available_driver_ids"][0]
        )
    assert tick(app, AUSTRALIA_QUALIFYING - SECOND)["locked"] == 0
    assert tick(app, AUSTRALIA_QUALIFYING)["locked"] == 1
    state = league.state(australia)
    assert state["state"] == "locked"
    assert len(state["picks"]) == 6 and sum(pick["autopicked"] for pick in state["picks"]) == 5


@pytest.mark.parametrize(
    "ruleset, lock", [("standard", CHINA_SPRINT_QUALIFYING), ("fantasy", CHINA_SPRINT_QUALIFYING),
                      ("inverted", CHINA_QUALIFYING)],
)
def test_sprint_weekend_locks_at_sprint_qualifying_when_sprints_score(app, client, make_user, ruleset, lock):
    league = live_league(client, make_user, ruleset=ruleset, draft_opens_hours=24)
    china = race_id(app, 2025, 2)
    after_australia = datetime(2025, 3, 16, 6, 0, tzinfo=timezone.utc)
    assert tick(app, after_australia)["opened"] == 0
    assert tick(app, lock - timedelta(hours=24))["opened"] == 1
    draft = draft_row(app, league.id, china)
    assert draft.locks_at == lock
    assert tick(app, lock - SECOND)["locked"] == 0
    assert tick(app, lock)["locked"] == 1
    assert draft_row(app, league.id, china).state.value == "locked"


def test_a_league_of_one_team_does_not_open(app, client, make_user):
    league = live_league(client, make_user, size=1)
    assert tick(app, AUSTRALIA_QUALIFYING - timedelta(hours=1))["opened"] == 0
    assert draft_row(app, league.id, race_id(app, 2025, 1)).state.value == "scheduled"
