"""notice delivery: outbox and attempts (issue 17)

Revision ID: 0007_delivery
Revises: 0006_enterprise_receipts
Create Date: 2026-12-03

``enterprise.contact_email`` (联系邮箱, optional): where a firm's notices are e-mailed.
``delivery_outbox``: one row per message, unique per (warning, version, recipient,
channel, purpose). ``delivery_attempt``: one row per try. ``delivery_enqueued``: the
(warning, version, purpose) whose messages were enqueued (emergency.delivery.models).
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007_delivery'
down_revision = '0006_enterprise_receipts'
branch_labels = None
depends_on = None


def _s(n: int):
    return sqlmodel.sql.sqltypes.AutoString(length=n)


def _t():
    return sqlmodel.sql.sqltypes.UTCDateTime()


def upgrade() -> None:
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_email', _s(254), nullable=True))

    op.create_table(
        'delivery_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('warning_id', sa.Integer(), nullable=False),
        sa.Column('version_no', sa.Integer(), nullable=False),
        sa.Column('recipient', _s(120), nullable=False),
        sa.Column('uscc', _s(18), nullable=True),
        sa.Column('county', _s(100), nullable=False),
        sa.Column('area', _s(100), nullable=False),
        sa.Column('channel', _s(50), nullable=False),
        sa.Column('kind', _s(20), nullable=False),
        sa.Column('purpose', _s(30), nullable=False),
        sa.Column('address', _s(500), nullable=True),
        sa.Column('status', _s(20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', _t(), nullable=True),
        sa.Column('claim_token', _s(120), nullable=True),
        sa.Column('lease_until', _t(), nullable=True),
        sa.Column('handed_over_at', _t(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('sent_at', _t(), nullable=True),
        sa.Column('provider_message_id', _s(200), nullable=True),
        sa.Column('idempotency_key', _s(64), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('created_at', _t(), nullable=False),
        sa.Column('updated_at', _t(), nullable=False),
        sa.ForeignKeyConstraint(['warning_id'], ['warning.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('warning_id', 'version_no', 'recipient', 'channel', 'purpose', name='uq_delivery_outbox_key'),
        sa.UniqueConstraint('idempotency_key'),
    )
    with op.batch_alter_table('delivery_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_outbox_warning_id'), ['warning_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_outbox_uscc'), ['uscc'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_outbox_status'), ['status'], unique=False)

    op.create_table(
        'delivery_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('outbox_id', sa.Integer(), nullable=False),
        sa.Column('attempt_no', sa.Integer(), nullable=False),
        sa.Column('started_at', _t(), nullable=False),
        sa.Column('finished_at', _t(), nullable=True),
        sa.Column('result', _s(20), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('provider_message_id', _s(200), nullable=True),
        sa.ForeignKeyConstraint(['outbox_id'], ['delivery_outbox.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('delivery_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_attempt_outbox_id'), ['outbox_id'], unique=False)

    op.create_table(
        'delivery_enqueued',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('warning_id', sa.Integer(), nullable=False),
        sa.Column('version_no', sa.Integer(), nullable=False),
        sa.Column('purpose', _s(30), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('enqueued_at', _t(), nullable=False),
        sa.ForeignKeyConstraint(['warning_id'], ['warning.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('warning_id', 'version_no', 'purpose', name='uq_delivery_enqueued_key'),
    )
    with op.batch_alter_table('delivery_enqueued', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_enqueued_warning_id'), ['warning_id'], unique=False)


def downgrade() -> None:
    for table, indexes in (
        ('delivery_enqueued', ('warning_id',)),
        ('delivery_attempt', ('outbox_id',)),
        ('delivery_outbox', ('status', 'uscc', 'warning_id')),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in indexes:
                batch_op.drop_index(batch_op.f(f'ix_{table}_{column}'))
        op.drop_table(table)
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_column('contact_email')
