"""on-site inspections and upward reports (issue 17)

Revision ID: 0008_inspections
Revises: 0007_delivery
Create Date: 2026-12-03

Filled by the reports work (emergency/reports).
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401


revision = '0008_inspections'
down_revision = '0007_delivery'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
