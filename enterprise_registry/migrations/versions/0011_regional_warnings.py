"""regional warnings (区域预警提示) and the cities' responses (issue 18)

Revision ID: 0011_regional_warnings
Revises: 0010_hierarchy
Create Date: 2026-12-03

The table of emergency/region/models.py: one row per regional warning notice (region,
level, period, the region's cities and response hours as they were at issue, the notice,
issued / released, row_version). Reminders use the dispatch log (no table of their own).
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011_regional_warnings'
down_revision = '0010_hierarchy'
branch_labels = None
depends_on = None


def _s(n: int):
    return sqlmodel.sql.sqltypes.AutoString(length=n)


def upgrade() -> None:
    op.create_table(
        'regional_warning',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region', _s(50), nullable=False),
        sa.Column('region_zh', _s(100), nullable=False),
        sa.Column('level', _s(10), nullable=False),
        sa.Column('start', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('end', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('cities', sa.Text(), nullable=False),
        sa.Column('response_within_hours', sa.Float(), nullable=False),
        sa.Column('response_source', sa.Text(), nullable=False),
        sa.Column('notice', sa.Text(), nullable=False),
        sa.Column('state', _s(20), nullable=False),
        sa.Column('issued_by', _s(64), nullable=False),
        sa.Column('issued_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('row_version', sa.Integer(), nullable=False),
        sa.Column('released_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('released_by', _s(64), nullable=True),
        sa.Column('release_reason', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('regional_warning', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regional_warning_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_regional_warning_state'), ['state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('regional_warning', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regional_warning_state'))
        batch_op.drop_index(batch_op.f('ix_regional_warning_region'))
    op.drop_table('regional_warning')
