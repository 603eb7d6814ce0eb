"""Open-Meteo air-quality API client.

GET {base}/v1/air-quality?latitude=..&longitude=..&hourly=pm2_5,pm10,nitrogen_dioxide,
sulphur_dioxide,ozone,carbon_monoxide&timezone=Asia/Shanghai&forecast_days=N

Units: Open-Meteo gives every species in µg/m³, carbon monoxide included; HJ 633
needs CO in mg/m³, so CO is divided by 1000. ``hourly_units`` is checked and any
other unit is refused.
"""

from __future__ import annotations

from datetime import datetime

import httpx
import numpy as np

from emergency.aqi.averaging import HourlySeries
from emergency.errors import ForecastError
from emergency.forecast.http import get_with_retries

DEFAULT_BASE_URL = "https://air-quality-api.open-meteo.com"
VARIABLES = {
    "pm2_5": "pm25",
    "pm10": "pm10",
    "nitrogen_dioxide": "no2",
    "sulphur_dioxide": "so2",
    "ozone": "o3",
    "carbon_monoxide": "co",
}
_UGM3 = {"μg/m³", "µg/m³", "ug/m3", "μg/m3"}
MAX_MISSING_SHARE = 0.2


def parse_payload(payload: dict) -> HourlySeries:
    """Validate an Open-Meteo air-quality JSON payload and convert units."""
    if not isinstance(payload, dict):
        raise ForecastError("Open-Meteo payload is not a JSON object")
    if payload.get("error"):
        raise ForecastError(f"Open-Meteo error: {payload.get('reason', 'unknown')}")
    hourly = payload.get("hourly")
    units = payload.get("hourly_units") or {}
    if not isinstance(hourly, dict) or "time" not in hourly:
        raise ForecastError("Open-Meteo payload has no 'hourly.time'")
    try:
        times = [datetime.fromisoformat(t) for t in hourly["time"]]
    except (TypeError, ValueError) as exc:
        raise ForecastError(f"Open-Meteo payload: bad time value ({exc})") from None
    if len(times) < 24:
        raise ForecastError(f"Open-Meteo payload has {len(times)} hours; at least 24 are needed")
    values: dict[str, np.ndarray] = {}
    for api_key, key in VARIABLES.items():
        if api_key not in hourly:
            raise ForecastError(f"Open-Meteo payload is missing 'hourly.{api_key}'")
        raw = hourly[api_key]
        if not isinstance(raw, list) or len(raw) != len(times):
            raise ForecastError(f"'hourly.{api_key}' has {len(raw) if isinstance(raw, list) else 'no'} values for {len(times)} hours")
        unit = units.get(api_key)
        if unit not in _UGM3:
            raise ForecastError(f"'hourly.{api_key}' is in {unit!r}; expected µg/m³")
        try:
            arr = np.array([np.nan if v is None else float(v) for v in raw])
        except (TypeError, ValueError):
            raise ForecastError(f"'hourly.{api_key}' has a non-numeric value") from None
        if np.isnan(arr).mean() > MAX_MISSING_SHARE:
            raise ForecastError(f"'hourly.{api_key}' has {int(np.isnan(arr).sum())} missing hours of {len(arr)}")
        if np.nanmin(arr) < 0:
            raise ForecastError(f"'hourly.{api_key}' has negative values")
        values[key] = arr / 1000.0 if key == "co" else arr  # CO: µg/m³ -> mg/m³
    return HourlySeries(times, values)


def fetch(
    lat: float,
    lon: float,
    *,
    base_url: str = DEFAULT_BASE_URL,
    forecast_days: int = 5,
    timeout: float = 10.0,
    retries: int = 3,
    transport: httpx.BaseTransport | None = None,
) -> HourlySeries:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ForecastError(f"bad coordinates {lat}, {lon}")
    response = get_with_retries(
        base_url.rstrip("/") + "/v1/air-quality",
        params={
            "latitude": lat,
            "longitude": lon,
            "hourly": ",".join(VARIABLES),
            "timezone": "Asia/Shanghai",
            "forecast_days": forecast_days,
        },
        timeout=timeout,
        retries=retries,
        transport=transport,
    )
    try:
        payload = response.json()
    except ValueError:
        raise ForecastError("Open-Meteo answered with something that is not JSON") from None
    return parse_payload(payload)
