"""on-site inspections and upward reports (issue 17)

Revision ID: 0008_inspections
Revises: 0007_delivery
Create Date: 2026-12-03

``inspection``: one row per on-site inspection (现场检查) of a firm, optionally one of its
lines, under a warning: when (UTC), inspector, result (落实 / 未落实 / 停产 / 无法核实,
codes in ``emergency.reports.models.RESULTS``), note, who entered it and when. Read by
the daily response report and the episode summary (emergency/reports).
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008_inspections'
down_revision = '0007_delivery'
branch_labels = None
depends_on = None


def _s(n: int):
    return sqlmodel.sql.sqltypes.AutoString(length=n)


def upgrade() -> None:
    op.create_table(
        'inspection',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('warning_id', sa.Integer(), nullable=False),
        sa.Column('uscc', _s(18), nullable=False),
        sa.Column('line_id', _s(80), nullable=True),
        sa.Column('inspected_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('inspector', _s(100), nullable=False),
        sa.Column('result', _s(20), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_by', _s(64), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['warning_id'], ['warning.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_warning_id'), ['warning_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_uscc'), ['uscc'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_inspected_at'), ['inspected_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_inspected_at'))
        batch_op.drop_index(batch_op.f('ix_inspection_uscc'))
        batch_op.drop_index(batch_op.f('ix_inspection_warning_id'))
    op.drop_table('inspection')
