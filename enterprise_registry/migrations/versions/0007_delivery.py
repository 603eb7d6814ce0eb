"""notice delivery: outbox and attempts (issue 17)

Revision ID: 0007_delivery
Revises: 0006_enterprise_receipts
Create Date: 2026-12-03

Filled by the delivery work (emergency/delivery).
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401


revision = '0007_delivery'
down_revision = '0006_enterprise_receipts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
