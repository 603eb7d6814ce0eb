"""Runs of an AQI series and how long they last: the primitives of triggers, episodes and release.

A *span* is a run of steps ``(first, last)`` (inclusive indices). Durations
(``DURATIONS``, chosen by ``WarningRuleSet.duration_counting``): a run of k steps
lasts ``(k − 1)·step + window`` hours under ``window_span`` (the hours its 24-h
windows cover: 2 days = 48 h; 25 rolling hours = 48 h) or ``k·step`` under ``steps``.
"""

from __future__ import annotations

from typing import Callable, Sequence

from emergency.warning.series import AqiSeries

Span = tuple[int, int]

DURATIONS: dict[str, Callable[[AqiSeries, int, int], float]] = {
    "window_span": lambda s, lo, hi: (hi - lo) * s.step_hours + s.window_hours,
    "steps": lambda s, lo, hi: (hi - lo + 1) * s.step_hours,
}


def runs(values: Sequence[float], holds: Callable[[float], bool], offset: int = 0) -> list[Span]:
    """Maximal runs of consecutive steps where ``holds(value)``; indices shifted by ``offset``."""
    out: list[Span] = []
    start = None
    for i, v in enumerate(values):
        if holds(v):
            start = i if start is None else start
        elif start is not None:
            out.append((start + offset, i - 1 + offset))
            start = None
    if start is not None:
        out.append((start + offset, len(values) - 1 + offset))
    return out


def union_hours(series: AqiSeries, spans: Sequence[Span], counting: str) -> float:
    """Hours several runs last together, each hour once.

    ``window_span``: the length of the union of the runs' windows (daily runs never
    overlap, so 24 h per day; rolling windows of nearby runs overlap and count once);
    ``steps``: the steps × step.
    """
    if counting == "steps":
        return sum(DURATIONS["steps"](series, lo, hi) for lo, hi in spans)
    total, reach = 0.0, None
    for lo, hi in sorted(spans):
        a, b = lo * series.step_hours, hi * series.step_hours + series.window_hours
        if reach is not None and a < reach:
            a = reach
        if b > a:
            total += b - a
        reach = b if reach is None else max(reach, b)
    return total
