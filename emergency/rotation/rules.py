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


class Livelihood(_Frozen):
    """How lines of livelihood (保民生) firms rotate (``config.policy.LivelihoodRotation``).

    ``exempt``: not in rotation. ``max_load_makeup``: the line runs at its verified
    maximum load (the firm's approved load) through the window and owes
    ``makeup_share`` of the stop days it skipped after the window (Shanxi: 70 %).
    ``shift`` (错峰置换): its stop days move out of the window (``makeup_share`` of
    them, 1.0 as Shandong writes it)."""

    treatment: Literal["exempt", "max_load_makeup", "shift"] = "exempt"
    makeup_share: float = Field(default=0.0, ge=0.0, le=1.0)
    categories: list[str] = Field(default_factory=lambda: ["民生保障"])
    source: str | None = None


class IndustryRules(_Frozen):
    """An industry's own rules in the area (None: the area's general rule)."""

    exempt_grades: list[str] | None = None
    stop_days: dict[str, int | Literal["whole"]] | None = None
    livelihood: Livelihood | None = None
    source: str | None = None


class RotationRules(_Frozen):
    """Rotation (错峰生产) rules of an area, as the model reads them.

    Who rotates: lines of ``industries``. Exempt: grades in ``exempt_grades`` (or the
    industry's own list in ``by_industry``), essential categories in
    ``exempt_essential``, filed ultra-low retrofits. An uninterruptible process is not
    exempt by that fact: rotation exists for lines that cannot stop at short notice
    (seed 001 (六), seed 002 item 12). Livelihood lines follow ``livelihood``.

    The daily band (``daily_stop_share_min`` … ``max``, a fraction of an industry's
    capacity per day, in each area of ``share_areas``) is a HARD rule, off by default
    (0 … 1): a locality sets it only where its text does, and it binds only groups
    with at least ``share_min_lines`` non-exempt lines. Shares are of the capacity of
    the group (``share_base`` "all": every listed line of the industry in the area,
    exempt ones included — "rotation": only those that rotate or stop the whole
    window). Capacities in different units (万平方米/日 kilns and 吨/日 spray dryers of
    ceramics) are never added: a group is one industry in one area in one unit.

    The spread (``weights.balance`` over the groups of ``spread_areas``) is the
    engine's own soft preference: each group's heaviest day is kept low.
    """

    source: str = "hand-built"
    window_start: str  # MM-DD
    window_end: str  # MM-DD, inclusive; the window may cross the new year
    industries: list[str] = Field(min_length=1)
    stop_days: dict[str, int | Literal["whole"]]
    exempt_grades: list[str] = Field(default_factory=lambda: ["A+", "A", "引领性"])
    exempt_essential: list[str] = Field(default_factory=lambda: ["战略性新兴", "军工/出口"])
    exempt_ultra_low_filed: bool = True
    livelihood: Livelihood = Field(default_factory=Livelihood)
    by_industry: dict[str, IndustryRules] = Field(default_factory=dict)
    min_block_days: int = Field(default=1, ge=1)
    daily_stop_share_min: float = Field(default=0.0, ge=0.0, le=1.0)
    daily_stop_share_max: float = Field(default=1.0, ge=0.0, le=1.0)
    share_areas: list[Literal["city", "county"]] = Field(default_factory=lambda: ["city", "county"])
    share_base: Literal["all", "rotation"] = "all"  # all lines of the industry, or only those not exempt
    share_min_lines: int = Field(default=1, ge=1)  # a group with fewer non-exempt lines has no band
    band_source: str | None = None  # the text that sets the band
    spread_areas: list[Literal["city", "county"]] = Field(default_factory=lambda: ["city", "county"])
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
        for table in [self.stop_days] + [r.stop_days for r in self.by_industry.values() if r.stop_days]:
            for grade, days in table.items():
                if isinstance(days, int) and days < 0:
                    raise ValueError(f"stop_days.{grade}: negative")
        return self

    @property
    def has_band(self) -> bool:
        """A hard daily band is in force."""
        return self.daily_stop_share_min > 0.0 or self.daily_stop_share_max < 1.0

    def season_window(self, season: str) -> tuple[date, date]:
        """First and last day of the window of season ``YYYY-YYYY`` (e.g. 2026-2027)."""
        return season_window(self.window_start, self.window_end, season)

    # ---- one industry's effective rules
    def exempt_grades_of(self, industry: str) -> list[str]:
        own = self.by_industry.get(industry)
        return own.exempt_grades if own is not None and own.exempt_grades is not None else self.exempt_grades

    def stop_days_of(self, industry: str) -> dict[str, int | str]:
        own = self.by_industry.get(industry)
        return own.stop_days if own is not None and own.stop_days is not None else self.stop_days

    def livelihood_of(self, industry: str) -> Livelihood:
        own = self.by_industry.get(industry)
        return own.livelihood if own is not None and own.livelihood is not None else self.livelihood

    def source_of(self, industry: str) -> str:
        own = self.by_industry.get(industry)
        return own.source if own is not None and own.source else self.source


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


def _livelihood(rule) -> dict:
    return {
        "treatment": rule.treatment.value,
        "makeup_share": rule.makeup_share,
        "categories": [c.value for c in rule.categories],
        "source": rule.source,
    }


def rules_from_policy(policy, **overrides) -> RotationRules:
    """:class:`RotationRules` from an effective policy (``config.policy.Policy``).

    Reads ``policy.rotation``: window, industries, stop days, exemptions, livelihood
    treatment, each industry's own rules, block, the hard daily band where the policy
    sets one (``daily_band``), the spread preference, warning-day counting, yearly
    cap, quarterly minimums. ``overrides`` replace any field (tests, benchmarks).
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
        "exempt_essential": [c.value for c in rot.exempt_essential],
        "exempt_ultra_low_filed": rot.exempt_ultra_low_filed,
        "livelihood": _livelihood(rot.livelihood),
        "by_industry": {
            ind: {
                "exempt_grades": None if r.exempt_grades is None else [g.value for g in r.exempt_grades],
                "stop_days": None if r.stop_days is None else {g.value: v for g, v in r.stop_days.items()},
                "livelihood": None if r.livelihood is None else _livelihood(r.livelihood),
                "source": r.source,
            }
            for ind, r in rot.by_industry.items()
        },
        "min_block_days": rot.min_block_days,
        "spread_areas": list(rot.spread.areas),
        "weights": {"balance": rot.spread.weight},
        "count_warning_days": rot.count_warning_days,
        "yearly_cap_days": rot.yearly_cap_days,
        "period_minimums": [
            {"months": list(q.months), "min_days": q.min_days, "label": getattr(q, "label", None)}
            for q in getattr(rot, "quarterly_minimums", []) or []
        ],
    }
    band = rot.daily_band
    if band is not None:
        data.update({
            "daily_stop_share_min": band.share_min, "daily_stop_share_max": band.share_max,
            "share_areas": list(band.areas), "share_min_lines": band.min_lines, "band_source": band.source,
        })
    data.update(overrides)
    return RotationRules.model_validate(data)
