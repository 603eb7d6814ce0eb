"""CEMS hourly readings and station observations (issue 17)

Revision ID: 0009_cems_observations
Revises: 0008_inspections
Create Date: 2026-12-03

Filled by the effect-evaluation work (emergency/evaluation).
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401


revision = '0009_cems_observations'
down_revision = '0008_inspections'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
