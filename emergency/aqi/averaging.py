"""From hourly concentrations to the values HJ 633 grades.

Hour convention: ``HourlySeries.times[i]`` is the START of hour i, and hours are
consecutive (a missing hour is a NaN value, not a gap in ``times``). A window "from
00:00 to 24:00" holds the 24 hourly values starting at 00:00 … 23:00.

Two kinds of window, both returned as :class:`WindowValues` keyed like the daily
report items of the HJ 633 editions (``pm25``, ``pm10``, ``so2``, ``no2``, ``co``,
``o3_8h``, ``o3_1h``; an edition without an item, such as HJ 633-2026 without
``o3_1h``, ignores it when grading):

- ``rolling_24h``: every trailing 24-h window, one per hour from the 24th hour on; the
  rolling daily AQI that warnings use (it may cross midnight);
- ``calendar_days``: one window per calendar day (the day's hours; a day the series
  only partly covers is padded with missing hours).

Per window: the 24-h means need ``min_hours_24h`` valid hours; ``o3_1h`` is the
maximum 1-h value (same validity); ``o3_8h`` is the maximum of the 17 8-h moving
means lying inside the window (hours 0–7 … 16–23; for a calendar day these are the
means ending 08:00 … 24:00 of GB 3095 / HJ 663), each valid with ``min_hours_8h``
hours, and needing ``min_8h_means_daily`` valid means. Numbers come from
``config/aqi/averaging.toml``. A value that fails validity is ``None``. Values are
rounded to the reporting precision of their pollutant before grading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Mapping

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from config.aqi_tables import SPECIES, AveragingRules, round_value
from emergency import clock
from emergency.aqi.errors import AqiInputError

HOUR = timedelta(hours=1)
MEAN_ITEMS = ("pm25", "pm10", "so2", "no2", "co")  # 24-h means; the item key is the species


@dataclass(frozen=True)
class HourlySeries:
    """Hourly concentrations: µg/m³, CO in mg/m³; NaN for a missing hour."""

    times: tuple[datetime, ...]
    values: Mapping[str, np.ndarray]  # species -> float array, one value per hour

    def __post_init__(self) -> None:
        object.__setattr__(self, "times", tuple(self.times))
        if not self.times:
            raise AqiInputError("the hourly series is empty")
        if not self.values:
            raise AqiInputError(f"the hourly series has no pollutant; give any of {', '.join(SPECIES)}")
        for a, b in zip(self.times, self.times[1:]):
            if b - a != HOUR:
                raise AqiInputError(f"hours must be consecutive: {a.isoformat()} is followed by {b.isoformat()}")
        arrays = {}
        for key, arr in self.values.items():
            if key not in SPECIES:
                raise AqiInputError(f"unknown pollutant {key!r}; use {', '.join(SPECIES)}")
            arr = np.asarray(arr, dtype=float)
            if arr.shape != (len(self.times),):
                raise AqiInputError(f"{key}: {arr.size} values for {len(self.times)} hours")
            if np.any(arr[~np.isnan(arr)] < 0):
                raise AqiInputError(f"{key}: negative concentration")
            arrays[key] = arr
        object.__setattr__(self, "values", arrays)

    def __len__(self) -> int:
        return len(self.times)


@dataclass(frozen=True)
class WindowValues:
    """The daily items over one window of hours [start, end)."""

    start: datetime
    end: datetime
    values: dict[str, float | None]  # DAILY item key -> value, None = not enough valid data

    @property
    def day(self) -> date:
        """The date the window is reported for: the date of its last hour (the bureau's
        calendar day for an aware time; a naive time is already the bureau's)."""
        last = self.end - HOUR
        return last.date() if last.tzinfo is None else clock.local_day(last)


def trailing_mean(x: np.ndarray, window: int, min_valid: int) -> np.ndarray:
    """Mean of the ``window`` values ending at each position; NaN with fewer than ``min_valid`` valid."""
    out = np.full(len(x), np.nan)
    if len(x) < window:
        return out
    win = sliding_window_view(x, window)
    valid = (~np.isnan(win)).sum(axis=1)
    total = np.nansum(win, axis=1)
    out[window - 1 :] = np.where(valid >= min_valid, total / np.maximum(valid, 1), np.nan)
    return out


def trailing_max(x: np.ndarray, window: int, min_valid: int) -> np.ndarray:
    """Maximum of the ``window`` values ending at each position; NaN with fewer than ``min_valid`` valid."""
    out = np.full(len(x), np.nan)
    if len(x) < window:
        return out
    win = sliding_window_view(x, window)
    valid = (~np.isnan(win)).sum(axis=1)
    top = np.max(np.where(np.isnan(win), -np.inf, win), axis=1)
    out[window - 1 :] = np.where(valid >= min_valid, top, np.nan)
    return out


def _item_arrays(values: Mapping[str, np.ndarray], rules: AveragingRules) -> dict[str, np.ndarray]:
    """Per item, the value of the 24-h window ENDING at each hour (NaN where invalid)."""
    out = {}
    for key in MEAN_ITEMS:
        if key in values:
            out[key] = trailing_mean(values[key], 24, rules.min_hours_24h)
    if "o3" in values:
        o3 = values["o3"]
        means_8h = trailing_mean(o3, 8, rules.min_hours_8h)
        out["o3_8h"] = trailing_max(means_8h, 17, rules.min_8h_means_daily)  # 8-h means inside the 24 h
        out["o3_1h"] = trailing_max(o3, 24, rules.min_hours_24h)
    return out


def _species(item: str) -> str:
    return "o3" if item.startswith("o3") else item


def _window(arrays: dict[str, np.ndarray], end_index: int, start: datetime, rules: AveragingRules) -> WindowValues:
    values: dict[str, float | None] = {}
    for key, arr in arrays.items():
        v = arr[end_index]
        values[key] = None if np.isnan(v) else round_value(float(v), _species(key), rules.rounding)
    return WindowValues(start, start + 24 * HOUR, values)


def rolling_24h(series: HourlySeries, rules: AveragingRules) -> list[WindowValues]:
    """Every trailing 24-h window of the series, one per hour from the 24th hour on."""
    arrays = _item_arrays(series.values, rules)
    return [_window(arrays, end, series.times[end - 23], rules) for end in range(23, len(series))]


def calendar_days(series: HourlySeries, rules: AveragingRules) -> list[WindowValues]:
    """One window per calendar day touched by the series (missing hours padded as NaN)."""
    first = series.times[0]
    if first.minute or first.second or first.microsecond:
        raise AqiInputError(f"calendar days need hours starting on the hour, not {first.isoformat()}")
    lead = first.hour
    n_days = -(-(lead + len(series)) // 24)
    padded = {}
    for key, arr in series.values.items():
        p = np.full(24 * n_days, np.nan)
        p[lead : lead + len(arr)] = arr
        padded[key] = p
    arrays = _item_arrays(padded, rules)
    midnight = first.replace(hour=0)
    return [_window(arrays, 24 * d + 23, midnight + 24 * d * HOUR, rules) for d in range(n_days)]
