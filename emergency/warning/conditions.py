"""Trigger conditions evaluated on an AQI series: the dispatch table ``CONDITIONS``.

Every condition row maps to the list of *hits* where it holds: a hit is a polluted
run — its span ``(first, last)`` (inclusive indices) and the runs it is made of (one,
or several merged into one episode, ``emergency.warning.episodes``). A trigger fires
when its hit list is not empty; the span is the polluted run it refers to.

- ``run_above(t, h)``: the runs of AQI > t, grouped into episodes when the rule set
  merges them, whose duration is ≥ h (a single run: ``DURATIONS``; a merged one:
  ``episodes.counted_hours``);
- ``reaches(t)``: maximal runs of AQI ≥ t (any length, never merged);
- ``all(c1, c2, …)``: the hits S of any ci such that every cj has a hit inside S
  (one polluted run satisfies every row); maximal ones only;
- ``any(c1, c2, …)``: the union of the rows' hits, overlapping spans merged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from config.warning_rules import AllOf, AnyOf, Reaches, RunAbove, WarningRuleSet
from emergency.warning.episodes import counted_hours, group
from emergency.warning.runs import Span, runs
from emergency.warning.series import AqiSeries


@dataclass(frozen=True)
class Merge:
    """Runs above ``threshold`` judged as one episode (more than one run)."""

    threshold: float
    runs: tuple[Span, ...]


@dataclass(frozen=True)
class Hit:
    span: Span
    runs: tuple[Span, ...]  # the runs the span is made of, earliest first
    merges: tuple[Merge, ...] = ()  # every merged group the hit relies on, its own runs' included


def _inside(inner: Span, outer: Span) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def _run_above(c: RunAbove, s: AqiSeries, rules: WarningRuleSet) -> list[Hit]:
    out = []
    for members in group(s, rules, runs(s.values, lambda v: v > c.threshold)):
        if counted_hours(s, rules, members) >= c.min_hours:
            merges = (Merge(c.threshold, members),) if len(members) > 1 else ()
            out.append(Hit((members[0][0], members[-1][1]), members, merges))
    return out


def _reaches(c: Reaches, s: AqiSeries, rules: WarningRuleSet) -> list[Hit]:
    return [Hit(span, (span,)) for span in runs(s.values, lambda v: v >= c.threshold)]


def _all(c: AllOf, s: AqiSeries, rules: WarningRuleSet) -> list[Hit]:
    per_row = [hits(row, s, rules) for row in c.of]
    candidates = {h.span: h for row in per_row for h in row}
    holding = [S for S in candidates if all(any(_inside(T.span, S) for T in row) for row in per_row)]
    maximal = [S for S in holding if not any(o != S and _inside(S, o) for o in holding)]
    out = []
    for S in maximal:
        inner = [h for row in per_row for h in row if _inside(h.span, S)]
        out.append(Hit(S, candidates[S].runs, _merges(candidates[S], *inner)))
    return out


def _any(c: AnyOf, s: AqiSeries, rules: WarningRuleSet) -> list[Hit]:
    merged: list[tuple[Span, list[Hit]]] = []
    for h in sorted((h for row in c.of for h in hits(row, s, rules)), key=lambda h: h.span):
        lo, hi = h.span
        if merged and lo <= merged[-1][0][1]:
            (mlo, mhi), parts = merged[-1]
            merged[-1] = ((mlo, max(hi, mhi)), parts + [h])
        else:
            merged.append(((lo, hi), [h]))
    return [Hit(span, _disjoint({r for h in parts for r in h.runs}), _merges(*parts)) for span, parts in merged]


def _merges(*found: Hit) -> tuple[Merge, ...]:
    """The merged groups of several hits, each once, by threshold then position."""
    return tuple(sorted({m for h in found for m in h.merges}, key=lambda m: (m.threshold, m.runs)))


def _disjoint(parts: set[Span]) -> tuple[Span, ...]:
    out: list[Span] = []
    for lo, hi in sorted(parts):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(hi, out[-1][1]))
        else:
            out.append((lo, hi))
    return tuple(out)


CONDITIONS: dict[type, Callable[..., list[Hit]]] = {
    RunAbove: _run_above,
    Reaches: _reaches,
    AllOf: _all,
    AnyOf: _any,
}


def hits(condition: RunAbove | Reaches | AllOf | AnyOf, series: AqiSeries, rules: WarningRuleSet) -> list[Hit]:
    """Where ``condition`` holds on ``series`` under ``rules`` (counting, episodes), earliest first."""
    return sorted(CONDITIONS[type(condition)](condition, series, rules), key=lambda h: h.span)
