"""enterprise accounts, receipts and execution reports (issue 17)

Revision ID: 0006_enterprise_receipts
Revises: 0005_filed_measures
Create Date: 2026-12-03

``enterprise_binding``: the USCCs an ``enterprise`` account acts for.
``enterprise_invitation``: one-time invitation codes (SHA-256 only), with expiry and
the account that redeemed it. ``notice_receipt``: a firm's confirmation (回执) of its
order at one plan version, one row per (warning, version, firm). ``execution_report``:
its report per line, one row per (warning, version, firm, line).
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006_enterprise_receipts'
down_revision = '0005_filed_measures'
branch_labels = None
depends_on = None


def _s(n: int):
    return sqlmodel.sql.sqltypes.AutoString(length=n)


def upgrade() -> None:
    op.create_table(
        'enterprise_binding',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('uscc', _s(18), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'uscc'),
    )
    with op.batch_alter_table('enterprise_binding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_binding_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprise_binding_uscc'), ['uscc'], unique=False)

    op.create_table(
        'enterprise_invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code_sha256', _s(64), nullable=False),
        sa.Column('username', _s(64), nullable=False),
        sa.Column('full_name', _s(100), nullable=True),
        sa.Column('usccs', sa.Text(), nullable=False),
        sa.Column('created_by', _s(64), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('redeemed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('enterprise_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_invitation_code_sha256'), ['code_sha256'], unique=True)

    op.create_table(
        'notice_receipt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('warning_id', sa.Integer(), nullable=False),
        sa.Column('version_no', sa.Integer(), nullable=False),
        sa.Column('uscc', _s(18), nullable=False),
        sa.Column('confirmed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('confirmed_by', _s(64), nullable=False),
        sa.ForeignKeyConstraint(['warning_id'], ['warning.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('warning_id', 'version_no', 'uscc'),
    )
    with op.batch_alter_table('notice_receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_receipt_warning_id'), ['warning_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_receipt_uscc'), ['uscc'], unique=False)

    op.create_table(
        'execution_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('warning_id', sa.Integer(), nullable=False),
        sa.Column('version_no', sa.Integer(), nullable=False),
        sa.Column('uscc', _s(18), nullable=False),
        sa.Column('line_id', _s(80), nullable=False),
        sa.Column('measure', _s(200), nullable=False),
        sa.Column('taken_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('reported_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('reported_by', _s(64), nullable=False),
        sa.Column('evidence_file', _s(100), nullable=True),
        sa.Column('evidence_name', _s(200), nullable=True),
        sa.Column('evidence_sha256', _s(64), nullable=True),
        sa.Column('evidence_bytes', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['warning_id'], ['warning.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('warning_id', 'version_no', 'uscc', 'line_id'),
    )
    with op.batch_alter_table('execution_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_execution_report_warning_id'), ['warning_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_execution_report_uscc'), ['uscc'], unique=False)


def downgrade() -> None:
    for table, indexes in (
        ('execution_report', ('uscc', 'warning_id')),
        ('notice_receipt', ('uscc', 'warning_id')),
        ('enterprise_invitation', ('code_sha256',)),
        ('enterprise_binding', ('uscc', 'user_id')),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in indexes:
                batch_op.drop_index(batch_op.f(f'ix_{table}_{column}'))
        op.drop_table(table)
