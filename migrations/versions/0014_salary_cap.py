"""salary-cap leagues: leagues.format and budget, lineup rounds, lineups and their assets (§13)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 02:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

import fantasy.common.models

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

CHIPS = "'extra_boost', 'wildcard', 'limitless', 'no_negative', 'autopilot'"


def upgrade():
    with op.batch_alter_table('leagues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('format', sa.String(length=16), server_default='draft', nullable=False))
        batch_op.add_column(sa.Column('budget', sa.Numeric(precision=4, scale=1), nullable=True))
        batch_op.create_check_constraint('format_known', "format IN ('draft', 'salary_cap')")
        batch_op.create_check_constraint(
            'budget_for_salary_cap',
            "(format = 'salary_cap' AND budget BETWEEN 50 AND 200) OR (format = 'draft' AND budget IS NULL)")

    op.create_table('lineup_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('league_id', sa.Integer(), nullable=False),
    sa.Column('race_id', sa.Integer(), nullable=False),
    sa.Column('locked_at', fantasy.common.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['league_id'], ['leagues.id'], name=op.f('fk_lineup_rounds_league_id_leagues'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['race_id'], ['races.id'], name=op.f('fk_lineup_rounds_race_id_races')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lineup_rounds')),
    sa.UniqueConstraint('league_id', 'race_id', name=op.f('uq_lineup_rounds_league_id_race_id'))
    )
    with op.batch_alter_table('lineup_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lineup_rounds_race_id'), ['race_id'], unique=False)

    op.create_table('lineups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('race_id', sa.Integer(), nullable=False),
    sa.Column('chip', sa.String(length=16), nullable=True),
    sa.Column('boost_driver_id', sa.Integer(), nullable=True),
    sa.Column('extra_boost_driver_id', sa.Integer(), nullable=True),
    sa.Column('locked_at', fantasy.common.models.UTCDateTime(), nullable=True),
    sa.Column('bank', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('transfers', sa.Integer(), server_default='0', nullable=False),
    sa.Column('free_transfers', sa.Integer(), server_default='0', nullable=False),
    sa.Column('penalty', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint(f'chip IS NULL OR chip IN ({CHIPS})', name=op.f('ck_lineups_chip_known')),
    sa.CheckConstraint("(extra_boost_driver_id IS NULL) OR (chip = 'extra_boost')",
                       name=op.f('ck_lineups_extra_boost_chip')),
    sa.CheckConstraint('transfers >= 0 AND free_transfers >= 0 AND penalty >= 0',
                       name=op.f('ck_lineups_counts_positive')),
    sa.ForeignKeyConstraint(['boost_driver_id'], ['drivers.id'], name=op.f('fk_lineups_boost_driver_id_drivers')),
    sa.ForeignKeyConstraint(['extra_boost_driver_id'], ['drivers.id'],
                            name=op.f('fk_lineups_extra_boost_driver_id_drivers')),
    sa.ForeignKeyConstraint(['race_id'], ['races.id'], name=op.f('fk_lineups_race_id_races')),
    sa.ForeignKeyConstraint(['team_id'], ['fantasy_teams.id'], name=op.f('fk_lineups_team_id_fantasy_teams'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lineups')),
    sa.UniqueConstraint('team_id', 'race_id', name=op.f('uq_lineups_team_id_race_id'))
    )
    with op.batch_alter_table('lineups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lineups_race_id'), ['race_id'], unique=False)

    op.create_table('lineup_assets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lineup_id', sa.Integer(), nullable=False),
    sa.Column('driver_id', sa.Integer(), nullable=True),
    sa.Column('constructor_id', sa.Integer(), nullable=True),
    sa.Column('price', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.CheckConstraint('(driver_id IS NULL) <> (constructor_id IS NULL)', name=op.f('ck_lineup_assets_one_asset')),
    sa.ForeignKeyConstraint(['constructor_id'], ['constructors.id'],
                            name=op.f('fk_lineup_assets_constructor_id_constructors')),
    sa.ForeignKeyConstraint(['driver_id'], ['drivers.id'], name=op.f('fk_lineup_assets_driver_id_drivers')),
    sa.ForeignKeyConstraint(['lineup_id'], ['lineups.id'], name=op.f('fk_lineup_assets_lineup_id_lineups'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lineup_assets')),
    sa.UniqueConstraint('lineup_id', 'constructor_id', name=op.f('uq_lineup_assets_lineup_id_constructor_id')),
    sa.UniqueConstraint('lineup_id', 'driver_id', name=op.f('uq_lineup_assets_lineup_id_driver_id'))
    )
    with op.batch_alter_table('lineup_assets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lineup_assets_lineup_id'), ['lineup_id'], unique=False)


def downgrade():
    op.drop_table('lineup_assets')
    op.drop_table('lineups')
    op.drop_table('lineup_rounds')
    with op.batch_alter_table('leagues', schema=None) as batch_op:
        batch_op.drop_constraint('budget_for_salary_cap', type_='check')
        batch_op.drop_constraint('format_known', type_='check')
        batch_op.drop_column('budget')
        batch_op.drop_column('format')
