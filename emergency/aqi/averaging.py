"""From hourly concentrations to the values HJ 633 grades.

- rolling 24-h means (a window is valid with ≥ ``min_hours_24h`` valid hours; 20 per
  GB 3095 data-validity rules), for the rolling daily AQI that warnings use;
- calendar-day values: 24-h means, the O3 daily maximum 8-h mean (8-h moving means,
  each valid with ≥ 6 hours) and the O3 daily maximum 1-h value.

Hourly input: ``HourlySeries`` with keys ``pm25``, ``pm10``, ``so2``, ``no2``, ``o3``
(µg/m³) and ``co`` (mg/m³), NaN for a missing hour; hours consecutive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from config.aqi_tables import AqiTable
from emergency.aqi.index import AqiResult, daily_aqi

POLLUTANTS = ("pm25", "pm10", "so2", "no2", "o3", "co")


@dataclass(frozen=True)
class HourlySeries:
    times: list[datetime]
    values: dict[str, np.ndarray]  # key -> float array, NaN = missing

    def __post_init__(self) -> None:
        for key, arr in self.values.items():
            if key not in POLLUTANTS:
                raise ValueError(f"unknown pollutant {key!r}")
            if len(arr) != len(self.times):
                raise ValueError(f"{key}: {len(arr)} values for {len(self.times)} hours")


def rolling_mean(x: np.ndarray, window: int, min_valid: int) -> np.ndarray:
    """Trailing moving mean; NaN where fewer than ``min_valid`` hours are valid."""
    valid = ~np.isnan(x)
    filled = np.where(valid, x, 0.0)
    csum = np.concatenate([[0.0], np.cumsum(filled)])
    ccount = np.concatenate([[0], np.cumsum(valid)])
    out = np.full(len(x), np.nan)
    if len(x) >= window:
        s = csum[window:] - csum[:-window]
        n = ccount[window:] - ccount[:-window]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[window - 1 :] = np.where(n >= min_valid, s / np.maximum(n, 1), np.nan)
    return out


def rolling_max(x: np.ndarray, window: int) -> np.ndarray:
    out = np.full(len(x), np.nan)
    for end in range(window - 1, len(x)):
        seg = x[end - window + 1 : end + 1]
        if not np.all(np.isnan(seg)):
            out[end] = np.nanmax(seg)
    return out


def rolling_daily_values(series: HourlySeries, min_hours_24h: int = 20) -> list[dict[str, float | None]]:
    """For each hour (from the 24th on), the daily-AQI inputs over the trailing 24 h."""
    n = len(series.times)
    cols: dict[str, np.ndarray] = {}
    for key in ("pm25", "pm10", "so2", "no2", "co"):
        if key in series.values:
            cols[key] = rolling_mean(series.values[key], 24, min_hours_24h)
    if "o3" in series.values:
        o3 = series.values["o3"]
        cols["o3_1h"] = rolling_max(o3, 24)
        cols["o3_8h"] = rolling_max(rolling_mean(o3, 8, 6), 17)  # 8-h means lying inside the 24 h
    out = []
    for t in range(23, n):
        row = {k: (None if np.isnan(v[t]) else float(v[t])) for k, v in cols.items()}
        out.append(row)
    return out


def daily_values(series: HourlySeries, min_hours_24h: int = 20) -> list[tuple[date, dict[str, float | None]]]:
    """Calendar-day values (24-h means, O3 max 8-h, O3 max 1-h)."""
    days = sorted({t.date() for t in series.times})
    o3_8 = rolling_mean(series.values["o3"], 8, 6) if "o3" in series.values else None
    index = {d: [i for i, t in enumerate(series.times) if t.date() == d] for d in days}
    out = []
    for d in days:
        idx = np.array(index[d])
        row: dict[str, float | None] = {}
        for key in ("pm25", "pm10", "so2", "no2", "co"):
            if key in series.values:
                x = series.values[key][idx]
                ok = ~np.isnan(x)
                row[key] = float(x[ok].mean()) if ok.sum() >= min_hours_24h else None
        if o3_8 is not None:
            x1 = series.values["o3"][idx]
            row["o3_1h"] = None if np.all(np.isnan(x1)) else float(np.nanmax(x1))
            # GB 3095 / HJ 633: the 8-h means lying inside the day (ending 08:00…24:00), ≥ 14 valid
            x8 = o3_8[idx[7:]]
            row["o3_8h"] = None if np.sum(~np.isnan(x8)) < 14 else float(np.nanmax(x8))
        out.append((d, row))
    return out


def aqi_of(values: dict[str, float | None], table: AqiTable) -> AqiResult | None:
    present = {k: v for k, v in values.items() if v is not None}
    return daily_aqi(present, table) if present else None
