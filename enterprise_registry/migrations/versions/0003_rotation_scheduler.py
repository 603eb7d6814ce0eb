"""rotation plans, the scheduler's dispatch log and its job store

Revision ID: 0003_rotation_scheduler
Revises: 0002_workflow
Create Date: 2026-11-24 22:22:47.023283

Tables of ``emergency.rotation.models`` (rotation_plan) and
``emergency.scheduler.models`` (dispatch_log, unique on day/kind/scope), and
APScheduler 3's ``apscheduler_jobs`` exactly as its SQLAlchemyJobStore defines it
(the store's own create is then a no-op), so the whole schema comes from this history.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003_rotation_scheduler'
down_revision = '0002_workflow'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dispatch_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('dispatched_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('day', 'kind', 'scope', name='uq_dispatch_day_kind_scope')
    )
    with op.batch_alter_table('dispatch_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_log_day'), ['day'], unique=False)

    op.create_table('rotation_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('season', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('area', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('registry_version', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('window_start', sa.Date(), nullable=False),
    sa.Column('window_end', sa.Date(), nullable=False),
    sa.Column('frozen_until', sa.Date(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rotation_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rotation_plan_area'), ['area'], unique=False)
        batch_op.create_index(batch_op.f('ix_rotation_plan_season'), ['season'], unique=False)

    op.create_table('apscheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_apscheduler_jobs_next_run_time', ['next_run_time'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_apscheduler_jobs_next_run_time')

    op.drop_table('apscheduler_jobs')
    with op.batch_alter_table('rotation_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rotation_plan_season'))
        batch_op.drop_index(batch_op.f('ix_rotation_plan_area'))

    op.drop_table('rotation_plan')
    with op.batch_alter_table('dispatch_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_log_day'))

    op.drop_table('dispatch_log')
