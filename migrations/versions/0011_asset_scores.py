"""asset scores: driver_scores also holds constructors

A stored score is per (ruleset, race, asset), the asset a driver or a constructor (§13): constructor_id is
added, driver_id becomes optional, and exactly one of them is set.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 22:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('driver_scores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('constructor_id', sa.Integer(), nullable=True))
        batch_op.alter_column('driver_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_driver_scores_constructor_id_constructors'), 'constructors',
                                    ['constructor_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_driver_scores_ruleset_race_id_constructor_id'),
                                          ['ruleset', 'race_id', 'constructor_id'])
        batch_op.create_check_constraint('one_asset', '(driver_id IS NULL) <> (constructor_id IS NULL)')


def downgrade():
    op.execute("DELETE FROM driver_scores WHERE constructor_id IS NOT NULL")
    with op.batch_alter_table('driver_scores', schema=None) as batch_op:
        batch_op.drop_constraint('one_asset', type_='check')
        batch_op.drop_constraint(batch_op.f('uq_driver_scores_ruleset_race_id_constructor_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_driver_scores_constructor_id_constructors'), type_='foreignkey')
        batch_op.alter_column('driver_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('constructor_id')
