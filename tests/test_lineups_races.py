"""A salary-cap league's races list (issue 19): no draft states (it never drafts) but each round's lineup state
as the lineup read says it — open, upcoming, locked, scored once the lock's scoring job ran — and whether the
stored results can score it; a draft league's list is unchanged (lineup_state null)."""
import pytest
from sqlalchemy import event

from drafts_helpers import API, League, no_results, race_id, why
from fantasy.extensions import db
from lineups_helpers import CapLeague
from notifications_helpers import drain

FIRST = (["max_verstappen", "alonso", "stroll", "albon", "hulkenberg"], ["aston_martin", "williams"])
KEYS = ("race_id", "draft_state", "lineup_state", "playable", "unplayable_reason")


def races(client, league: League) -> dict[int, dict]:
    response = client.get(f"{API}/leagues/{league.id}/races", headers=league.owner["headers"])
    assert response.status_code == 200
    return {row["round"]: row for row in response.get_json()}


def shown(listed: dict, round_: int) -> dict:
    return {key: listed[round_][key] for key in KEYS}


def row(app, round_: int, lineup_state) -> dict:
    return {"race_id": race_id(app, 2023, round_), "draft_state": None, "lineup_state": lineup_state,
            "playable": True, "unplayable_reason": None}


@pytest.mark.usefixtures("priced")
def test_a_salary_cap_leagues_races_say_each_rounds_lineup_state(app, client, make_user):
    league = CapLeague(client, make_user, app, size=2)
    before = races(client, league)
    assert len(before) == 22
    assert shown(before, 1) == row(app, 1, "open")
    assert shown(before, 2) == row(app, 2, "upcoming")
    assert {entry["lineup_state"] for entry in before.values()} == {"open", "upcoming"}
    assert [entry["round"] for entry in before.values() if entry["lineup_state"] == "open"] == [1]
    assert {entry["draft_state"] for entry in before.values()} == {None}

    assert league.put(league.teams[0], 1, *FIRST).status_code == 200
    drain(app)
    with app.app_context():
        engine = db.engine
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    assert league.lock_round(1).status_code == 200
    event.listen(engine, "before_cursor_execute", record)
    try:
        locked = races(client, league)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert shown(locked, 1) == row(app, 1, "locked")
    assert shown(locked, 2) == row(app, 2, "open")
    assert shown(locked, 3) == row(app, 3, "upcoming")
    # One statement for the league's lineup rounds however long the season, none for drafts.
    assert sum("FROM lineup_rounds" in statement for statement in statements) == 1
    assert sum("FROM drafts" in statement for statement in statements) == 0

    drain(app)  # the real worker: the race's scoring job the lock queued marks the round scored
    scored = races(client, league)
    assert shown(scored, 1) == row(app, 1, "scored")
    assert shown(scored, 2) == row(app, 2, "open")
    assert [entry["round"] for entry in scored.values() if entry["lineup_state"] in ("locked", "scored")] == [1]


@pytest.mark.usefixtures("priced")
def test_a_salary_cap_round_without_results_is_listed_unplayable_and_cannot_be_locked(app, client, make_user):
    league = CapLeague(client, make_user, app, size=2)
    no_results(app, race_id(app, 2023, 1))
    reason = why(1, "race or sprint or qualifying")  # f1_fantasy_2025 scores all three
    listed = races(client, league)
    assert shown(listed, 1) == {**row(app, 1, "open"), "playable": False, "unplayable_reason": reason}
    assert shown(listed, 2) == row(app, 2, "upcoming")
    refused = league.lock_round(1)
    assert refused.status_code == 409 and refused.get_json()["message"] == reason
    assert shown(races(client, league), 1)["lineup_state"] == "open"


@pytest.mark.usefixtures("f1")
def test_a_draft_leagues_races_have_no_lineup_state(app, client, make_user):
    league = League(client, make_user)
    listed = races(client, league)
    assert len(listed) == 22
    assert {(entry["draft_state"], entry["lineup_state"], entry["playable"]) for entry in listed.values()} == {
        ("scheduled", None, True)}
    assert league.open(race_id(app, 2023, 1)).status_code == 200
    assert shown(races(client, league), 1) == {
        "race_id": race_id(app, 2023, 1), "draft_state": "open", "lineup_state": None, "playable": True,
        "unplayable_reason": None}
