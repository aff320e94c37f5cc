"""draft pause (commissioner tools, §14)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 22:25:00.000000

"""
import sqlalchemy as sa
from alembic import op

import fantasy.common.models

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused_at', fantasy.common.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('paused_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_drafts_paused_by_id_users'), 'users', ['paused_by_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_drafts_paused_by_id_users'), type_='foreignkey')
        batch_op.drop_column('paused_by_id')
        batch_op.drop_column('paused_at')
