"""workflow: users, tokens, warnings, plan versions, audit, electricity

Revision ID: 0002_workflow
Revises: 0001_registry
Create Date: 2026-11-24 21:18:49.262854
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002_workflow'
down_revision = '0001_registry'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('full_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_user_username'), ['username'], unique=True)

    op.create_table('audit_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('details', sa.Text(), nullable=True),
    sa.Column('plan_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_record_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_record_actor'), ['actor'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_record_at'), ['at'], unique=False)

    op.create_table('electricity_reading',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_uscc', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('line_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kwh', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('enterprise_uscc', 'line_id', 'day')
    )
    with op.batch_alter_table('electricity_reading', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_electricity_reading_enterprise_uscc'), ['enterprise_uscc'], unique=False)

    op.create_table('warning',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('rule_set', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('areas', sa.Text(), nullable=False),
    sa.Column('start', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('end', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('registry_version', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('forecast', sa.Text(), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('warning', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warning_state'), ['state'], unique=False)

    op.create_table('active_area',
    sa.Column('area', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('warning_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['warning_id'], ['warning.id'], ),
    sa.PrimaryKeyConstraint('area')
    )
    with op.batch_alter_table('active_area', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_active_area_warning_id'), ['warning_id'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_token_sha256'), ['token_sha256'], unique=True)
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warning_id', sa.Integer(), nullable=False),
    sa.Column('version_no', sa.Integer(), nullable=False),
    sa.Column('transition', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('changes', sa.Text(), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['warning_id'], ['warning.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('warning_id', 'version_no')
    )
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_version_warning_id'), ['warning_id'], unique=False)

    


def downgrade() -> None:
    
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_version_warning_id'))

    op.drop_table('plan_version')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))
        batch_op.drop_index(batch_op.f('ix_api_token_token_sha256'))

    op.drop_table('api_token')
    with op.batch_alter_table('active_area', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_active_area_warning_id'))

    op.drop_table('active_area')
    with op.batch_alter_table('warning', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warning_state'))

    op.drop_table('warning')
    with op.batch_alter_table('electricity_reading', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_electricity_reading_enterprise_uscc'))

    op.drop_table('electricity_reading')
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_record_at'))
        batch_op.drop_index(batch_op.f('ix_audit_record_actor'))
        batch_op.drop_index(batch_op.f('ix_audit_record_action'))

    op.drop_table('audit_record')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_user_username'))

    op.drop_table('app_user')
    


# Audit records are append-only: on PostgreSQL the database itself refuses changes.
_AUDIT_TRIGGER = """
CREATE OR REPLACE FUNCTION audit_record_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_record_no_change BEFORE UPDATE OR DELETE ON audit_record
    FOR EACH ROW EXECUTE FUNCTION audit_record_append_only();
"""
_AUDIT_TRIGGER_SQLITE = [
    "CREATE TRIGGER audit_record_no_update BEFORE UPDATE ON audit_record BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END",
    "CREATE TRIGGER audit_record_no_delete BEFORE DELETE ON audit_record BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END",
]

_upgrade_tables = upgrade


def upgrade() -> None:  # noqa: F811
    _upgrade_tables()
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(_AUDIT_TRIGGER)
    elif bind.dialect.name == "sqlite":
        for stmt in _AUDIT_TRIGGER_SQLITE:
            op.execute(stmt)
