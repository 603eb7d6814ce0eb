"""Evaluate a forecast AQI series under a warning rule set.

The series is a list of AQI values at a fixed step (24 h for a daily series, 1 h
for a rolling 24-h series from hourly data). A trigger fires when all its
conditions hold within one episode: a maximal run of values above the trigger's
first threshold. Conditions are typed (``config.warning_rules``) and evaluated
through ``CONDITIONS``, a dispatch table. The highest level that fires wins; the
reported period is that trigger's episode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Sequence

from config.warning_rules import Condition, Reaches, RunAbove, Trigger, WarningRuleSet
from emergency.errors import WarningError
from enterprise_registry.vocab import WarningLevel

_RANK = {WarningLevel.NONE: 0, WarningLevel.YELLOW: 1, WarningLevel.ORANGE: 2, WarningLevel.RED: 3}


@dataclass(frozen=True)
class AqiSeries:
    values: list[float]
    step_hours: float = 24.0
    start: datetime | None = None  # time of values[0] (start of the first day / the hour)
    primary: list[list[str]] | None = None  # primary pollutants per step, when known

    def time_of(self, i: int) -> datetime | None:
        return None if self.start is None else self.start + timedelta(hours=self.step_hours * i)


@dataclass(frozen=True)
class Period:
    start_index: int
    end_index: int  # inclusive
    start: datetime | None
    end: datetime | None  # end of the last step

    def as_dict(self) -> dict:
        d = {"start_index": self.start_index, "end_index": self.end_index}
        if self.start is not None:
            d["start"] = self.start.isoformat()
            d["end"] = self.end.isoformat() if self.end else None
        return d


@dataclass(frozen=True)
class Evaluation:
    level: WarningLevel
    rules: str
    trigger_id: str | None
    trigger_wording_zh: str | None
    period: Period | None
    fired: list[str] = field(default_factory=list)
    industrial_measures: bool = True
    primary_pollutants: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "level": self.level.value,
            "rules": self.rules,
            "trigger": None if self.trigger_id is None else {"id": self.trigger_id, "wording_zh": self.trigger_wording_zh},
            "period": None if self.period is None else self.period.as_dict(),
            "fired": self.fired,
            "industrial_measures": self.industrial_measures,
            "primary_pollutants": self.primary_pollutants,
        }


def runs_above(values: Sequence[float], threshold: float, lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
    """Maximal runs [i, j] (inclusive) of values strictly above ``threshold`` within [lo, hi]."""
    hi = len(values) - 1 if hi is None else hi
    out, start = [], None
    for i in range(lo, hi + 1):
        if values[i] > threshold:
            start = i if start is None else start
        elif start is not None:
            out.append((start, i - 1))
            start = None
    if start is not None:
        out.append((start, hi))
    return out


def _run_above(c: RunAbove, s: AqiSeries, lo: int, hi: int) -> bool:
    need = c.min_hours / s.step_hours
    return any(j - i + 1 >= need - 1e-9 for i, j in runs_above(s.values, c.threshold, lo, hi))


def _reaches(c: Reaches, s: AqiSeries, lo: int, hi: int) -> bool:
    return any(v >= c.threshold for v in s.values[lo : hi + 1])


CONDITIONS: dict[type, Callable[[Condition, AqiSeries, int, int], bool]] = {
    RunAbove: _run_above,
    Reaches: _reaches,
}


def _episodes(trigger: Trigger, s: AqiSeries) -> list[tuple[int, int]]:
    first = trigger.all[0]
    return runs_above(s.values, first.threshold - (1e-9 if isinstance(first, Reaches) else 0.0))


def _fires(trigger: Trigger, s: AqiSeries) -> tuple[int, int] | None:
    for lo, hi in _episodes(trigger, s):
        if all(CONDITIONS[type(c)](c, s, lo, hi) for c in trigger.all):
            return lo, hi
    return None


def evaluate(series: AqiSeries, rules: WarningRuleSet) -> Evaluation:
    if not series.values:
        raise WarningError("the forecast is empty")
    if any(v is None or v < 0 for v in series.values):
        raise WarningError("the forecast has missing or negative AQI values")
    best: tuple[Trigger, tuple[int, int]] | None = None
    fired = []
    for trigger in rules.triggers:
        span = _fires(trigger, series)
        if span is None:
            continue
        fired.append(trigger.id)
        if best is None or _RANK[trigger.level] > _RANK[best[0].level]:
            best = (trigger, span)
    if best is None:
        return Evaluation(WarningLevel.NONE, rules.name, None, None, None, fired)
    trigger, (lo, hi) = best
    end = series.time_of(hi + 1)
    period = Period(lo, hi, series.time_of(lo), end)
    primary: list[str] = []
    industrial = True
    if series.primary:
        counts: dict[str, int] = {}
        for i in range(lo, hi + 1):
            for p in series.primary[i] or []:
                counts[p] = counts.get(p, 0) + 1
        if counts:
            top = max(counts.values())
            primary = sorted(p for p, c in counts.items() if c == top)
            # 环大气〔2024〕6号: ozone episodes get no industrial shutdowns
            industrial = not all(p.startswith("o3") for p in primary)
    return Evaluation(trigger.level, rules.name, trigger.id, trigger.wording_zh, period, fired, industrial, primary)


def may_release(series: AqiSeries, rules: WarningRuleSet) -> bool:
    """True when the forecast stays at or below the release AQI for the release duration from now."""
    need = int(-(-rules.release_min_hours // series.step_hours))
    head = series.values[:need]
    return len(head) >= need and all(v <= rules.release_max_aqi for v in head)
