"""Episodes (重污染过程): when back-to-back polluted runs count as one.

Rule (DOMAIN §2; MEE 2017 《重污染天气预警分级标准》, rule-set data ``[episodes]``):
"当预测发生前后两次重污染过程，且间隔时间不足以完全清除前一次的污染过程，未达到解除预警条件时，
应按一次重污染过程统计，从严启动预警".

How the project reads it:

- **The gap.** The steps strictly between two runs "meet the release condition" when
  they hold a clean run — AQI ≤ ``release_max_aqi`` — lasting at least
  ``release_min_hours``, counted as the release rule counts (``DURATIONS``: a daily
  series needs 2 days for 36 h, a rolling series 13 windows). Otherwise the two runs
  are one episode; merging chains (run 1 + run 2 + run 3).
- **Judged on the merged run.** For a ``run_above(t, h)`` row the runs of AQI > t are
  grouped into episodes; a group holds when its duration is at least h, and its span
  is its first to its last step (the warning period covers the gap). The duration is
  the rule set's ``episodes.duration``:

  - ``polluted_hours`` (both national rule sets): the hours of the group's runs above
    t added up — with ``window_span`` the union of their 24-h windows (24 h per day
    above t; overlapping rolling windows once), with ``steps`` the steps × step. The
    gap is not counted as above t: no forecast value is raised; what 按一次过程统计
    changes is that the gap no longer breaks the count, and 从严 follows because a
    merged run never lasts less than either of its parts, so merging can only keep or
    raise a level.
  - ``episode_span``: first to last step, gap included (a stricter local reading).

  ``reaches`` rows hold at a single step and are not grouped. Inside ``all`` the rows
  still refer to one polluted run: every row's (merged) run lies within the enclosing
  row's merged run.

Examples (daily): 2024, 210 220 160 215 230 — the > 200 runs (0,1) and (3,4) with the
gap day 160 (not ≤ 150) are one episode lasting 96 h above 200. 2019, 210 150 220 —
the gap is 24 h ≤ 150, short of 36 h: one episode, 48 h above 200 → yellow (each day
alone: none). 2024, 210 220 100 100 215 — the gap is 48 h ≤ 150: two episodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Sequence

from config.warning_rules import WarningRuleSet
from emergency import clock
from emergency.warning.runs import DURATIONS, Span, runs, union_hours
from emergency.warning.series import AqiSeries

if TYPE_CHECKING:
    from emergency.warning.conditions import Merge


def clean_runs(series: AqiSeries, rules: WarningRuleSet, lo: int = 0, hi: int | None = None) -> list[Span]:
    """Runs of steps ``lo..hi`` with AQI ≤ ``release_max_aqi`` lasting ≥ ``release_min_hours``."""
    hi = len(series) - 1 if hi is None else hi
    hours = DURATIONS[rules.duration_counting]
    found = runs(series.values[lo : hi + 1], lambda v: v <= rules.release_max_aqi, offset=lo)
    return [(a, b) for a, b in found if hours(series, a, b) >= rules.release_min_hours]


def gap_releases(series: AqiSeries, rules: WarningRuleSet, before: Span, after: Span) -> bool:
    """Does the gap between two runs meet the release condition (so they are two episodes)?"""
    lo, hi = before[1] + 1, after[0] - 1
    return lo <= hi and bool(clean_runs(series, rules, lo, hi))


def group(series: AqiSeries, rules: WarningRuleSet, found: Sequence[Span]) -> list[tuple[Span, ...]]:
    """``found`` runs (disjoint, any order) grouped into episodes; one group per run without merging."""
    ordered = sorted(found)
    if not rules.merge_episodes:
        return [(s,) for s in ordered]
    groups: list[list[Span]] = []
    for span in ordered:
        if groups and not gap_releases(series, rules, groups[-1][-1], span):
            groups[-1].append(span)
        else:
            groups.append([span])
    return [tuple(g) for g in groups]


def counted_hours(series: AqiSeries, rules: WarningRuleSet, members: Sequence[Span]) -> float:
    """How long a group of runs lasts for a ``min_hours`` row (see the module docstring)."""
    if len(members) > 1 and rules.episodes is not None and rules.episodes.duration == "episode_span":
        return DURATIONS[rules.duration_counting](series, members[0][0], members[-1][1])
    return union_hours(series, members, rules.duration_counting)


def _gaps(members: Sequence[Span]) -> tuple[Span, ...]:
    return tuple((a[1] + 1, b[0] - 1) for a, b in zip(members, members[1:]) if b[0] - a[1] > 1)


@dataclass(frozen=True)
class Episode:
    """The polluted runs a warning period is made of, and what merging did.

    ``runs`` / ``gaps`` / ``counted_hours`` are those of the trigger's enclosing row
    (the period); ``merges`` lists every row whose runs were merged (e.g. under 2019
    red the > 200 run may be one run while its two > 300 days were merged).
    """

    runs: tuple[Span, ...]  # the runs judged together, earliest first
    counted_hours: float  # their duration as the rule set counts a merged run
    gaps: tuple[Span, ...]  # the steps between consecutive runs
    gap_hours: float  # the gaps' duration (DURATIONS of each gap, added up)
    release_index: int | None  # first step of the first clean run after the episode long enough to release
    release_at: datetime | None
    merges: tuple["Merge", ...]
    _series: AqiSeries
    _rules: WarningRuleSet

    @property
    def merged(self) -> bool:
        return bool(self.merges)

    def _gap_hours(self, members: Sequence[Span]) -> float:
        hours = DURATIONS[self._rules.duration_counting]
        return sum((hours(self._series, lo, hi) for lo, hi in _gaps(members)), 0.0)

    def _span(self, lo: int, hi: int) -> dict:
        s = self._series
        return {
            "start_index": lo,
            "end_index": hi,
            "hours": DURATIONS[self._rules.duration_counting](s, lo, hi),
            "start": clock.iso(s.window_start(lo)),
            "end": clock.iso(s.window_end(hi)),
            "max_aqi": max(s.values[lo : hi + 1]),
        }

    def as_dict(self) -> dict:
        return {
            "merged": self.merged,
            "runs": [self._span(*r) for r in self.runs],
            "gaps": [self._span(*g) for g in self.gaps],
            "gap_hours": self.gap_hours,
            "counted_hours": self.counted_hours,
            "merges": [
                {
                    "threshold": m.threshold,
                    "runs": [[lo, hi] for lo, hi in m.runs],
                    "gap_hours": self._gap_hours(m.runs),
                    "counted_hours": counted_hours(self._series, self._rules, m.runs),
                }
                for m in self.merges
            ],
            "release_index": self.release_index,
            "release_at": clock.iso(self.release_at),
        }

    def notes(self) -> list[str]:
        """One note (Chinese / English) per merged group."""
        r = self._rules
        out = []
        for m in self.merges:
            n, gap, counted = len(m.runs), self._gap_hours(m.runs), counted_hours(self._series, r, m.runs)
            out.append(
                f"AQI>{m.threshold:g} 的 {n} 段污染过程间隔共 {gap:g} 小时，未达到解除预警条件"
                f"（AQI≤{r.release_max_aqi:g} 持续 {r.release_min_hours:g} 小时），按一次重污染过程统计（计 {counted:g} 小时），从严启动预警 / "
                f"{n} runs of AQI > {m.threshold:g} whose gaps ({gap:g} h) do not meet the release condition are one "
                f"episode; the level is judged on the merged run ({counted:g} h counted)"
            )
        return out


def episode(series: AqiSeries, rules: WarningRuleSet, members: Sequence[Span], merges: Sequence["Merge"] = ()) -> Episode:
    """The :class:`Episode` of the runs ``members`` (a trigger's hit) and the merges it relies on."""
    members = tuple(sorted(members))
    hours = DURATIONS[rules.duration_counting]
    gaps = _gaps(members)
    after = clean_runs(series, rules, members[-1][1] + 1)
    release = after[0][0] if after else None
    return Episode(
        runs=members,
        counted_hours=counted_hours(series, rules, members),
        gaps=gaps,
        gap_hours=sum((hours(series, lo, hi) for lo, hi in gaps), 0.0),
        release_index=release,
        release_at=None if release is None else series.window_start(release),
        merges=tuple(merges),
        _series=series,
        _rules=rules,
    )
