"""The draft as a client reads it (§11): every driver named (code, name, constructor) in a fixed number of
statements, and reading a draft or a queue writes nothing."""
import pytest
from sqlalchemy import event, func, select

from drafts_helpers import API, League, constructor_id, driver_id, race_id
from fantasy.drafts.models import Draft
from fantasy.extensions import db

pytestmark = pytest.mark.usefixtures("f1")


def draft_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Draft.id)))


def test_reading_a_draft_or_its_queue_before_it_exists_writes_nothing(app, client, make_user):
    league = League(client, make_user)
    round1 = race_id(app, 2023, 1)
    state = league.state(round1)
    assert (state["id"], state["state"], state["order"], state["picks"], state["current_pick"]) == (
        None, "scheduled", [], [], None)
    assert (state["method"], state["picks_per_team"], state["opens_at"], state["locks_at"]) == ("snake", 2, None, None)
    assert len(state["available_driver_ids"]) == 20
    queue = client.get(league.url(round1, "/queue"), headers=league.owner["headers"])
    assert queue.status_code == 200 and queue.get_json() == {"driver_ids": []}
    assert draft_rows(app) == 0
    assert league.open(round1).status_code == 200
    assert draft_rows(app) == 1


def test_the_draft_state_names_available_picked_and_queued_drivers(app, client, make_user):
    league = League(client, make_user)
    round1 = race_id(app, 2023, 1)
    verstappen, de_vries, alonso = (driver_id(app, ref) for ref in ("max_verstappen", "de_vries", "alonso"))
    red_bull, alphatauri, aston = (constructor_id(app, ref) for ref in ("red_bull", "alphatauri", "aston_martin"))
    for user in league.players.values():
        queued = client.put(
            league.url(round1, "/queue"), json={"driver_ids": [alonso, de_vries]}, headers=user["headers"]
        )
        assert queued.status_code == 200
    state = league.open(round1).get_json()
    assert [card["id"] for card in state["available_drivers"]] == state["available_driver_ids"]
    cards = {card["id"]: card for card in state["available_drivers"]}
    assert cards[verstappen] == {"id": verstappen, "code": "VER", "name": "Max Verstappen",
                                 "constructor": {"id": red_bull, "name": "Red Bull"}}
    assert cards[de_vries] == {"id": de_vries, "code": "DEV", "name": "Nyck de Vries",
                               "constructor": {"id": alphatauri, "name": "AlphaTauri"}}
    assert league.pick(round1, verstappen).status_code == 201
    state = league.state(round1)
    assert [(pick["pick_number"], pick["driver"]) for pick in state["picks"]] == [(1, cards[verstappen])]
    assert verstappen not in {card["id"] for card in state["available_drivers"]}
    assert len(state["available_drivers"]) == 19
    assert state["my_queue"] == [alonso, de_vries]
    assert state["my_queue_drivers"] == [
        {"id": alonso, "code": "ALO", "name": "Fernando Alonso", "constructor": {"id": aston, "name": "Aston Martin"}},
        cards[de_vries]]


def test_the_draft_state_costs_the_same_statements_however_many_drivers_it_names(app, client, make_user):
    """No statement per driver: the names of every driver in the state come from one."""
    league = League(client, make_user)
    round1 = race_id(app, 2023, 1)
    league.open(round1)
    statements = []
    with app.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, *_args):
        if statement.strip().upper() not in ("SELECT 1", "BEGIN"):
            statements.append(statement)

    def read() -> int:
        statements.clear()
        event.listen(engine, "before_cursor_execute", record)
        try:
            assert league.state(round1)["state"] in ("open", "complete")
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    read()  # warms the access snapshot
    before = read()
    for driver in league.state(round1)["available_driver_ids"][:6]:
        assert league.pick(round1, driver).status_code == 201
    assert read() == before
    assert sum("FROM drivers" in statement for statement in statements) == 1


def test_reads_of_a_league_and_its_drafts_write_nothing(app, client, make_user):
    """GETs of the league, its races, a running draft, a draft without a row yet and the queues run no
    INSERT, UPDATE or DELETE and leave every table's row count as it was (the draft state's GET once created
    the draft row)."""
    league = League(client, make_user)
    round1, round2 = race_id(app, 2023, 1), race_id(app, 2023, 2)
    assert league.open(round1).status_code == 200
    assert league.pick(round1, league.state(round1)["available_driver_ids"][0]).status_code == 201
    with app.app_context():
        engine, tables = db.engine, db.metadata.sorted_tables

    def row_counts() -> dict:
        with app.app_context():
            return {table.name: db.session.scalar(select(func.count()).select_from(table)) for table in tables}

    writes = []

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(statement)

    before = row_counts()
    headers = league.owner["headers"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        for url in (f"{API}/leagues/{league.id}", f"{API}/leagues/{league.id}/races", league.url(round1),
                    league.url(round2), league.url(round1, "/queue"), league.url(round2, "/queue")):
            assert client.get(url, headers=headers).status_code == 200, url
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert writes == []
    assert row_counts() == before
    assert before["drafts"] == 1
