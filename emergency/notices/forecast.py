"""What an announcement says about the forecast, read from the evidence stored at issue.

``warning.forecast`` is whatever the issuer stored: ``None``; ``{"daily_aqi": [...],
"evaluation": {...}}`` (the demo, tests); a warning evaluation
(``emergency.warning.evaluation.Evaluation.as_dict()``, optionally with ``"series"``
= ``AqiSeries.summary()``) as the scheduler and ``warning evaluate`` produce it. From it:

- the daily AQI values: ``daily_aqi``, else ``series.values`` of a daily series;
- the day of each value: ``series.start`` (or ``start``), else the evaluation period's
  start counted back ``start_index`` days; a time without a zone is the bureau's;
- the AQI range: min–max of the values on the bureau's calendar days the warning
  touches (``clock.days_between``); without dates, the evaluation period's values
  (``start_index``…``end_index``); with neither, all values. A series summary without
  daily values gives only its maximum;
- the category of each bound per HJ 633-2012 表2 (unchanged in HJ 633-2026):
  0–50 优, 51–100 良, 101–150 轻度污染, 151–200 中度污染, 201–300 重度污染,
  >300 严重污染 (AQI is an integer, rounded up);
- the primary pollutant(s): ``primary_pollutants`` of the evaluation (species codes
  pm25, pm10, so2, no2, co, o3, or their printed names).

Nothing is invented: without a forecast, or without values, the announcement gives no
figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from emergency import clock

CATEGORIES = ((50, "优"), (100, "良"), (150, "轻度污染"), (200, "中度污染"), (300, "重度污染"), (math.inf, "严重污染"))
PRIMARY_ZH = {
    "pm25": "细颗粒物(PM2.5)", "pm10": "可吸入颗粒物(PM10)", "so2": "二氧化硫(SO2)", "no2": "二氧化氮(NO2)",
    "co": "一氧化碳(CO)", "o3": "臭氧(O3)", "o38h": "臭氧(O3)", "o31h": "臭氧(O3)",
}


def aqi_int(value: float) -> int:
    """AQI as published: an integer, rounded up (HJ 633 4.2.6)."""
    return int(math.ceil(float(value) - 1e-9))


def category(aqi: float) -> str:
    """HJ 633 表2 category of an AQI value."""
    v = aqi_int(aqi)
    return next(name for top, name in CATEGORIES if v <= top)


def category_span(lo: float, hi: float) -> str:
    """'严重污染', '重度至严重污染' (the first name without its 污染), or, when the low end
    is not polluted at all, '最高达严重污染'."""
    a, b = category(lo), category(hi)
    if a == b:
        return b
    if a in ("优", "良"):
        return f"最高达{b}"
    return f"{a.removesuffix('污染')}至{b}"


def primary_zh(code: str) -> str:
    key = str(code).lower().replace(".", "").replace("_", "").replace("-", "")
    return PRIMARY_ZH.get(key, str(code))


@dataclass(frozen=True)
class ForecastFacts:
    aqi_min: int | None = None
    aqi_max: int | None = None
    primary: tuple[str, ...] = ()

    @property
    def has_range(self) -> bool:
        return self.aqi_min is not None and self.aqi_max is not None

    @property
    def range_text(self) -> str | None:
        """'218–326' (one value: '326'; only a maximum: '最高326')."""
        if self.aqi_max is None:
            return None
        if self.aqi_min is None:
            return f"最高{self.aqi_max}"
        return str(self.aqi_max) if self.aqi_min == self.aqi_max else f"{self.aqi_min}–{self.aqi_max}"

    @property
    def category_text(self) -> str | None:
        if self.aqi_max is None:
            return None
        return category_span(self.aqi_min if self.aqi_min is not None else self.aqi_max, self.aqi_max)

    @property
    def primary_text(self) -> str | None:
        return "、".join(primary_zh(p) for p in self.primary) or None


def _number_list(values) -> list[float] | None:
    if not isinstance(values, (list, tuple)) or not values:
        return None
    try:
        out = [float(v) for v in values]
    except (TypeError, ValueError):
        return None
    return out if all(math.isfinite(v) and v >= 0 for v in out) else None


def _time(text) -> datetime | None:
    if not text:
        return None
    try:
        return clock.aware(datetime.fromisoformat(str(text)))
    except ValueError:
        return None


def _first_day(forecast: dict, evaluation: dict, series: dict) -> date | None:
    start = _time(series.get("start")) or _time(forecast.get("start"))
    if start is not None:
        return clock.local_day(start)
    period = evaluation.get("period") or {}
    p_start = _time(period.get("start"))
    if p_start is not None and isinstance(period.get("start_index"), int):
        return clock.local_day(p_start) - timedelta(days=period["start_index"])
    return None


def facts(forecast: dict | None, start: datetime, end: datetime) -> ForecastFacts:
    """The forecast facts over the warning [start, end) (see the module's rules)."""
    if not isinstance(forecast, dict):
        return ForecastFacts()
    evaluation = forecast.get("evaluation") if isinstance(forecast.get("evaluation"), dict) else forecast
    series = evaluation.get("series") if isinstance(evaluation.get("series"), dict) else (
        forecast.get("series") if isinstance(forecast.get("series"), dict) else {})
    primary = evaluation.get("primary_pollutants") or forecast.get("primary_pollutants") or ()
    primary = tuple(str(p) for p in primary) if isinstance(primary, (list, tuple)) else ()

    values = _number_list(forecast.get("daily_aqi"))
    if values is None and (series.get("kind") == "daily" or series.get("step_hours") == 24):
        values = _number_list(series.get("values"))
    if values is None:
        top = series.get("max_aqi")
        if isinstance(top, (int, float)) and math.isfinite(top):
            return ForecastFacts(None, aqi_int(top), primary)
        return ForecastFacts(primary=primary)

    first = _first_day(forecast, evaluation, series)
    period = evaluation.get("period") or {}
    if first is not None:  # dated values: those of the warning's days (none when they do not meet)
        days = set(clock.days_between(start, end))
        chosen = [v for i, v in enumerate(values) if first + timedelta(days=i) in days]
    elif isinstance(period.get("start_index"), int) and isinstance(period.get("end_index"), int):
        chosen = values[max(0, period["start_index"]):period["end_index"] + 1]
    else:
        chosen = values
    if not chosen:
        return ForecastFacts(primary=primary)
    return ForecastFacts(aqi_int(min(chosen)), aqi_int(max(chosen)), primary)
