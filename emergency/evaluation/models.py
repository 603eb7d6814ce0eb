"""Tables of effect evaluation: CEMS hourly readings per outlet and station observations.

Times are the START of the hour, stored as UTC (a reading labelled 2026-12-05 08:00
Beijing time covers 08:00–09:00 and is stored as 2026-12-05 00:00 UTC). One row per
(firm, outlet, hour, pollutant) and per (station, hour): the database refuses a second.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class CemsReading(SQLModel, table=True):
    """One hourly CEMS value of one outlet (排放口) and pollutant, with its mass (kg)."""

    __tablename__ = "cems_reading"
    __table_args__ = (UniqueConstraint("enterprise_uscc", "outlet", "hour", "pollutant"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_uscc: str = Field(max_length=18, index=True)
    outlet: str = Field(max_length=80)
    line_id: str = Field(default="", max_length=80)
    hour: datetime = Field(index=True, description="start of the hour, UTC")
    pollutant: str = Field(max_length=10, description="SO2 / NOx / PM / VOCs (emergency.vocabulary)")
    concentration_mg_m3: float
    basis: str = Field(max_length=10, description="折算 (reference O2) or 实测 (measured)")
    flow_m3_h: float = Field(description="标干流量, dry standard m³/h")
    kg: float = Field(description="concentration × flow × 1 h / 10⁶")


class StationObservation(SQLModel, table=True):
    """One hour of one air-quality station: µg/m³ (CO mg/m³); None = not measured."""

    __tablename__ = "station_observation"
    __table_args__ = (UniqueConstraint("station", "hour"),)

    id: int | None = Field(default=None, primary_key=True)
    station: str = Field(max_length=100)
    area: str = Field(max_length=100, index=True, description="区县 or city the station reports for")
    hour: datetime = Field(index=True, description="start of the hour, UTC")
    pm25: float | None = None
    pm10: float | None = None
    so2: float | None = None
    no2: float | None = None
    o3: float | None = None
    co: float | None = None
