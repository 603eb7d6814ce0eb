"""Trigger conditions evaluated on an AQI series: the dispatch table ``CONDITIONS``.

Every condition row maps to the list of *spans* where it holds: a span is a run of
steps ``(first, last)`` (inclusive indices). A trigger fires when its span list is
not empty; the span is the polluted run it refers to.

- ``run_above(t, h)``: maximal runs of AQI > t lasting ≥ h hours;
- ``reaches(t)``: maximal runs of AQI ≥ t (any length);
- ``all(c1, c2, …)``: the spans S of any ci such that every cj has a span inside S
  (one polluted run satisfies every row); maximal ones only;
- ``any(c1, c2, …)``: the union of the rows' spans, overlapping spans merged.

Durations (``DURATIONS``, chosen by ``WarningRuleSet.duration_counting``): a run of
k steps lasts ``(k − 1)·step + window`` hours under ``window_span`` (the hours its
24-h windows cover: 2 days = 48 h; 25 rolling hours = 48 h) or ``k·step`` under
``steps``.
"""

from __future__ import annotations

from typing import Callable, Sequence

from config.warning_rules import AllOf, AnyOf, Reaches, RunAbove
from emergency.warning.series import AqiSeries

Span = tuple[int, int]

DURATIONS: dict[str, Callable[[AqiSeries, int, int], float]] = {
    "window_span": lambda s, lo, hi: (hi - lo) * s.step_hours + s.window_hours,
    "steps": lambda s, lo, hi: (hi - lo + 1) * s.step_hours,
}


def runs(values: Sequence[float], holds: Callable[[float], bool]) -> list[Span]:
    """Maximal runs of consecutive steps where ``holds(value)``."""
    out: list[Span] = []
    start = None
    for i, v in enumerate(values):
        if holds(v):
            start = i if start is None else start
        elif start is not None:
            out.append((start, i - 1))
            start = None
    if start is not None:
        out.append((start, len(values) - 1))
    return out


def _inside(inner: Span, outer: Span) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def _maximal(spans: list[Span]) -> list[Span]:
    unique = sorted(set(spans))
    return [s for s in unique if not any(o != s and _inside(s, o) for o in unique)]


def _run_above(c: RunAbove, s: AqiSeries, counting: str) -> list[Span]:
    hours = DURATIONS[counting]
    return [(lo, hi) for lo, hi in runs(s.values, lambda v: v > c.threshold) if hours(s, lo, hi) >= c.min_hours]


def _reaches(c: Reaches, s: AqiSeries, counting: str) -> list[Span]:
    return runs(s.values, lambda v: v >= c.threshold)


def _all(c: AllOf, s: AqiSeries, counting: str) -> list[Span]:
    per_row = [spans(row, s, counting) for row in c.of]
    candidates = {span for row in per_row for span in row}
    holding = [S for S in candidates if all(any(_inside(T, S) for T in row) for row in per_row)]
    return _maximal(holding)


def _any(c: AnyOf, s: AqiSeries, counting: str) -> list[Span]:
    merged: list[Span] = []
    for lo, hi in sorted(span for row in c.of for span in spans(row, s, counting)):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


CONDITIONS: dict[type, Callable] = {
    RunAbove: _run_above,
    Reaches: _reaches,
    AllOf: _all,
    AnyOf: _any,
}


def spans(condition: RunAbove | Reaches | AllOf | AnyOf, series: AqiSeries, counting: str = "window_span") -> list[Span]:
    """Where ``condition`` holds on ``series``, earliest first."""
    return sorted(CONDITIONS[type(condition)](condition, series, counting))
