"""regional warnings (区域预警提示) and the cities' responses (issue 18)

Revision ID: 0011_regional_warnings
Revises: 0010_hierarchy
Create Date: 2026-12-03

Filled by the regional-warning work (emergency/region).
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401


revision = '0011_regional_warnings'
down_revision = '0010_hierarchy'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
