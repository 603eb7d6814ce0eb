"""The AQI series a rule set is evaluated on, and how forecasts become one.

An :class:`AqiSeries` is a list of AQI values at a fixed step, each the AQI of a
window of ``window_hours`` (24): a daily series (step 24 h, calendar days) or a
rolling series from hourly data (step 1 h, the 24 h ending at each hour). Step i's
window covers ``[start + i·step, start + i·step + window)``.

Conversions (dispatch on the forecast's type, ``CONVERTERS``):

- ``AqiSeries``: as is (``--daily-aqi``, a ``date,aqi`` file);
- ``WindowSeries`` (daily concentrations): each window graded as a daily report of the
  HJ 633 edition in force on its date — its item set, above-top notes, rounding;
- ``HourlySeries``: rolling 24-h windows (``emergency.aqi.averaging.rolling_24h``),
  each graded as a daily report of the edition in force on the bureau's date of its
  last hour.

So a forecast or a replay crossing 2026-03-01 switches on that day: windows up to
2026-02-28 are graded under HJ 633-2012 (the O3 daily maximum 1-h value an item; O3
8-h above 800 needs it), windows from 2026-03-01 under HJ 633-2026 (no O3 1-h item;
O3 8-h above 800 counts 300). A value is the AQI of the items the forecast gives:
where HJ 633-2026 would publish NA (an item missing, AQI ≤ 100) the series keeps that
lower bound, which no warning threshold (above 150) can reach.

A window that lacks valid data for a pollutant the forecast carries and the window's
edition grades (fewer valid hours than GB 3095 asks) cannot be graded: such windows at
the start or the end of the forecast are dropped (the horizon is where data stops);
one in the middle is a :class:`ForecastError`, since grading it without that pollutant
could break a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable, Sequence, Union

from config.aqi_tables import AqiTable, AveragingRules, load_averaging_rules, table_for
from emergency import clock
from emergency.aqi.averaging import HourlySeries, WindowValues, rolling_24h
from emergency.aqi.errors import AqiInputError
from emergency.aqi.index import daily_aqi
from emergency.errors import ForecastError, WarningError


@dataclass(frozen=True)
class WindowSeries:
    """Daily items per window (e.g. a file of daily concentrations): see ``emergency.aqi.averaging``."""

    windows: tuple[WindowValues, ...]
    step_hours: float = 24.0


@dataclass(frozen=True)
class AqiSeries:
    values: Sequence[float]
    step_hours: float = 24.0
    start: datetime | None = None  # start of the first window, when known
    primary: Sequence[Sequence[str]] | None = None  # primary pollutant species per step, when known
    window_hours: float = 24.0
    standards: tuple[str, ...] = field(default=())  # HJ 633 tables used, when graded here

    def __post_init__(self) -> None:
        values = tuple(self.values)
        if not values:
            raise WarningError("the forecast is empty")
        for i, v in enumerate(values):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v < 0:
                raise WarningError(f"forecast step {i}: {v!r} is not an AQI value")
        object.__setattr__(self, "values", tuple(float(v) for v in values))
        if self.primary is not None:
            if len(self.primary) != len(values):
                raise WarningError(f"{len(self.primary)} primary-pollutant entries for {len(values)} AQI values")
            object.__setattr__(self, "primary", tuple(tuple(p) for p in self.primary))
        if self.step_hours <= 0 or self.window_hours <= 0:
            raise WarningError("step and window must be positive")

    def __len__(self) -> int:
        return len(self.values)

    def window_start(self, i: int) -> datetime | None:
        return None if self.start is None else self.start + timedelta(hours=self.step_hours * i)

    def window_end(self, i: int) -> datetime | None:
        start = self.window_start(i)
        return None if start is None else start + timedelta(hours=self.window_hours)

    def summary(self) -> dict:
        top = max(range(len(self.values)), key=self.values.__getitem__)
        out = {
            "kind": "daily" if self.step_hours == 24 else "rolling_24h",
            "steps": len(self.values),
            "step_hours": self.step_hours,
            "window_hours": self.window_hours,
            "start": clock.iso(self.start),
            "end": None if self.start is None else clock.iso(self.window_end(len(self.values) - 1)),
            "max_aqi": self.values[top],
            "max_index": top,
        }
        if self.start is not None:
            out["max_window_start"] = clock.iso(self.window_start(top))
        if self.standards:
            out["standards"] = list(self.standards)
        if self.step_hours == 24:
            out["values"] = list(self.values)
        return out


def daily_series(values: Sequence[float], start: date | None = None) -> AqiSeries:
    """A daily AQI series, optionally dated from ``start`` (the first day)."""
    return AqiSeries(values, 24.0, None if start is None else datetime.combine(start, datetime.min.time()))


def _graded(series: WindowSeries, standard: str | None) -> AqiSeries:
    windows = list(series.windows)
    if not windows:
        raise ForecastError("the forecast has no complete window to grade")
    carried = sorted({k for w in windows for k, v in w.values.items() if v is not None})
    if not carried:
        raise ForecastError("the forecast has no valid value in any window")
    tables = [table_for(w.day, standard) for w in windows]

    def lacking(w: WindowValues, table: AqiTable) -> list[str]:
        """Items the forecast carries and the window's edition grades, without a valid value."""
        return [k for k in carried if k in table.daily.items and w.values.get(k) is None]

    ok = [not lacking(w, t) for w, t in zip(windows, tables)]
    if not any(ok):
        raise ForecastError("no window has valid data for every pollutant of the forecast")
    first, last = ok.index(True), len(ok) - 1 - ok[::-1].index(True)
    for w, t, good in zip(windows[first : last + 1], tables[first : last + 1], ok[first : last + 1]):
        if not good:
            raise ForecastError(
                f"{', '.join(lacking(w, t))}: not enough valid data for the window {w.start.isoformat()} – {w.end.isoformat()} "
                "(GB 3095 validity, config/aqi/averaging.toml); a gap inside the forecast cannot be graded"
            )
    values, primary, standards = [], [], []
    for w, table in zip(windows[first : last + 1], tables[first : last + 1]):
        try:
            result = daily_aqi({k: v for k, v in w.values.items() if v is not None}, table)
        except AqiInputError as exc:
            raise ForecastError(f"window {w.start.isoformat()}: {exc.message}") from None
        values.append(float(result.aqi))
        primary.append(result.primary_species)
        if table.name not in standards:
            standards.append(table.name)
    return AqiSeries(values, series.step_hours, windows[first].start, primary, 24.0, tuple(standards))


def _from_hourly(series: HourlySeries, standard: str | None, averaging: AveragingRules | None) -> AqiSeries:
    if len(series) < 24:
        raise ForecastError(f"the forecast has {len(series)} hours; a 24-h window needs 24")
    rules = averaging or load_averaging_rules()
    return _graded(WindowSeries(tuple(rolling_24h(series, rules)), 1.0), standard)


Forecast = Union[AqiSeries, WindowSeries, HourlySeries]

CONVERTERS: dict[type, Callable[[Forecast, str | None, AveragingRules | None], AqiSeries]] = {
    AqiSeries: lambda s, standard, averaging: s,
    WindowSeries: lambda s, standard, averaging: _graded(s, standard),
    HourlySeries: _from_hourly,
}


def to_aqi_series(forecast: Forecast, standard: str | None = None, averaging: AveragingRules | None = None) -> AqiSeries:
    """The AQI series of any forecast; ``standard`` forces an HJ 633 table ('2012' / '2026')."""
    return CONVERTERS[type(forecast)](forecast, standard, averaging)
