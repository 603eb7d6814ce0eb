"""The table of on-site inspections (现场检查: 晨查、夜查) during a warning.

One row per inspection of a firm (optionally one of its lines) under a warning, with
when (UTC), who inspected, what was found (:data:`RESULTS`) and a note. Rows are
written by :mod:`emergency.reports.inspections` (audited), never updated: a second
visit is a second row. Created by the alembic revision ``0008_inspections``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from emergency import clock

# code -> what an inspector writes (zh-CN). Only ``non_compliant`` is a finding against
# the firm; ``stopped`` (found stopped as ordered, or not producing) and ``compliant``
# are findings of compliance; ``unverified`` (gate closed, nobody there) is neither.
RESULTS: dict[str, str] = {
    "compliant": "落实",
    "non_compliant": "未落实",
    "stopped": "停产",
    "unverified": "无法核实",
}
NON_COMPLIANT = "non_compliant"


class Inspection(SQLModel, table=True):
    __tablename__ = "inspection"

    id: int | None = Field(default=None, primary_key=True)
    warning_id: int = Field(foreign_key="warning.id", index=True)
    uscc: str = Field(max_length=18, index=True)
    line_id: str | None = Field(default=None, max_length=80)
    inspected_at: datetime = Field(index=True)
    inspector: str = Field(max_length=100)
    result: str = Field(max_length=20, description="a key of RESULTS")
    note: str | None = Field(default=None, sa_column=Column(Text))
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=clock.now)
