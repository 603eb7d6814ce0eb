"""CEMS hourly readings and station observations (issue 17)

Revision ID: 0009_cems_observations
Revises: 0008_inspections
Create Date: 2026-12-03

Filled by the effect-evaluation work (emergency/evaluation): the tables of
emergency/evaluation/models.py.
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401


revision = '0009_cems_observations'
down_revision = '0008_inspections'
branch_labels = None
depends_on = None


def _s(n: int):
    return sqlmodel.sql.sqltypes.AutoString(length=n)


def upgrade() -> None:
    op.create_table(
        'cems_reading',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enterprise_uscc', _s(18), nullable=False),
        sa.Column('outlet', _s(80), nullable=False),
        sa.Column('line_id', _s(80), nullable=False),
        sa.Column('hour', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('pollutant', _s(10), nullable=False),
        sa.Column('concentration_mg_m3', sa.Float(), nullable=False),
        sa.Column('basis', _s(10), nullable=False),
        sa.Column('flow_m3_h', sa.Float(), nullable=False),
        sa.Column('kg', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('enterprise_uscc', 'outlet', 'hour', 'pollutant'),
    )
    with op.batch_alter_table('cems_reading', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cems_reading_enterprise_uscc'), ['enterprise_uscc'], unique=False)
        batch_op.create_index(batch_op.f('ix_cems_reading_hour'), ['hour'], unique=False)

    op.create_table(
        'station_observation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('station', _s(100), nullable=False),
        sa.Column('area', _s(100), nullable=False),
        sa.Column('hour', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('pm25', sa.Float(), nullable=True),
        sa.Column('pm10', sa.Float(), nullable=True),
        sa.Column('so2', sa.Float(), nullable=True),
        sa.Column('no2', sa.Float(), nullable=True),
        sa.Column('o3', sa.Float(), nullable=True),
        sa.Column('co', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('station', 'hour'),
    )
    with op.batch_alter_table('station_observation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_station_observation_area'), ['area'], unique=False)
        batch_op.create_index(batch_op.f('ix_station_observation_hour'), ['hour'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('station_observation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_station_observation_hour'))
        batch_op.drop_index(batch_op.f('ix_station_observation_area'))
    op.drop_table('station_observation')
    with op.batch_alter_table('cems_reading', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cems_reading_hour'))
        batch_op.drop_index(batch_op.f('ix_cems_reading_enterprise_uscc'))
    op.drop_table('cems_reading')
