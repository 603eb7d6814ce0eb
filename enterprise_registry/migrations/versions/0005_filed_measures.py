"""filed measures: each firm's yellow / orange / red measure as the list files it (issue 15)

Revision ID: 0005_filed_measures
Revises: 0004_safe_night
Create Date: 2026-12-03

``filed_measure``: one row per (enterprise or line, level) with a filed measure —
the action (config.measures.Action), its share or coking hours, the truck-ban rider,
the text as published and the indicator that proves it. ``line_id`` NULL: the
measure the 企业 sheet gives for all the firm's lines (kept there for the round trip).
A list without filed measures has no rows.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005_filed_measures'
down_revision = '0004_safe_night'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'filed_measure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('line_id', sa.Integer(), nullable=True),
        sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column('share', sa.Float(), nullable=True),
        sa.Column('hours', sa.Float(), nullable=True),
        sa.Column('truck_ban', sa.Boolean(), nullable=False),
        sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column('indicator', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.ForeignKeyConstraint(['version_id'], ['list_version.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['line_id'], ['production_line.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('filed_measure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_filed_measure_version_id'), ['version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_filed_measure_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_filed_measure_line_id'), ['line_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('filed_measure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_filed_measure_line_id'))
        batch_op.drop_index(batch_op.f('ix_filed_measure_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_filed_measure_version_id'))
    op.drop_table('filed_measure')
