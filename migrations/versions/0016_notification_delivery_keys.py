"""notification delivery keys and pending deliveries

notifications.delivery_key (unique per user) makes a race-wide delivery that runs twice store its rows once;
pending_deliveries holds a race-wide delivery from the scoring's commit until its notifications are stored.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 02:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

import fantasy.common.models

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_key', sa.String(length=100), nullable=True))
        batch_op.create_index('uq_notifications_user_id_delivery_key', ['user_id', 'delivery_key'], unique=True)
    op.create_table(
        'pending_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('created_at', fantasy.common.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_deliveries')),
    )
    with op.batch_alter_table('pending_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_deliveries_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('pending_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_deliveries_created_at'))
    op.drop_table('pending_deliveries')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('uq_notifications_user_id_delivery_key')
        batch_op.drop_column('delivery_key')
