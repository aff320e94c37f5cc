"""lineup rounds scored: lineup_rounds.scored_at, set when score_race scores a salary-cap league's round (§13)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 02:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

import fantasy.common.models

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lineup_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scored_at', fantasy.common.models.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('lineup_rounds', schema=None) as batch_op:
        batch_op.drop_column('scored_at')
