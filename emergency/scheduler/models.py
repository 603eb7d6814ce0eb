"""The dispatch log: one row per (day, kind, scope) ever dispatched — the guarantee
that after a kill and a restart no day is lost or sent twice.

The unique constraint is the lock: a dispatch inserts its row and its orders in one
transaction; a second attempt for the same key fails on the constraint and is
recorded as already done. ``status``: ``sent`` (orders written), ``missed`` (the day
had passed when the scheduler came back; not sent to firms, reported to the duty
officer), ``suggested`` (a suggested warning awaiting a person), ``reminded``.

Created by the alembic revision ``0003_rotation_scheduler`` (enterprise_registry/migrations).
"""

from __future__ import annotations

from datetime import date, datetime

from emergency import clock
from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel



class DispatchRecord(SQLModel, table=True):
    __tablename__ = "dispatch_log"
    __table_args__ = (UniqueConstraint("day", "kind", "scope", name="uq_dispatch_day_kind_scope"),)

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)
    kind: str = Field(max_length=40)
    scope: str = Field(default="", max_length=100)
    status: str = Field(max_length=20)
    due_at: datetime | None = None
    dispatched_at: datetime = Field(default_factory=clock.now)
    late: bool = False
    count: int = 0
    plan_id: int | None = None
    payload: str | None = Field(default=None, sa_column=Column(Text))
