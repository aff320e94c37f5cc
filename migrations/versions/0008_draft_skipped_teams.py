"""draft skipped teams

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 21:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('skipped_team_ids', sa.JSON(), server_default='[]', nullable=False))


def downgrade():
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_column('skipped_team_ids')
