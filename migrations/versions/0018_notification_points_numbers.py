"""race_scored / scores_corrected notifications stored before points became JSON numbers get numbers too

Their data's round_points and season_points were decimal strings ("257.00"); the inbox serves data as stored,
so without this a client would meet both types in one field. Rewritten in batches of rows by id; downgrade
writes the strings back.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 08:10:00.000000

"""
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

KINDS = ("race_scored", "scores_corrected")
FIELDS = ("round_points", "season_points")
BATCH = 5000
NOTIFICATIONS = sa.table("notifications", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                         sa.column("data", sa.JSON))


def _rewrite(convert, stored_as: type) -> None:
    """Every notification of KINDS whose points are `stored_as`, its points passed through `convert`."""
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(NOTIFICATIONS.c.id, NOTIFICATIONS.c.data)
            .where(NOTIFICATIONS.c.kind.in_(KINDS), NOTIFICATIONS.c.id > last)
            .order_by(NOTIFICATIONS.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        changed = [{"row_id": row.id, "new_data": {**row.data, **{
            name: convert(row.data[name]) for name in FIELDS if isinstance(row.data.get(name), stored_as)}}}
            for row in rows if any(isinstance(row.data.get(name), stored_as) for name in FIELDS)]
        if changed:
            connection.execute(NOTIFICATIONS.update().where(NOTIFICATIONS.c.id == sa.bindparam("row_id"))
                               .values(data=sa.bindparam("new_data", type_=sa.JSON)), changed)


def upgrade():
    _rewrite(lambda text: float(text) + 0.0, str)  # as fantasy.common.schemas.json_number writes them


def downgrade():
    _rewrite(lambda number: f"{Decimal(str(number)):.2f}", (int, float))
