"""notifications outlive their league

A deleted league's notifications are kept with league_id set to NULL (their data names the league), so a
notification job that runs after the deletion stores its rows instead of failing on the foreign key.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 21:30:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _league_foreign_key(ondelete: str) -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint('fk_notifications_league_id_leagues', type_='foreignkey')
        batch_op.create_foreign_key('fk_notifications_league_id_leagues', 'leagues', ['league_id'], ['id'],
                                    ondelete=ondelete)


def upgrade():
    _league_foreign_key('SET NULL')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_league_id'), ['league_id'], unique=False)


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_league_id'))
    _league_foreign_key('CASCADE')
