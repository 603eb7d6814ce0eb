"""Open-Meteo air-quality API client.

Request::

    GET {base_url}/v1/air-quality?latitude=..&longitude=..
        &hourly=pm2_5,pm10,nitrogen_dioxide,sulphur_dioxide,ozone,carbon_monoxide
        &timezone=Asia/Shanghai&forecast_days=5

Answer (JSON): ``latitude``, ``longitude``, ``timezone``, ``utc_offset_seconds``,
``hourly_units`` (``{"time": "iso8601", "pm2_5": "μg/m³", …}``) and ``hourly``
(``{"time": ["2026-12-01T00:00", …], "pm2_5": [12.3, null, …], …}``): parallel arrays,
one value per hour, ``null`` where the model has none; times are local (the
requested time zone), each the start of its hour. A bad request is HTTP 400 with
``{"error": true, "reason": "..."}``.

Units: Open-Meteo gives every species in µg/m³, carbon monoxide included; HJ 633
grades CO in mg/m³, so CO is divided by 1000. ``hourly_units`` is read for every
species and converted from the units in ``TO_UG_PER_M3``; any other unit (ppb,
a missing unit) is refused rather than guessed.

Errors: :class:`emergency.errors.ForecastError` for an unreachable server (after
retries), an error answer, and a malformed or partial payload (missing key, arrays
of different lengths, a species with no value at all, non-numeric or negative
values, unknown units, another time zone than requested, non-consecutive hours).
Nulls are kept as missing hours; whether enough remain is decided when the series is
graded (GB 3095 validity, ``emergency.warning.series``).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Callable

import httpx
import numpy as np

from config.aqi_tables import UNITS
from emergency.aqi.averaging import HourlySeries
from emergency.aqi.errors import AqiInputError
from emergency.errors import ForecastError
from emergency.forecast.http import RetryPolicy, get_with_retries

DEFAULT_BASE_URL = "https://air-quality-api.open-meteo.com"
PATH = "/v1/air-quality"
TIMEZONE = "Asia/Shanghai"
VARIABLES = {  # Open-Meteo hourly variable -> species
    "pm2_5": "pm25",
    "pm10": "pm10",
    "nitrogen_dioxide": "no2",
    "sulphur_dioxide": "so2",
    "ozone": "o3",
    "carbon_monoxide": "co",
}
TO_UG_PER_M3 = {"μg/m³": 1.0, "µg/m³": 1.0, "ug/m3": 1.0, "mg/m³": 1000.0}  # μ: Greek mu (what the API sends), µ: micro sign
FROM_UG_PER_M3 = {"µg/m³": 1.0, "mg/m³": 0.001}


def _values(name: str, raw: object, hours: int) -> np.ndarray:
    if not isinstance(raw, list):
        raise ForecastError(f"Open-Meteo payload: 'hourly.{name}' is not a list")
    if len(raw) != hours:
        raise ForecastError(f"Open-Meteo payload: 'hourly.{name}' has {len(raw)} values for {hours} hours")
    out = np.full(hours, np.nan)
    for i, v in enumerate(raw):
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ForecastError(f"Open-Meteo payload: 'hourly.{name}'[{i}] = {v!r} is not a number")
        if v < 0:
            raise ForecastError(f"Open-Meteo payload: 'hourly.{name}'[{i}] = {v!r} is negative")
        out[i] = v
    if np.all(np.isnan(out)):
        raise ForecastError(f"Open-Meteo payload: 'hourly.{name}' has no value at all")
    return out


def parse_payload(payload: object, timezone: str = TIMEZONE) -> HourlySeries:
    """Validate an Open-Meteo air-quality answer; concentrations in HJ 633 units."""
    if not isinstance(payload, dict):
        raise ForecastError("Open-Meteo payload is not a JSON object")
    if payload.get("error"):
        raise ForecastError(f"Open-Meteo error: {payload.get('reason', 'no reason given')}")
    hourly, units = payload.get("hourly"), payload.get("hourly_units")
    if not isinstance(hourly, dict) or not isinstance(hourly.get("time"), list):
        raise ForecastError("Open-Meteo payload has no 'hourly.time' list")
    if not isinstance(units, dict):
        raise ForecastError("Open-Meteo payload has no 'hourly_units'; units cannot be checked")
    if payload.get("timezone") not in (None, timezone):
        raise ForecastError(f"Open-Meteo answered in time zone {payload['timezone']!r}, not the requested {timezone!r}")
    try:
        times = [datetime.fromisoformat(t) for t in hourly["time"]]
    except (TypeError, ValueError):
        raise ForecastError("Open-Meteo payload: 'hourly.time' holds a value that is not an ISO 8601 time") from None
    if not times:
        raise ForecastError("Open-Meteo payload has no hours")
    values: dict[str, np.ndarray] = {}
    for name, species in VARIABLES.items():
        if name not in hourly:
            raise ForecastError(f"Open-Meteo payload is missing 'hourly.{name}'")
        unit = units.get(name)
        if unit not in TO_UG_PER_M3:
            raise ForecastError(f"Open-Meteo payload: 'hourly.{name}' is in {unit!r}; known units: {', '.join(TO_UG_PER_M3)}")
        factor = TO_UG_PER_M3[unit] * FROM_UG_PER_M3[UNITS.get(species, "µg/m³")]
        values[species] = _values(name, hourly[name], len(times)) * factor
    try:
        return HourlySeries(tuple(times), values)
    except AqiInputError as exc:
        raise ForecastError(f"Open-Meteo payload: {exc.message}") from None


def fetch(
    lat: float,
    lon: float,
    *,
    base_url: str = DEFAULT_BASE_URL,
    forecast_days: int = 5,
    timeout: float = 10.0,
    retry: RetryPolicy = RetryPolicy(),
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] | None = None,
) -> HourlySeries:
    """Hourly forecast for one point, Asia/Shanghai local time."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ForecastError(f"coordinates out of range: latitude {lat}, longitude {lon}")
    if not 1 <= forecast_days <= 7:
        raise ForecastError(f"forecast_days must lie in 1–7, not {forecast_days}")
    response = get_with_retries(
        base_url.rstrip("/") + PATH,
        params={
            "latitude": lat,
            "longitude": lon,
            "hourly": ",".join(VARIABLES),
            "timezone": TIMEZONE,
            "forecast_days": forecast_days,
        },
        timeout=timeout,
        retry=retry,
        transport=transport,
        **({} if sleep is None else {"sleep": sleep}),
    )
    try:
        payload = response.json()
    except ValueError:
        raise ForecastError(f"{response.url}: the answer is not JSON") from None
    return parse_payload(payload)
