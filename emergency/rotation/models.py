"""Table of rotation plans: each plan (and each re-plan) is one row; the latest row of
a (season, area) is the calendar in effect, read by `rotation show` and the scheduler.

Created by the alembic revision ``0003_rotation_scheduler`` (enterprise_registry/migrations).
"""

from __future__ import annotations

from datetime import date, datetime

from emergency import clock
from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel



class RotationPlanRecord(SQLModel, table=True):
    __tablename__ = "rotation_plan"

    id: int | None = Field(default=None, primary_key=True)
    season: str = Field(max_length=20, index=True)
    area: str = Field(max_length=100, index=True)
    registry_version: str | None = Field(default=None, max_length=100)
    status: str = Field(max_length=20)
    window_start: date
    window_end: date
    frozen_until: date | None = None
    created_at: datetime = Field(default_factory=clock.now)
    sha256: str = Field(max_length=64)
    document: str = Field(sa_column=Column(Text, nullable=False))
