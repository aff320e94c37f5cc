"""F1 data: seasons, circuits, drivers, constructors, races, sessions, results and result states

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:25:53.750143

"""
import sqlalchemy as sa
from alembic import op

import fantasy.common.models  # noqa: F401  (custom column types)

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('circuits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('locality', sa.String(length=120), nullable=True),
    sa.Column('country', sa.String(length=120), nullable=True),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('url', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_circuits')),
    sa.UniqueConstraint('ref', name=op.f('uq_circuits_ref'))
    )
    op.create_table('constructors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('nationality', sa.String(length=60), nullable=True),
    sa.Column('url', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_constructors')),
    sa.UniqueConstraint('ref', name=op.f('uq_constructors_ref'))
    )
    op.create_table('drivers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=3), nullable=True),
    sa.Column('permanent_number', sa.Integer(), nullable=True),
    sa.Column('given_name', sa.String(length=80), nullable=False),
    sa.Column('family_name', sa.String(length=80), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('nationality', sa.String(length=60), nullable=True),
    sa.Column('url', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drivers')),
    sa.UniqueConstraint('ref', name=op.f('uq_drivers_ref'))
    )
    op.create_table('seasons',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('url', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_seasons'))
    )
    op.create_table('races',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('season_year', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('circuit_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', fantasy.common.models.UTCDateTime(), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'completed', 'cancelled', name='race_status', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('url', sa.String(length=255), nullable=True),
    sa.CheckConstraint('round > 0', name=op.f('ck_races_round_positive')),
    sa.ForeignKeyConstraint(['circuit_id'], ['circuits.id'], name=op.f('fk_races_circuit_id_circuits')),
    sa.ForeignKeyConstraint(['season_year'], ['seasons.year'], name=op.f('fk_races_season_year_seasons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_races')),
    sa.UniqueConstraint('season_year', 'round', name=op.f('uq_races_season_year_round'))
    )
    op.create_table('season_constructors',
    sa.Column('season_year', sa.Integer(), nullable=False),
    sa.Column('constructor_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['constructor_id'], ['constructors.id'], name=op.f('fk_season_constructors_constructor_id_constructors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['season_year'], ['seasons.year'], name=op.f('fk_season_constructors_season_year_seasons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('season_year', 'constructor_id', name=op.f('pk_season_constructors'))
    )
    op.create_table('season_drivers',
    sa.Column('season_year', sa.Integer(), nullable=False),
    sa.Column('driver_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['driver_id'], ['drivers.id'], name=op.f('fk_season_drivers_driver_id_drivers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['season_year'], ['seasons.year'], name=op.f('fk_season_drivers_season_year_seasons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('season_year', 'driver_id', name=op.f('pk_season_drivers'))
    )
    op.create_table('race_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('race_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('starts_at', fantasy.common.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['race_id'], ['races.id'], name=op.f('fk_race_sessions_race_id_races'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_race_sessions')),
    sa.UniqueConstraint('race_id', 'kind', name=op.f('uq_race_sessions_race_id_kind'))
    )
    op.create_table('result_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('race_id', sa.Integer(), nullable=False),
    sa.Column('session', sa.Enum('qualifying', 'sprint', 'race', name='session_kind', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('state', sa.Enum('pending', 'provisional', 'final', name='result_lifecycle', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('upstream_hash', sa.String(length=64), nullable=True),
    sa.Column('fetched_at', fantasy.common.models.UTCDateTime(), nullable=True),
    sa.Column('changed_at', fantasy.common.models.UTCDateTime(), nullable=True),
    sa.Column('source', sa.Enum('upstream', 'manual', name='result_source', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.ForeignKeyConstraint(['race_id'], ['races.id'], name=op.f('fk_result_states_race_id_races'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_states')),
    sa.UniqueConstraint('race_id', 'session', name=op.f('uq_result_states_race_id_session'))
    )
    op.create_table('session_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('race_id', sa.Integer(), nullable=False),
    sa.Column('session', sa.Enum('qualifying', 'sprint', 'race', name='session_kind', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('driver_id', sa.Integer(), nullable=False),
    sa.Column('constructor_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=True),
    sa.Column('position_text', sa.String(length=4), nullable=True),
    sa.Column('classified', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=60), nullable=True),
    sa.Column('grid', sa.Integer(), nullable=True),
    sa.Column('laps', sa.Integer(), nullable=True),
    sa.Column('points', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('fastest_lap_rank', sa.Integer(), nullable=True),
    sa.Column('time_ms', sa.BigInteger(), nullable=True),
    sa.Column('q1_ms', sa.Integer(), nullable=True),
    sa.Column('q2_ms', sa.Integer(), nullable=True),
    sa.Column('q3_ms', sa.Integer(), nullable=True),
    sa.CheckConstraint('position IS NULL OR position > 0', name=op.f('ck_session_results_position_positive')),
    sa.ForeignKeyConstraint(['constructor_id'], ['constructors.id'], name=op.f('fk_session_results_constructor_id_constructors')),
    sa.ForeignKeyConstraint(['driver_id'], ['drivers.id'], name=op.f('fk_session_results_driver_id_drivers')),
    sa.ForeignKeyConstraint(['race_id'], ['races.id'], name=op.f('fk_session_results_race_id_races'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_results')),
    sa.UniqueConstraint('race_id', 'session', 'driver_id', name=op.f('uq_session_results_race_id_session_driver_id'))
    )
    with op.batch_alter_table('session_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_results_driver_id'), ['driver_id'], unique=False)



def downgrade():
    with op.batch_alter_table('session_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_results_driver_id'))

    op.drop_table('session_results')
    op.drop_table('result_states')
    op.drop_table('race_sessions')
    op.drop_table('season_drivers')
    op.drop_table('season_constructors')
    op.drop_table('races')
    op.drop_table('seasons')
    op.drop_table('drivers')
    op.drop_table('constructors')
    op.drop_table('circuits')
