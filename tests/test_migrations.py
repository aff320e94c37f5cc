"""Migrations: they build the schema from empty, round-trip, and match the models exactly."""
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
