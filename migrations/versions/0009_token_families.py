"""token families

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 21:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

import fantasy.common.models  # noqa: F401  (custom column types)

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # Sessions begun before this revision have no row and are refused: their users sign in again.
    op.create_table('token_families',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('refresh_jti', sa.String(length=36), nullable=False),
    sa.Column('expires_at', fantasy.common.models.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', fantasy.common.models.UTCDateTime(), nullable=True),
    sa.Column('created_at', fantasy.common.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_token_families_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_token_families'))
    )
    with op.batch_alter_table('token_families', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_token_families_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_token_families_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('token_families')
