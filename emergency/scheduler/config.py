"""Scheduler settings: when jobs run, how missed runs are handled, where notices go.

Read from a TOML file (``emergency scheduler run --config FILE``) or defaults.
Nothing secret lives here: the database URL comes from ``EMERGENCY_DATABASE_URL``
(or ``--database``) at run time and is never stored in the job store.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from emergency import clock
from emergency.errors import ConfigurationError

_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


class ForecastSource(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["none", "file", "open_meteo"] = "none"
    location: str | None = None  # file path or URL (kind "file")
    lat: float | None = None  # kind "open_meteo"
    lon: float | None = None
    base_url: str | None = None
    days: int = Field(default=5, ge=1, le=7)
    timeout: float = Field(default=10.0, gt=0)


class SchedulerConfig(BaseModel):
    """Jobs and their timing (times are local to ``timezone``).

    ``orders_time``: each day at this time the next day's rotation orders are
    dispatched. ``coalesce`` / ``misfire_grace_time``: APScheduler's handling of runs
    missed while the scheduler was down — several missed runs of a job coalesce into
    one run; a run later than the grace is skipped with a log line. Whatever APScheduler
    does, the orders job dispatches every due day not yet in the dispatch log
    (``past_days``: a day already over is recorded as ``missed`` — the duty officer
    sees it — or sent late), so no day is lost and none is sent twice.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = Field(default_factory=lambda: clock.zone_name(), description="default: the bureau's zone (EMERGENCY_TIMEZONE)")
    city: str | None = None  # the city whose list and forecast this scheduler watches (needed when several cities' lists are here)
    area: str | None = None  # rotation plans of this area only (default: any plan covering the day)
    warning_area: str | None = None  # registry area (city) the forecast poll watches (default: the list's city)
    policy_area: str | None = None  # policy of the warning rules (default: the list's city)
    orders_time: str = "16:00"
    forecast_poll_minutes: int = Field(default=60, ge=1)
    reminder_minutes: int = Field(default=30, ge=1)
    expiry_reminder_hours: float = Field(default=6.0, ge=0)
    coalesce: bool = True
    misfire_grace_time: int | None = Field(default=6 * 3600, ge=1)  # seconds; None: run however late
    catch_up_on_start: bool = True
    past_days: Literal["mark_missed", "send"] = "mark_missed"
    out_dir: Path = Path("dispatch")
    auto_issue_areas: list[str] = Field(default_factory=list)  # areas whose config lets the scheduler issue
    # plans whose calendar is dispatched: an infeasible plan's calendar keeps every line's own
    # rules (quota, blocks, exemptions) and breaks only the listed group shares; drop
    # "infeasible" to dispatch only calendars meeting every rule
    dispatch_statuses: list[Literal["optimal", "feasible", "infeasible", "not_solved"]] = Field(
        default_factory=lambda: ["optimal", "feasible", "infeasible", "not_solved"])
    forecast: ForecastSource = Field(default_factory=ForecastSource)
    # closing the loop (issue 17): notice delivery, receipt reminders and escalation, the daily report
    delivery_config: Path | None = None  # the channels file (emergency.delivery.config); default $EMERGENCY_DELIVERY_CONFIG
    delivery_minutes: int = Field(default=2, ge=1)  # drain the delivery outbox (due sends and retries)
    receipt_reminder_minutes: int = Field(default=10, ge=1)  # remind firms late with 回执/落实报告, escalate
    daily_report_time: str = "10:00"  # 每日 10:00: the previous day's response report, per county and city
    reports_dir: Path = Path("reports")
    # regional joint response (issue 18): remind cities that have not responded to a regional warning
    regional_reminder_minutes: int = Field(default=30, ge=1)

    @field_validator("orders_time", "daily_report_time")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        if not _HHMM.match(v):
            raise ValueError(f"{v!r} is not HH:MM")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r}") from None
        return v

    @property
    def tz(self):
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.timezone)

    @property
    def orders_hour_minute(self) -> tuple[int, int]:
        h, m = self.orders_time.split(":")
        return int(h), int(m)

    @property
    def daily_report_hour_minute(self) -> tuple[int, int]:
        h, m = self.daily_report_time.split(":")
        return int(h), int(m)

    def sha256(self) -> str:
        return hashlib.sha256(json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()[:16]


def load_config(path: Path | None) -> SchedulerConfig:
    if path is None:
        return SchedulerConfig()
    from config.loading import load_toml_model

    return load_toml_model(SchedulerConfig, Path(path), "scheduler", ConfigurationError)
