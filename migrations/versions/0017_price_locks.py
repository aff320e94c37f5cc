"""price locks: which (season, round) prices a salary-cap lineup has locked at (§13: stored for good from then)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 03:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

import fantasy.common.models

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'price_locks',
        sa.Column('season_year', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('locked_at', fantasy.common.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['season_year'], ['seasons.year'], name=op.f('fk_price_locks_season_year_seasons'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('season_year', 'round', name=op.f('pk_price_locks')),
    )


def downgrade():
    op.drop_table('price_locks')
