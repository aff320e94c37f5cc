"""The clean before every test (conftest._clean) leaves what truncating every table with RESTART IDENTITY left:
no rows, every id sequence at its start (also one a rolled-back insert moved), and an empty Redis database;
the `f1` fixture writes back what the real load left."""
from sqlalchemy import func, select, text

from conftest import PASSWORD, _clean
from engines import postgresql_only
from fantasy.auth import service
from fantasy.common.redis import get_redis
from fantasy.extensions import db

SEQUENCES = "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema()"


def _counts(connection) -> dict:
    return {table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in db.metadata.sorted_tables}


def _touch(app) -> None:
    """A user stored (rows in users and the sequence moved), the leagues sequence drawn from with no row written,
    the drivers table untouched; a Redis key."""
    with app.app_context():
        service.register("alice", "alice@example.com", PASSWORD)
        db.session.remove()
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT nextval(pg_get_serial_sequence('leagues', 'id'))"))
        get_redis().set("left-over", "1")


def test_the_clean_leaves_no_rows_no_keys_and_ids_starting_at_one(app):
    _touch(app)
    with app.app_context(), db.engine.connect() as connection:
        assert _counts(connection)["users"] == 1

    _clean(app)

    with app.app_context():
        with db.engine.connect() as connection:
            assert set(_counts(connection).values()) == {0}
        assert get_redis().dbsize() == 0
        assert service.register("bob", "bob@example.com", PASSWORD).id == 1


@postgresql_only("SQLite has no sequences; a table without rows hands out rowid 1 again")
def test_the_clean_leaves_postgresql_as_truncating_every_table_with_restart_identity_did(app):
    _touch(app)
    with app.app_context(), db.engine.connect() as connection:
        before = dict(connection.execute(text(SEQUENCES)).all())
    assert before["users_id_seq"] == 1 and before["leagues_id_seq"] == 1 and before["drivers_id_seq"] is None

    _clean(app)
    with app.app_context(), db.engine.connect() as connection:
        cleaned = _counts(connection), dict(connection.execute(text(SEQUENCES)).all())

    _touch(app)
    with app.app_context():
        tables = ", ".join(table.name for table in db.metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        with db.engine.connect() as connection:
            truncated = _counts(connection), dict(connection.execute(text(SEQUENCES)).all())

    assert cleaned == truncated
    assert set(cleaned[0].values()) == {0} and set(cleaned[1].values()) == {None}
    assert len(cleaned[1]) == len(before) >= 20
    with app.app_context(), db.engine.begin() as connection:
        assert connection.execute(text("SELECT nextval(pg_get_serial_sequence('leagues', 'id'))")).scalar_one() == 1


def test_the_f1_fixture_writes_back_exactly_the_rows_and_jobs_the_real_load_left(app, f1, recorded_snapshot):
    """What the recorded load is written back as (rows copied by the server on PostgreSQL, inserted from
    Python on SQLite): the same rows, ids past them, the same Redis keys."""
    rows, keys, _schema = recorded_snapshot
    assert sum(len(found) for found in rows.values()) > 1000
    with app.app_context():
        with db.engine.begin() as connection:
            for table in db.metadata.sorted_tables:
                stored = [dict(row) for row in connection.execute(select(table)).mappings()]
                assert sorted(stored, key=repr) == sorted(rows.get(table, []), key=repr), table.name
            if connection.dialect.name == "postgresql":
                for table, found in rows.items():
                    if "id" in table.c:
                        drawn = f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id'))"
                        assert connection.execute(text(drawn)).scalar_one() == max(row["id"] for row in found) + 1
        assert set(get_redis().keys()) == set(keys)
