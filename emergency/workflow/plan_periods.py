"""Which plan version of a warning is in force when (方案版本的生效时段).

A warning's measures change when it is upgraded, downgraded or extended. Version *n* is
in force from its effective time until the next version's, and the last version until
the warning ends — or until it was released, if earlier. The effective time of a
version is ``plan_version.effective_from``; where it was not recorded, the warning's
start for version 1 and the version's ``created_at`` for later ones. Every time is
clamped to the warning, so a version superseded before the warning began has an empty
period. The compliance check and the rotation overlay both read warnings this way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from emergency import clock
from emergency.workflow.models import PlanVersion, WarningRecord


@dataclass(frozen=True)
class PlanPeriod:
    """``version`` in force over [start, end) (aware times)."""

    version: PlanVersion
    start: datetime
    end: datetime

    @property
    def empty(self) -> bool:
        return self.end <= self.start

    def days(self) -> list[date]:
        """The bureau's calendar days this period touches."""
        return [] if self.empty else clock.days_between(self.start, self.end)

    def hours_on(self, day: date) -> float:
        """Hours of the bureau's ``day`` in this period (0 … 24)."""
        return 0.0 if self.empty else clock.day_hours(self.start, self.end, day)


def warning_end(w: WarningRecord) -> datetime:
    """When the warning's measures ended: its end, or its release if that came first."""
    end = clock.as_utc(w.end)
    if w.state == "released":
        released = w.released_at or w.updated_at
        if released is not None:
            end = min(end, clock.as_utc(released))
    return end


def effective_time(w: WarningRecord, pv: PlanVersion) -> datetime:
    if pv.effective_from is not None:
        return clock.as_utc(pv.effective_from)
    return clock.as_utc(w.start if pv.version_no == 1 else pv.created_at)


def plan_periods(w: WarningRecord, versions: list[PlanVersion]) -> list[PlanPeriod]:
    """Each version with the span it was in force (ordered by version number)."""
    start, end = clock.as_utc(w.start), warning_end(w)
    ordered = sorted(versions, key=lambda v: v.version_no)
    times = [min(max(effective_time(w, v), start), end) for v in ordered]
    out = []
    for i, pv in enumerate(ordered):
        lo = max(times[: i + 1])  # a later version never takes effect before an earlier one
        hi = max(times[i + 1], lo) if i + 1 < len(ordered) else end
        out.append(PlanPeriod(pv, lo, hi))
    return out
