"""asset prices per season, round and asset (§13)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 22:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

import fantasy.common.models

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('asset_prices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('season_year', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('driver_id', sa.Integer(), nullable=True),
    sa.Column('constructor_id', sa.Integer(), nullable=True),
    sa.Column('price', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('stored_at', fantasy.common.models.UTCDateTime(), nullable=False),
    sa.CheckConstraint('(driver_id IS NULL) <> (constructor_id IS NULL)', name=op.f('ck_asset_prices_one_asset')),
    sa.CheckConstraint('price >= 4.5', name=op.f('ck_asset_prices_price_floor')),
    sa.CheckConstraint('round > 0', name=op.f('ck_asset_prices_round_positive')),
    sa.ForeignKeyConstraint(['constructor_id'], ['constructors.id'],
                            name=op.f('fk_asset_prices_constructor_id_constructors')),
    sa.ForeignKeyConstraint(['driver_id'], ['drivers.id'], name=op.f('fk_asset_prices_driver_id_drivers')),
    sa.ForeignKeyConstraint(['season_year'], ['seasons.year'], name=op.f('fk_asset_prices_season_year_seasons'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_prices')),
    sa.UniqueConstraint('season_year', 'round', 'constructor_id',
                        name=op.f('uq_asset_prices_season_year_round_constructor_id')),
    sa.UniqueConstraint('season_year', 'round', 'driver_id', name=op.f('uq_asset_prices_season_year_round_driver_id'))
    )


def downgrade():
    op.drop_table('asset_prices')
