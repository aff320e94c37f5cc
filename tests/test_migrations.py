"""Migrations: they build the schema from empty, round-trip, and match the models exactly."""
import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import Column, Integer, MetaData, inspect

from fantasy import create_app
from fantasy.extensions import db

pytestmark = pytest.mark.smoke


def drift(metadata) -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_models_and_migrations_do_not_drift(app):
    with app.app_context():
        assert drift(db.metadata) == []


def test_drift_check_sees_a_model_change(app):
    changed = MetaData(naming_convention=db.metadata.naming_convention)
    for table in db.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["users"].append_column(Column("nickname", Integer))
    with app.app_context():
        differences = drift(changed)
    assert [(kind, column.name) for kind, _, _, column in [d for d in differences if d[0] == "add_column"]] == [
        ("add_column", "nickname")
    ]


def test_upgrade_downgrade_upgrade_from_empty_sqlite(tmp_path, backing_urls):
    app = create_app(
        "testing", overrides={**backing_urls, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.db'}"}
    )
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert drift(db.metadata) == []


def test_sqlite_upgrades_keep_the_rows_that_reference_a_rebuilt_table(tmp_path, backing_urls):
    """SQLite alters a table by copying it and dropping the old one; with foreign keys on, that drop
    cascaded to every row referencing it (0014 rebuilt `leagues`: every team, membership and draft of the
    default run's existing leagues was gone). Migrations run with foreign keys off on SQLite."""
    app = create_app(
        "testing", overrides={**backing_urls, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"}
    )
    with app.app_context():
        upgrade(revision="0013")
        now = "2026-01-01 00:00:00.000000"
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO users (id, username, username_key, email, email_key, password_hash, role, is_active, "
                f"token_version, created_at) VALUES (1, 'alice', 'alice', 'a@example.com', 'a@example.com', 'x', "
                f"'user', 1, 0, '{now}')")
            connection.exec_driver_sql(
                "INSERT INTO leagues (id, name, description, season, mode, visibility, max_teams, picks_per_team, "
                "draft_method, order_strategy, pick_seconds, draft_opens_hours, autopick_on_lock, ruleset, "
                "invite_code, owner_id, roster_version, created_at) VALUES (1, 'Old League', '', 2023, 'replay', "
                f"'private', 10, 2, 'snake', 'rotation', 0, 96, 1, '\"standard\"', 'code', 1, 0, '{now}')")
            connection.exec_driver_sql(
                "INSERT INTO memberships (league_id, user_id, role, joined_at) VALUES (1, 1, 'owner', "
                f"'{now}')")
            connection.exec_driver_sql(
                "INSERT INTO fantasy_teams (league_id, user_id, name, name_key, joined_at) VALUES (1, 1, 'Team', "
                f"'team', '{now}')")
        upgrade()
        with db.engine.connect() as connection:
            counts = [connection.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar()
                      for table in ("leagues", "memberships", "fantasy_teams")]
            foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    assert counts == [1, 1, 1]
    assert foreign_keys == 1  # back on for the app's own use of the pooled connection


def test_stored_race_notifications_get_their_points_as_numbers_and_back(tmp_path, backing_urls):
    """0018: race_scored / scores_corrected rows stored with decimal-string points read as JSON numbers after the
    upgrade (the inbox serves data as stored); other kinds are left alone; the downgrade writes the strings back."""
    app = create_app(
        "testing", overrides={**backing_urls, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"}
    )
    now = "2026-01-01 00:00:00.000000"
    scored = {"team_name": "Box Box", "round_points": "12.50", "season_points": "257.00", "rank": 1}
    other = {"league_name": "L", "round_points": "1.00"}

    def stored() -> list:
        with db.engine.connect() as connection:
            return [json.loads(text) for text in
                    connection.exec_driver_sql("SELECT data FROM notifications ORDER BY id").scalars()]

    with app.app_context():
        upgrade(revision="0017")
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO users (id, username, username_key, email, email_key, password_hash, role, is_active, "
                f"token_version, created_at) VALUES (1, 'alice', 'alice', 'a@example.com', 'a@example.com', 'x', "
                f"'user', 1, 0, '{now}')")
            for kind, data in (("race_scored", scored), ("scores_corrected", {**scored, "round_points": "-0.00"}),
                               ("member_joined", other)):
                connection.exec_driver_sql("INSERT INTO notifications (user_id, kind, data, created_at) VALUES "
                                           "(1, ?, ?, ?)", (kind, json.dumps(data), now))
        upgrade()
        upgraded = stored()
        downgrade(revision="0017")
        downgraded = stored()
    assert upgraded == [{**scored, "round_points": 12.5, "season_points": 257.0},
                        {**scored, "round_points": 0.0, "season_points": 257.0}, other]
    assert [type(data["round_points"]) for data in upgraded] == [float, float, str]
    assert downgraded == [scored, {**scored, "round_points": "0.00"}, other]
