"""case-folded unique keys and token versions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 11:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# Each table's case-insensitive keys and the columns they are derived from.
KEYS = {"users": (("username", "username_key"), ("email", "email_key")), "fantasy_teams": (("name", "name_key"),)}


def _rekey(fold) -> None:
    """Recompute every key with `fold` (keys were str.lower() before this revision, str.casefold() after)."""
    connection = op.get_bind()
    for table_name, pairs in KEYS.items():
        table = sa.table(table_name, sa.column("id"), *[sa.column(name) for pair in pairs for name in pair])
        for row in connection.execute(sa.select(table)).mappings().all():
            changed = {key: fold(row[source]) for source, key in pairs if fold(row[source]) != row[key]}
            if changed:
                connection.execute(table.update().where(table.c.id == row["id"]).values(**changed))


def upgrade():
    _rekey(str.casefold)
    op.add_column('users', sa.Column('token_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('token_version')
    _rekey(str.lower)
