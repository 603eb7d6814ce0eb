"""Generic forecasts from a CSV or JSON file, or from a URL serving one.

Three shapes, recognised by their columns (CSV header, or the keys of the objects of
a JSON list); a column outside the shape is refused (a typo such as ``pm2.5`` would
otherwise be silently ignored):

=====================  =========================================================
daily AQI              ``date``, ``aqi`` — one row per day, consecutive days
daily concentrations   ``date`` and any of ``pm25``, ``pm10``, ``so2``, ``no2`` (24-h
                       means, µg/m³), ``co`` (24-h mean, mg/m³), ``o3_8h`` (daily
                       maximum 8-h mean), ``o3_1h`` (daily maximum 1-h; an item of
                       HJ 633-2012 only, ignored on days from 2026-03-01), µg/m³
hourly concentrations  ``time`` (ISO 8601, the start of each hour, consecutive) and any
                       of ``pm25``, ``pm10``, ``so2``, ``no2``, ``o3`` (µg/m³), ``co`` (mg/m³)
=====================  =========================================================

An empty cell (JSON ``null``) is a missing value. A JSON object is read as an
Open-Meteo air-quality answer (``emergency.forecast.open_meteo``).

Errors: :class:`emergency.errors.ForecastError` naming the source, and the row and
column of a bad cell.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from config.aqi_tables import SPECIES
from emergency.aqi.averaging import HourlySeries, WindowValues
from emergency.aqi.errors import AqiInputError
from emergency.aqi.index import report_keys
from emergency.errors import ForecastError
from emergency.forecast import open_meteo
from emergency.forecast.http import RetryPolicy, get_with_retries
from emergency.warning.series import AqiSeries, Forecast, WindowSeries

DAY = timedelta(days=1)


def read_text(source: str, *, timeout: float = 10.0, retry: RetryPolicy = RetryPolicy(), transport: httpx.BaseTransport | None = None) -> str:
    if source.startswith(("http://", "https://")):
        return get_with_retries(source, timeout=timeout, retry=retry, transport=transport).text
    path = Path(source)
    if not path.is_file():
        raise ForecastError(f"forecast file not found: {source}")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ForecastError(f"{source}: not UTF-8 text") from None


def parse_text(text: str, source: str) -> Forecast:
    """A forecast from the text of a CSV or JSON document."""
    stripped = text.lstrip("\ufeff").strip()
    if not stripped:
        raise ForecastError(f"{source}: empty")
    if stripped[0] in "[{":
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ForecastError(f"{source}: invalid JSON ({exc.msg}, line {exc.lineno})") from None
        if isinstance(data, dict):
            return open_meteo.parse_payload(data)
        if not all(isinstance(row, dict) for row in data):
            raise ForecastError(f"{source}: a JSON forecast is a list of objects")
        return parse_rows(data, source)
    return parse_rows(list(csv.DictReader(io.StringIO(stripped))), source)


def load(source: str, **http: Any) -> Forecast:
    """A forecast from a file path or an http(s) URL (``http``: timeout, retry, transport)."""
    return parse_text(read_text(source, **http), source)


def parse_rows(rows: list[dict[str, Any]], source: str) -> Forecast:
    if not rows:
        raise ForecastError(f"{source}: no rows")
    columns = list(rows[0])
    if None in columns or any(None in row for row in rows):
        raise ForecastError(f"{source}: a row has more cells than the header")
    cols = set(columns)
    if "aqi" in cols:
        return _daily_aqi(rows, source, cols)
    if "date" in cols:
        return _daily_values(rows, source, cols)
    if "time" in cols:
        return _hourly(rows, source, cols)
    raise ForecastError(f"{source}: need a 'date' or a 'time' column (see the columns in emergency.forecast.files); got {sorted(cols)}")


def _only(cols: set[str], allowed: set[str], source: str, shape: str) -> None:
    extra = cols - allowed
    if extra:
        raise ForecastError(f"{source}: unknown column(s) {', '.join(sorted(extra))} for {shape}; allowed: {', '.join(sorted(allowed))}")


def _number(value: Any, where: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ForecastError(f"{where}: {value!r} is not a number")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ForecastError(f"{where}: {value!r} is not a number") from None
    if not math.isfinite(x) or x < 0:
        raise ForecastError(f"{where}: {value!r} is not a concentration or AQI value")
    return x


def _dates(rows: list[dict], source: str) -> list[date]:
    days = []
    for n, row in enumerate(rows, start=1):
        try:
            days.append(date.fromisoformat(str(row["date"]).strip()))
        except ValueError:
            raise ForecastError(f"{source} row {n}: date {row['date']!r} is not YYYY-MM-DD") from None
    for a, b in zip(days, days[1:]):
        if b - a != DAY:
            raise ForecastError(f"{source}: days must be consecutive ({a} is followed by {b})")
    return days


def _daily_aqi(rows: list[dict], source: str, cols: set[str]) -> AqiSeries:
    if "date" not in cols:
        raise ForecastError(f"{source}: a daily AQI series needs a 'date' column (date,aqi)")
    _only(cols, {"date", "aqi"}, source, "a daily AQI series")
    days = _dates(rows, source)
    values = []
    for n, row in enumerate(rows, start=1):
        v = _number(row["aqi"], f"{source} row {n} aqi")
        if v is None:
            raise ForecastError(f"{source} row {n}: aqi missing")
        values.append(v)
    return AqiSeries(values, 24.0, datetime.combine(days[0], datetime.min.time()))


def _daily_values(rows: list[dict], source: str, cols: set[str]) -> WindowSeries:
    items = report_keys("daily")  # every edition's daily items; each day is graded on its own edition's
    _only(cols, {"date", *items}, source, "daily concentrations")
    days = _dates(rows, source)
    windows = []
    for n, (day, row) in enumerate(zip(days, rows), start=1):
        start = datetime.combine(day, datetime.min.time())
        values = {k: _number(row[k], f"{source} row {n} {k}") for k in items if k in cols}
        windows.append(WindowValues(start, start + DAY, values))
    return WindowSeries(tuple(windows), 24.0)


def _hourly(rows: list[dict], source: str, cols: set[str]) -> HourlySeries:
    _only(cols, {"time", *SPECIES}, source, "hourly concentrations")
    times = []
    for n, row in enumerate(rows, start=1):
        try:
            times.append(datetime.fromisoformat(str(row["time"]).strip()))
        except ValueError:
            raise ForecastError(f"{source} row {n}: time {row['time']!r} is not ISO 8601") from None
    species = [k for k in SPECIES if k in cols]
    if not species:
        raise ForecastError(f"{source}: no pollutant column; give any of {', '.join(SPECIES)}")
    values = {}
    for k in species:
        cells = [_number(row[k], f"{source} row {n} {k}") for n, row in enumerate(rows, start=1)]
        values[k] = np.array([np.nan if c is None else c for c in cells])
    try:
        return HourlySeries(tuple(times), values)
    except AqiInputError as exc:
        raise ForecastError(f"{source}: {exc.message}") from None
