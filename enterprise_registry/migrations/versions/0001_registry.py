"""registry tables: list versions, areas, enterprises, lines

Revision ID: 0001_registry
Revises: 
Create Date: 2026-11-24 20:48:26.233883
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0001_registry'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('list_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('city', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('imported_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('source_file', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('content_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('list_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_list_version_name'), ['name'], unique=True)

    op.create_table('area',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('parent', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('base_so2', sa.Float(), nullable=False),
    sa.Column('base_nox', sa.Float(), nullable=False),
    sa.Column('base_pm', sa.Float(), nullable=False),
    sa.Column('base_vocs', sa.Float(), nullable=False),
    sa.Column('listed_share_so2', sa.Float(), nullable=False),
    sa.Column('listed_share_nox', sa.Float(), nullable=False),
    sa.Column('listed_share_pm', sa.Float(), nullable=False),
    sa.Column('listed_share_vocs', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['list_version.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version_id', 'name')
    )
    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_version_id'), ['version_id'], unique=False)

    op.create_table('enterprise',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=True),
    sa.Column('uscc', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('county', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('industry', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('grade', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('essential_category', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('essential_approved_load', sa.Float(), nullable=True),
    sa.Column('small_micro', sa.Boolean(), nullable=False),
    sa.Column('ultra_low_filed', sa.Boolean(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('contact_person', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('contact_phone', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('heavy_trucks_per_day', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['version_id'], ['list_version.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version_id', 'uscc')
    )
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_county'), ['county'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprise_grade'), ['grade'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprise_industry'), ['industry'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprise_uscc'), ['uscc'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprise_version_id'), ['version_id'], unique=False)

    op.create_table('production_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=True),
    sa.Column('line_code', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('line_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('process', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('capacity_unit', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('capacity_eia', sa.Float(), nullable=False),
    sa.Column('capacity_permit', sa.Float(), nullable=False),
    sa.Column('capacity_actual', sa.Float(), nullable=False),
    sa.Column('capacity_basis', sa.Float(), nullable=False),
    sa.Column('output_value_yuan', sa.Float(), nullable=False),
    sa.Column('interruptible', sa.Boolean(), nullable=False),
    sa.Column('min_load', sa.Float(), nullable=False),
    sa.Column('stop_lead_time_h', sa.Float(), nullable=False),
    sa.Column('so2_kg', sa.Float(), nullable=False),
    sa.Column('nox_kg', sa.Float(), nullable=False),
    sa.Column('pm_kg', sa.Float(), nullable=False),
    sa.Column('vocs_kg', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['list_version.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('enterprise_id', 'line_code')
    )
    with op.batch_alter_table('production_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_production_line_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_production_line_version_id'), ['version_id'], unique=False)

    


def downgrade() -> None:
    
    with op.batch_alter_table('production_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_production_line_version_id'))
        batch_op.drop_index(batch_op.f('ix_production_line_enterprise_id'))

    op.drop_table('production_line')
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprise_version_id'))
        batch_op.drop_index(batch_op.f('ix_enterprise_uscc'))
        batch_op.drop_index(batch_op.f('ix_enterprise_industry'))
        batch_op.drop_index(batch_op.f('ix_enterprise_grade'))
        batch_op.drop_index(batch_op.f('ix_enterprise_county'))

    op.drop_table('enterprise')
    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_version_id'))

    op.drop_table('area')
    with op.batch_alter_table('list_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_list_version_name'))

    op.drop_table('list_version')
    
