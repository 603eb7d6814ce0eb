"""cities in one deployment (issue 18): a user's city, a warning's city, claims per city

Revision ID: 0010_hierarchy
Revises: 0009_cems_observations
Create Date: 2026-12-03

One deployment serves many cities (region / province → city → county). ``app_user.city``:
the city an account acts for (NULL: every city — the province, a region, an admin).
``warning.city``: the city whose list the warning was planned from (filled from
``list_version.city`` for existing warnings). ``active_area.area`` holds claims qualified by
their city (``<city>/<area>``): two cities may both have a county called 城区.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010_hierarchy'
down_revision = '0009_cems_observations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
    with op.batch_alter_table('warning', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.create_index(batch_op.f('ix_warning_city'), ['city'], unique=False)
    op.execute("UPDATE warning SET city = (SELECT list_version.city FROM list_version "
               "WHERE list_version.name = warning.registry_version)")
    op.execute("UPDATE active_area SET area = (SELECT COALESCE(warning.city, '') FROM warning "
               "WHERE warning.id = active_area.warning_id) || '/' || area")


def downgrade() -> None:
    op.execute("UPDATE active_area SET area = substr(area, instr(area, '/') + 1)"
               if op.get_bind().dialect.name == "sqlite"
               else "UPDATE active_area SET area = substr(area, strpos(area, '/') + 1)")
    with op.batch_alter_table('warning', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warning_city'))
        batch_op.drop_column('city')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('city')
