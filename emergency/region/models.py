"""Tables of regional warnings (区域预警提示): what the province issued, to which cities.

``regional_warning``: one row per notice — the region, the level every city must reach,
the period, who issued it and when, the notice's text, and a snapshot of what the
region's policy said at that moment (its cities and the hours each has to respond), so a
later change of ``config/regions/*.toml`` never rewrites who was obliged and by when.
``state``: issued → released; ``row_version`` is the optimistic lock (as on ``warning``).

Reminders to the cities that have not responded are rows of the dispatch log
(``dispatch_log``, kind ``regional_reminder``, scope ``regional:<id>:<city>``): its
unique key is the guarantee that each city is reminded once per regional warning.

Created by the alembic revision ``0011_regional_warnings``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from emergency import clock


class RegionalState(StrEnum):
    ISSUED = "issued"
    RELEASED = "released"


class RegionalWarning(SQLModel, table=True):
    __tablename__ = "regional_warning"

    id: int | None = Field(default=None, primary_key=True)
    region: str = Field(max_length=50, index=True, description="the region's key (config/regions/<key>.toml)")
    region_zh: str = Field(max_length=100)
    level: str = Field(max_length=10, description="the level every city must issue at least")
    start: datetime
    end: datetime
    cities: str = Field(sa_column=Column(Text, nullable=False), description="JSON list: the region's cities at issue")
    response_within_hours: float = Field(description="hours each city had to respond (policy at issue)")
    response_source: str = Field(sa_column=Column(Text, nullable=False))
    notice: str = Field(sa_column=Column(Text, nullable=False), description="the notice's text (预警提示信息)")
    state: str = Field(max_length=20, index=True)
    issued_by: str = Field(max_length=64)
    issued_at: datetime = Field(default_factory=clock.now)
    row_version: int = Field(default=1)
    released_at: datetime | None = None
    released_by: str | None = Field(default=None, max_length=64)
    release_reason: str | None = Field(default=None, sa_column=Column(Text))
