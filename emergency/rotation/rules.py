"""The rotation rules the model reads: a small typed input, filled from policy.

:class:`RotationRules` is everything the calendar depends on that a planner may
change without a release: the season window, the industries in rotation, the stop
days per grade, who is exempt, the minimum block, the daily shares, the period
minimums, how warning days count, and the weights of the soft preferences. It is
built from an area's effective policy by :func:`rules_from_policy`
(``config.policy.load_policy(area).rotation``); tests build it by hand.

Preferences (holidays, firms' requested windows) are inputs of a season, not policy:
:class:`Holiday` and :class:`Request`.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_MMDD = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")

WHOLE = "whole"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PeriodMinimum(_Frozen):
    """A rotating line stops at least ``min_days`` on the season's days in ``months``.

    Guizhou: 180 days with quarterly minimums 60/30/30/60. A line whose quota is below
    the sum of the minimums gets them scaled down in proportion (rounded down)."""

    months: list[Annotated[int, Field(ge=1, le=12)]] = Field(min_length=1)
    min_days: int = Field(ge=0)
    label: str | None = None


class Preference(StrEnum):
    PREFER_STOP = "prefer_stop"  # the firm would rather stop on these days (e.g. Spring Festival)
    AVOID_STOP = "avoid_stop"  # the firm would rather produce (an order to deliver)


class Holiday(_Frozen):
    """Public holiday days (e.g. 春节): a soft preference for every rotating line."""

    name: str
    start: date
    end: date  # inclusive
    preference: Preference = Preference.PREFER_STOP

    @model_validator(mode="after")
    def _order(self) -> "Holiday":
        if self.end < self.start:
            raise ValueError(f"holiday {self.name}: end {self.end} before start {self.start}")
        return self


class Request(_Frozen):
    """A firm's requested window (all of its rotating lines), a soft preference."""

    uscc: str
    start: date
    end: date  # inclusive
    preference: Preference
    note: str | None = None

    @model_validator(mode="after")
    def _order(self) -> "Request":
        if self.end < self.start:
            raise ValueError(f"request of {self.uscc}: end {self.end} before start {self.start}")
        return self


class Weights(_Frozen):
    """Objective weights (integers; the objective is assembled in ``model.objective``).

    ``balance``: per ppm of a group's capacity stopped on its heaviest day — the fair
    spread (the quotas fix the season's stop volume, so this is the largest deviation
    above the group's average, plus that average).
    ``preference``: per line-day that goes against a holiday or a request (100,000: a
    line-day honoured is worth 10 points of a group's daily-share range).
    ``extra_day``: per stop day beyond a line's quota (only when ``max_extra_days`` > 0).
    """

    balance: int = Field(default=1, ge=0)
    preference: int = Field(default=100_000, ge=0)
    extra_day: int = Field(default=200_000, ge=0)


class RotationRules(_Frozen):
    """Rotation (错峰生产) rules of an area, as the model reads them.

    Shares are fractions of an industry's capacity (capacity basis; ``share_base``
    "all": every listed line of the industry in the area, exempt ones included —
    "rotation": only the lines that rotate or stop the whole window), per day, in each
    area of ``share_areas`` ("city": the whole list; "county": each county). Capacities
    in different units (万平方米/日 kilns and 吨/日 spray dryers of ceramics) are never
    added: a group is one industry in one area in one capacity unit. County groups with
    fewer than ``share_min_lines`` non-exempt lines are not bound (the city-wide bounds
    still count them); the default 1 binds every group, as the rule is written.
    """

    source: str = "hand-built"
    window_start: str  # MM-DD
    window_end: str  # MM-DD, inclusive; the window may cross the new year
    industries: list[str] = Field(min_length=1)
    stop_days: dict[str, int | Literal["whole"]]
    exempt_grades: list[str] = Field(default_factory=lambda: ["A+", "A", "引领性"])
    exempt_essential: bool = True
    exempt_ultra_low_filed: bool = True
    exempt_uninterruptible: bool = True  # a process that cannot stop only slows down (DOMAIN §5)
    min_block_days: int = Field(default=1, ge=1)
    daily_stop_share_min: float = Field(default=0.0, ge=0.0, le=1.0)
    daily_stop_share_max: float = Field(default=1.0, ge=0.0, le=1.0)
    share_areas: list[Literal["city", "county"]] = Field(default_factory=lambda: ["city", "county"])
    share_base: Literal["all", "rotation"] = "all"  # all lines of the industry, or only those not exempt
    share_min_lines: int = Field(default=1, ge=1)  # a county group with fewer non-exempt lines has no share bounds
    count_warning_days: bool = True
    yearly_cap_days: int = Field(default=0, ge=0)  # 0 = no cap (Shandong: 160 rotation + emergency days)
    period_minimums: list[PeriodMinimum] = Field(default_factory=list)
    max_extra_days: int = Field(default=0, ge=0)  # stop days a line may take beyond its quota
    weights: Weights = Field(default_factory=Weights)

    @model_validator(mode="after")
    def _check(self) -> "RotationRules":
        for d in (self.window_start, self.window_end):
            if not _MMDD.match(d):
                raise ValueError(f"{d!r} is not MM-DD")
        if self.daily_stop_share_min > self.daily_stop_share_max:
            raise ValueError("daily_stop_share_min exceeds daily_stop_share_max")
        for grade, days in self.stop_days.items():
            if isinstance(days, int) and days < 0:
                raise ValueError(f"stop_days.{grade}: negative")
        return self

    def season_window(self, season: str) -> tuple[date, date]:
        """First and last day of the window of season ``YYYY-YYYY`` (e.g. 2026-2027)."""
        return season_window(self.window_start, self.window_end, season)


def parse_season(season: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{4})\s*[-–—/]\s*(\d{4})", season.strip())
    if not m or int(m.group(2)) != int(m.group(1)) + 1:
        raise ValueError(f"season {season!r} is not YYYY-YYYY with consecutive years, e.g. 2026-2027")
    return int(m.group(1)), int(m.group(2))


def season_window(start_mmdd: str, end_mmdd: str, season: str) -> tuple[date, date]:
    """The window's dates in a season: a start after the end (11-15 … 03-15) crosses the new year."""
    y1, y2 = parse_season(season)
    sm, sd = map(int, start_mmdd.split("-"))
    em, ed = map(int, end_mmdd.split("-"))
    start = date(y1, sm, sd)
    end = date(y2 if (em, ed) < (sm, sd) else y1, em, ed)
    return start, end


def rules_from_policy(policy, **overrides) -> RotationRules:
    """:class:`RotationRules` from an effective policy (``config.policy.Policy``).

    Reads ``policy.rotation`` (window key and table, industries, stop days, exemptions,
    block, shares, warning-day counting, yearly cap, quarterly minimums). Fields the
    policy model does not (yet) carry keep this module's defaults unless given in
    ``overrides``; an attribute the policy adds later with the same name is picked up.
    """
    rot = policy.rotation
    window = rot.windows[rot.window]
    data = {
        "source": f"{getattr(policy, 'name_zh', '')} {rot.source}".strip(),
        "window_start": window.start,
        "window_end": window.end,
        "industries": list(rot.industries),
        "stop_days": {str(getattr(g, "value", g)): v for g, v in rot.stop_days.items()},
        "exempt_grades": [str(getattr(g, "value", g)) for g in rot.exempt_grades],
        "exempt_essential": rot.exempt_essential,
        "exempt_ultra_low_filed": rot.exempt_ultra_low_filed,
        "min_block_days": rot.min_block_days,
        "daily_stop_share_min": rot.daily_stop_share_min,
        "daily_stop_share_max": rot.daily_stop_share_max,
        "count_warning_days": rot.count_warning_days,
        "yearly_cap_days": rot.yearly_cap_days,
        "period_minimums": [
            {"months": list(q.months), "min_days": q.min_days, "label": getattr(q, "label", None)}
            for q in getattr(rot, "quarterly_minimums", []) or []
        ],
    }
    for name in ("exempt_uninterruptible", "share_areas", "share_base", "share_min_lines", "max_extra_days"):
        if hasattr(rot, name):
            data[name] = getattr(rot, name)
    data.update(overrides)
    return RotationRules.model_validate(data)
