"""safe night: warning row versions and release record, plan effective times,
token expiry and revocation, login lockout, audit log closed to REPLACE and TRUNCATE

Revision ID: 0004_safe_night
Revises: 0003_rotation_scheduler
Create Date: 2026-12-03

- ``warning.row_version``: every state change is ``UPDATE … WHERE row_version = :seen``;
  of two concurrent changes exactly one matches (the other is a 409).
- ``warning.released_at / released_by / release_reason``: the release, recorded.
- ``plan_version.effective_from``: when a version's measures take effect (an upgrade
  can be ordered for a later hour); compliance counts each day against the versions
  in force that day.
- ``api_token.expires_at / revoked_at / last_used_at``; ``app_user.failed_logins /
  locked_until``.
- Audit log: SQLite refuses ``INSERT OR REPLACE`` over an existing record (a BEFORE
  INSERT trigger: REPLACE deletes without firing delete triggers); PostgreSQL refuses
  ``TRUNCATE`` (UPDATE and DELETE were refused since 0002).
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004_safe_night'
down_revision = '0003_rotation_scheduler'
branch_labels = None
depends_on = None

_SQLITE_NO_REPLACE = (
    "CREATE TRIGGER audit_record_no_replace BEFORE INSERT ON audit_record "
    "WHEN EXISTS (SELECT 1 FROM audit_record WHERE id = NEW.id) "
    "BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END"
)
_PG_NO_TRUNCATE = (
    "CREATE TRIGGER audit_record_no_truncate BEFORE TRUNCATE ON audit_record "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_record_append_only()"
)


def upgrade() -> None:
    with op.batch_alter_table('warning', schema=None) as batch_op:
        batch_op.add_column(sa.Column('row_version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('released_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('released_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('release_reason', sa.Text(), nullable=True))
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('effective_from', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(_SQLITE_NO_REPLACE)
    elif dialect == "postgresql":
        op.execute(_PG_NO_TRUNCATE)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_record_no_replace")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_record_no_truncate ON audit_record")
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_column('effective_from')
    with op.batch_alter_table('warning', schema=None) as batch_op:
        batch_op.drop_column('release_reason')
        batch_op.drop_column('released_by')
        batch_op.drop_column('released_at')
        batch_op.drop_column('row_version')
