"""Evaluate a forecast AQI series under a warning rule set.

Every trigger of the rule set is evaluated (``emergency.warning.conditions``); a
trigger that fires reports its earliest polluted run. The highest level fired wins;
among its triggers the earliest run (then the longest) is the warning's period.

When the rule set merges episodes (``[episodes] merge = true``, both national rule
sets) a polluted run may be several runs whose gaps do not meet the release
condition, judged as one (``emergency.warning.episodes``: their hours above each
threshold add up; the period runs from the first run's start to the last run's end,
gap included). ``episode`` reports the runs of the governing trigger, the gaps, the
hours counted and where the merged episode may be released; a note says when runs
were merged.

Beyond the level, an :class:`Evaluation` reports:

- the primary pollutant(s) of the period — the species that is primary in the most
  steps of its runs (gap steps not counted; ties listed) — when the series carries
  per-pollutant data;
- ``industrial_measures``: False when every primary pollutant of the period is in the
  rule set's ``non_industrial_primary`` (2024: ozone episodes get health advice and
  supervision, not enterprise shutdowns); None when the series has no pollutant data;
- ``issue_by``: the period start minus the rule set's lead time, when times are known;
- whether an active warning may be released (``emergency.warning.release``).

Errors: an empty or invalid series raises :class:`emergency.errors.WarningError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from config.aqi_tables import SPECIES
from config.warning_rules import Trigger, WarningRuleSet
from emergency import clock
from emergency.warning.conditions import hits
from emergency.warning.episodes import Episode, episode
from emergency.warning.release import ReleaseAssessment, assess_release
from emergency.warning.runs import DURATIONS, Span
from emergency.warning.series import AqiSeries
from emergency.vocabulary import LEVEL_LABELS_ZH, WarningLevel, rank

__all__ = ["AqiSeries", "Episode", "Evaluation", "FiredTrigger", "Period", "evaluate"]


@dataclass(frozen=True)
class Period:
    start_index: int
    end_index: int  # inclusive
    hours: float  # duration as the rule set counts it
    start: datetime | None  # start of the first window
    end: datetime | None  # end of the last window (exclusive)
    open_start: bool  # the run begins at the first step: it may have begun before the forecast
    open_end: bool  # the run reaches the last step: it may go on after the forecast

    def as_dict(self) -> dict:
        return {
            "start_index": self.start_index,
            "end_index": self.end_index,
            "hours": self.hours,
            "start": clock.iso(self.start),
            "end": clock.iso(self.end),
            "open_start": self.open_start,
            "open_end": self.open_end,
        }


@dataclass(frozen=True)
class FiredTrigger:
    id: str
    level: WarningLevel
    wording_zh: str
    period: Period
    episode: Episode  # the runs the period is made of

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "level": self.level.value,
            "wording_zh": self.wording_zh,
            "period": self.period.as_dict(),
            "merged": self.episode.merged,
        }


@dataclass(frozen=True)
class Evaluation:
    level: WarningLevel
    rules: WarningRuleSet
    trigger: FiredTrigger | None  # the trigger that sets the level and period
    fired: tuple[FiredTrigger, ...]  # every trigger that fired, in rule-set order
    release: ReleaseAssessment
    primary_pollutants: tuple[str, ...] = ()
    industrial_measures: bool | None = None
    issue_by: datetime | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def period(self) -> Period | None:
        return None if self.trigger is None else self.trigger.period

    @property
    def episode(self) -> Episode | None:
        return None if self.trigger is None else self.trigger.episode

    @property
    def trigger_id(self) -> str | None:
        return None if self.trigger is None else self.trigger.id

    @property
    def trigger_wording_zh(self) -> str | None:
        return None if self.trigger is None else self.trigger.wording_zh

    def as_dict(self) -> dict:
        r = self.rules
        return {
            "level": self.level.value,
            "level_zh": LEVEL_LABELS_ZH[self.level],
            "trigger": None if self.trigger is None else {"id": self.trigger.id, "wording_zh": self.trigger.wording_zh},
            "period": None if self.period is None else self.period.as_dict(),
            "episode": None if self.episode is None else self.episode.as_dict(),
            "issue_by": clock.iso(self.issue_by),
            "primary_pollutants": list(self.primary_pollutants),
            "industrial_measures": self.industrial_measures,
            "rules": {
                "name": r.name,
                "title_zh": r.title_zh,
                "source": r.source,
                "confidence": r.confidence.value,
                "effective_from": r.effective_from.isoformat(),
                "lead_time_hours": r.lead_time_hours,
                "duration_counting": r.duration_counting,
                "merge_episodes": r.merge_episodes,
            },
            "fired": [f.as_dict() for f in self.fired],
            "release": self.release.as_dict(),
            "notes": list(self.notes),
        }


def _period(series: AqiSeries, span: Span, counting: str) -> Period:
    lo, hi = span
    return Period(
        start_index=lo,
        end_index=hi,
        hours=DURATIONS[counting](series, lo, hi),
        start=series.window_start(lo),
        end=series.window_end(hi),
        open_start=lo == 0,
        open_end=hi == len(series) - 1,
    )


def _fire(trigger: Trigger, series: AqiSeries, rules: WarningRuleSet) -> FiredTrigger | None:
    found = hits(trigger.condition, series, rules)
    if not found:
        return None
    first = found[0]
    return FiredTrigger(
        trigger.id,
        trigger.level,
        trigger.wording_zh,
        _period(series, first.span, rules.duration_counting),
        episode(series, rules, first.runs, first.merges),
    )


def _primary(series: AqiSeries, runs: tuple[Span, ...]) -> tuple[str, ...]:
    counts: dict[str, int] = {}
    for i in (i for lo, hi in runs for i in range(lo, hi + 1)):
        for species in series.primary[i]:
            counts[species] = counts.get(species, 0) + 1
    if not counts:
        return ()
    top = max(counts.values())
    return tuple(sorted((p for p, c in counts.items() if c == top), key=lambda p: SPECIES.index(p) if p in SPECIES else 99))


def evaluate(series: AqiSeries, rules: WarningRuleSet) -> Evaluation:
    """Level, trigger, period and release of ``series`` under ``rules``."""
    fired = tuple(f for f in (_fire(t, series, rules) for t in rules.triggers) if f is not None)
    release = assess_release(series, rules)
    notes: list[str] = []
    first_day = None if series.start is None else (
        series.start.date() if series.start.tzinfo is None else clock.local_day(series.start))
    if first_day is not None and first_day < rules.effective_from:
        notes.append(f"the forecast starts {first_day}, before rule set {rules.name} took effect ({rules.effective_from})")
    if not fired:
        return Evaluation(WarningLevel.NONE, rules, None, (), release, notes=tuple(notes))
    best = max(fired, key=lambda f: (rank(f.level), -f.period.start_index, f.period.end_index))
    primary: tuple[str, ...] = ()
    industrial: bool | None = None
    if series.primary is not None:
        primary = _primary(series, best.episode.runs)
        industrial = not (primary and set(primary) <= set(rules.non_industrial_primary))
        if industrial is False and rules.non_industrial_note:
            notes.append(rules.non_industrial_note)
    notes.extend(best.episode.notes())
    if best.period.open_start:
        notes.append("the polluted run begins with the forecast; it may have started earlier")
    if best.period.open_end:
        notes.append("the polluted run lasts to the end of the forecast; it may go on longer")
    issue_by = None if best.period.start is None else best.period.start - timedelta(hours=rules.lead_time_hours)
    return Evaluation(best.level, rules, best, fired, release, primary, industrial, issue_by, tuple(notes))
