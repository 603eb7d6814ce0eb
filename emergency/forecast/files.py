"""Generic forecasts from a CSV or JSON file (or URL).

Two shapes, recognised by their columns / keys:

- a daily AQI series: ``date`` and ``aqi`` (one row per day, consecutive days);
- hourly concentrations: ``time`` (ISO 8601, consecutive hours) and any of ``pm25``,
  ``pm10``, ``so2``, ``no2``, ``o3`` (µg/m³), ``co`` (mg/m³).

JSON: a list of such objects, or an Open-Meteo air-quality payload.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time
from pathlib import Path

import numpy as np

from emergency.aqi.averaging import POLLUTANTS, HourlySeries
from emergency.errors import ForecastError
from emergency.forecast import open_meteo
from emergency.forecast.http import get_with_retries
from emergency.warning.evaluation import AqiSeries


def _rows_from_text(text: str, name: str) -> list[dict] | dict:
    stripped = text.lstrip("\ufeff").lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ForecastError(f"{name}: invalid JSON ({exc})") from None
    return list(csv.DictReader(io.StringIO(stripped)))


def load(source: str) -> AqiSeries | HourlySeries:
    if source.startswith(("http://", "https://")):
        text = get_with_retries(source).text
    else:
        path = Path(source)
        if not path.exists():
            raise ForecastError(f"forecast file not found: {source}")
        text = path.read_text(encoding="utf-8-sig")
    data = _rows_from_text(text, source)
    if isinstance(data, dict):
        return open_meteo.parse_payload(data)
    if not data:
        raise ForecastError(f"{source}: no rows")
    keys = set(data[0])
    if {"date", "aqi"} <= keys:
        return _daily(data, source)
    if "time" in keys:
        return _hourly(data, source)
    raise ForecastError(f"{source}: need columns 'date' and 'aqi', or 'time' and pollutant columns; got {sorted(keys)}")


def _num(value, where: str) -> float:
    if value in (None, ""):
        return float("nan")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ForecastError(f"{where}: {value!r} is not a number") from None
    if x < 0:
        raise ForecastError(f"{where}: negative value {x}")
    return x


def _daily(rows: list[dict], source: str) -> AqiSeries:
    days, values = [], []
    for i, row in enumerate(rows, start=1):
        try:
            days.append(date.fromisoformat(str(row["date"])[:10]))
        except ValueError:
            raise ForecastError(f"{source} row {i}: bad date {row['date']!r}") from None
        v = _num(row["aqi"], f"{source} row {i} aqi")
        if np.isnan(v):
            raise ForecastError(f"{source} row {i}: aqi missing")
        values.append(v)
    for i in range(1, len(days)):
        if (days[i] - days[i - 1]).days != 1:
            raise ForecastError(f"{source}: days must be consecutive ({days[i - 1]} then {days[i]})")
    return AqiSeries(values, 24.0, datetime.combine(days[0], time()))


def _hourly(rows: list[dict], source: str) -> HourlySeries:
    try:
        times = [datetime.fromisoformat(str(r["time"])) for r in rows]
    except ValueError as exc:
        raise ForecastError(f"{source}: bad time ({exc})") from None
    for i in range(1, len(times)):
        if (times[i] - times[i - 1]).total_seconds() != 3600:
            raise ForecastError(f"{source}: hours must be consecutive ({times[i - 1]} then {times[i]})")
    cols = [k for k in rows[0] if k in POLLUTANTS]
    if not cols:
        raise ForecastError(f"{source}: no pollutant columns ({', '.join(POLLUTANTS)})")
    values = {k: np.array([_num(r.get(k), f"{source} row {i + 1} {k}") for i, r in enumerate(rows)]) for k in cols}
    return HourlySeries(times, values)
