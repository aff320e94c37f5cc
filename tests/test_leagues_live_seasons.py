"""A live league needs a stored calendar with races ahead (§6); a live draft whose lock passed before it
ever opened is `skipped`, never `scheduled` with a deadline in the past."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from drafts_helpers import API, League, draft_row, race_id
from fantasy.drafts import lifecycle
from fantasy.drafts.models import Draft
from fantasy.extensions import db

AUSTRALIA_QUALIFYING = datetime(2025, 3, 15, 5, 0, tzinfo=timezone.utc)
CHINA_SPRINT_QUALIFYING = datetime(2025, 3, 21, 7, 30, tzinfo=timezone.utc)
ABU_DHABI_RACE = datetime(2025, 12, 7, 13, 0, tzinfo=timezone.utc)


def draft_rows(app, league_id: int) -> list:
    with app.app_context():
        return db.session.scalars(select(Draft.id).where(Draft.league_id == league_id)).all()


def create(client, user, **body):
    return client.post(f"{API}/leagues", json={"name": "Live Wire", **body}, headers=user["headers"])


@pytest.mark.usefixtures("f1")
@pytest.mark.parametrize("season, mode", [(2025, "live"), (2025, None), (2023, "live")])
def test_a_season_whose_races_all_started_is_refused_live_and_pointed_to_replay(client, make_user, season, mode):
    user = make_user("late")
    response = create(client, user, season=season, **({"mode": mode} if mode else {}))
    assert response.status_code == 422
    body = response.get_json()
    assert body["message"] == (f"Every race of the {season} season has started: it cannot be played live. "
                               "Create a replay league (mode: replay) to play it round by round.")
    assert body["errors"] == {"json": {"mode": [body["message"]]}}
    assert client.get(f"{API}/leagues", headers=user["headers"]).get_json() == []
    assert create(client, user, season=season, mode="replay").status_code == 201


@pytest.mark.usefixtures("f1")
@pytest.mark.parametrize("season", [2026, 2027])
def test_a_season_without_a_stored_calendar_is_refused_live(client, make_user, season):
    response = create(client, make_user("early"), season=season, mode="live")
    assert response.status_code == 422
    assert response.get_json()["message"] == (
        f"No {season} calendar is stored yet: a live league follows it, so it can be created once the calendar "
        "is synced. Past seasons are played in replay mode (mode: replay).")


@pytest.mark.usefixtures("f1")
def test_a_live_league_is_created_while_races_are_ahead_up_to_the_last_race_start(client, make_user):
    with time_machine.travel(ABU_DHABI_RACE - timedelta(seconds=1), tick=False):
        assert create(client, make_user("just_in_time"), season=2025, mode="live").status_code == 201
    with time_machine.travel(ABU_DHABI_RACE, tick=False):
        assert create(client, make_user("too_late"), season=2025, mode="live").status_code == 422


def test_the_mode_cannot_be_switched_by_a_settings_change(client, make_user):
    owner = make_user("switcher")
    league = create(client, owner, season=2023, mode="replay").get_json()
    response = client.patch(f"{API}/leagues/{league['id']}", json={"mode": "live"}, headers=owner["headers"])
    assert response.status_code == 422 and response.get_json()["errors"] == {"json": {"mode": ["Unknown field."]}}


@pytest.mark.usefixtures("f1")
def test_drafts_whose_lock_passed_before_the_league_existed_are_skipped(app, client, make_user):
    """Created between Australia's qualifying and China's draft window: Australia is skipped at once."""
    with time_machine.travel(AUSTRALIA_QUALIFYING + timedelta(hours=1), tick=True):
        league = League(client, make_user, mode="live", season=2025)
        australia, china = race_id(app, 2025, 1), race_id(app, 2025, 2)
        state = league.state(australia)
        assert (state["state"], state["locks_at"], state["current_pick"], state["on_the_clock"]) == (
            "skipped", AUSTRALIA_QUALIFYING.isoformat(), None, None)
        assert state["picks"] == [] and state["order"] == []
        assert league.state(china)["state"] == "scheduled"
        queue = client.put(league.url(australia, "/queue"), json={"driver_ids": []}, headers=league.owner["headers"])
        assert (
            queue.status_code == 409
            and queue.get_json()["message"] == "The draft is skipped: the queue no longer matters"
        )
        with app.app_context():
            assert lifecycle.draft_tick() == {"opened": 0, "locked": 0}
        assert league.state(australia)["state"] == "skipped"
        assert draft_rows(app, league.id) == []  # reads write nothing: the draft is shown as it would be made


@pytest.mark.usefixtures("f1")
def test_a_scheduled_draft_that_never_opened_is_skipped_by_the_tick_at_its_lock(app, client, make_user):
    """A league of one team cannot open its draft; once the lock passes the draft is skipped, not waiting."""
    with time_machine.travel(datetime(2025, 1, 6, tzinfo=timezone.utc), tick=True):
        league = League(client, make_user, mode="live", season=2025, size=1)
        australia = race_id(app, 2025, 1)
        assert league.state(australia)["state"] == "scheduled"
    for at, expected in ((AUSTRALIA_QUALIFYING - timedelta(seconds=1), "scheduled"), (AUSTRALIA_QUALIFYING, "skipped")):
        with time_machine.travel(at, tick=False), app.app_context():
            assert lifecycle.draft_tick() == {"opened": 0, "locked": 0}
        assert draft_row(app, league.id, australia).state.value == expected
    with time_machine.travel(CHINA_SPRINT_QUALIFYING - timedelta(hours=1), tick=False), app.app_context():
        lifecycle.draft_tick()
    assert draft_row(app, league.id, race_id(app, 2025, 2)).state.value == "scheduled"


def test_the_openapi_document_lists_the_skipped_state(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["components"]["schemas"]["DraftState"]["properties"]["state"]["enum"] == [
        "scheduled", "open", "complete", "locked", "scored", "skipped"]


@pytest.mark.usefixtures("f1")
def test_a_timing_change_that_moves_a_lock_into_the_past_skips_the_draft(app, client, make_user):
    """Between China's sprint qualifying and its qualifying: a ruleset that starts scoring sprints moves
    the lock back to the sprint qualifying, which has passed."""
    with time_machine.travel(CHINA_SPRINT_QUALIFYING + timedelta(minutes=30), tick=True):
        league = League(client, make_user, mode="live", season=2025, size=1, ruleset="inverted")
        china = race_id(app, 2025, 2)
        queued = client.put(league.url(china, "/queue"), json={"driver_ids": []}, headers=league.owner["headers"])
        assert queued.status_code == 200 and league.state(china)["state"] == "scheduled"
        changed = client.patch(
            f"{API}/leagues/{league.id}", json={"ruleset": "standard"}, headers=league.owner["headers"]
        )
        assert changed.status_code == 200
    draft = draft_row(app, league.id, china)
    assert (draft.state.value, draft.locks_at) == ("skipped", CHINA_SPRINT_QUALIFYING)
