"""Whether an active warning may be released (解除), from the forecast.

Rule (data: ``release_max_aqi``, ``release_min_hours`` of the rule set): the
forecast AQI stays at or below ``release_max_aqi`` (轻度污染 or better, i.e. below
the yellow condition) for at least ``release_min_hours`` from the start of the
forecast. Durations are counted as for triggers (``DURATIONS``): with a daily
series 36 h needs 2 days; with a rolling series 13 hourly windows cover 36 h.
The same condition decides whether the gap between two polluted runs ends an
episode (``emergency.warning.episodes``): a gap that would not release a warning
does not end it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from config.warning_rules import WarningRuleSet
from emergency import clock
from emergency.warning.runs import DURATIONS, runs
from emergency.warning.series import AqiSeries


@dataclass(frozen=True)
class ReleaseAssessment:
    may_release: bool  # the clean run at the start of the forecast is long enough
    clean_hours: float  # hours from the start of the forecast with AQI ≤ max_aqi (0 if the first step is above)
    required_hours: float
    max_aqi: float
    release_index: int | None  # first step of the earliest clean run long enough, if any
    release_at: datetime | None  # its window start, when times are known

    def as_dict(self) -> dict:
        return {
            "may_release": self.may_release,
            "clean_hours": self.clean_hours,
            "required_hours": self.required_hours,
            "max_aqi": self.max_aqi,
            "release_index": self.release_index,
            "release_at": clock.iso(self.release_at),
        }


def assess_release(series: AqiSeries, rules: WarningRuleSet) -> ReleaseAssessment:
    hours = DURATIONS[rules.duration_counting]
    clean = runs(series.values, lambda v: v <= rules.release_max_aqi)
    clean_hours = hours(series, *clean[0]) if clean and clean[0][0] == 0 else 0.0
    long_enough = [lo for lo, hi in clean if hours(series, lo, hi) >= rules.release_min_hours]
    first = long_enough[0] if long_enough else None
    return ReleaseAssessment(
        may_release=clean_hours >= rules.release_min_hours,
        clean_hours=clean_hours,
        required_hours=rules.release_min_hours,
        max_aqi=rules.release_max_aqi,
        release_index=first,
        release_at=None if first is None else series.window_start(first),
    )
