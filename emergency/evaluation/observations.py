"""Air-quality station observations (站点小时监测数据) and the observed daily AQI.

The file (CSV or .xlsx, see :mod:`emergency.evaluation.hourly_files`) has the columns
站点, 区县/城市 (the area the station reports for: a county of the list or the city),
监测时间 (the START of the hour, 北京时间 unless an offset is given) and PM2.5, PM10,
SO2, NO2, O3 (µg/m³), CO (mg/m³) — at least one pollutant column; a blank cell is a
value not measured, not a zero. Rejected (whole file or nothing, each problem located):
a negative or non-numeric value, a time not on the hour or in the future, a station
named under two areas, the same (station, hour) twice, or a value different from the
one stored (``replace`` accepts the file's). Re-importing the same data changes nothing.

Observed AQI of an area and Beijing day (:func:`observed_daily_aqi`): each hour, the
arithmetic mean of the area's stations' valid values (HJ 663: a city's concentration
is the mean of its stations); then the calendar-day items of
:func:`emergency.aqi.averaging.calendar_days` (24-h means with 20 valid hours, O3 daily
maximum 8-h mean, GB 3095 validity from ``config/aqi/averaging.toml``); then
:func:`emergency.aqi.index.daily_aqi` under the HJ 633 edition in force on the day.
The city's AQI uses the stations filed under the city's name, or — when none is — all
stations of the file's areas (said in the result's ``stations``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, and_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from config.aqi_tables import load_averaging_rules, table_for
from config.evaluation import load_evaluation_policy
from emergency import clock
from emergency.aqi.averaging import HourlySeries, calendar_days
from emergency.aqi.errors import AqiInputError
from emergency.aqi.index import daily_aqi
from emergency.errors import Conflict
from emergency.evaluation import hourly_files as hf
from emergency.evaluation.models import StationObservation
from emergency.workflow import audit
from enterprise_registry.cells import CellError, Problem

SPECIES = ("pm25", "pm10", "so2", "no2", "o3", "co")
MAX_UG = 1e5  # µg/m³ (CO: mg/m³): beyond any observed episode, a unit mistake
NAME_MAX = 100
BATCH = 2_000

COLUMNS: hf.Columns = {
    "station": ("站点", ("站点", "站点名称", "station", "监测点位", "点位")),
    "area": ("区县/城市", ("区县/城市", "区县", "城市", "area")),
    "hour": ("监测时间", ("监测时间", "hour", "time", "时间", "数据时间")),
    "pm25": ("PM2.5", ("PM2.5", "pm25", "PM2.5(μg/m³)", "PM2.5(µg/m³)", "PM2.5(ug/m3)", "细颗粒物")),
    "pm10": ("PM10", ("PM10", "pm10", "PM10(μg/m³)", "PM10(µg/m³)", "PM10(ug/m3)", "可吸入颗粒物")),
    "so2": ("SO2", ("SO2", "so2", "SO2(μg/m³)", "SO2(µg/m³)", "SO2(ug/m3)", "二氧化硫")),
    "no2": ("NO2", ("NO2", "no2", "NO2(μg/m³)", "NO2(µg/m³)", "NO2(ug/m3)", "二氧化氮")),
    "o3": ("O3", ("O3", "o3", "O3(μg/m³)", "O3(µg/m³)", "O3(ug/m3)", "臭氧")),
    "co": ("CO", ("CO", "co", "CO(mg/m³)", "CO(mg/m3)", "一氧化碳")),
}
REQUIRED = ("station", "area", "hour")


def columns_help() -> str:
    return hf.columns_help(COLUMNS, SPECIES) + "；浓度 μg/m³（CO 为 mg/m³），空格为未监测；监测时间为该小时开始（北京时间）"


@dataclass(frozen=True)
class ObservationImportSummary:
    file: str
    rows: int
    new: int
    unchanged: int
    replaced: int
    stations: int
    areas: list[str]
    first_hour: datetime | None
    last_hour: datetime | None
    missing_values: int  # blank pollutant cells

    def as_dict(self) -> dict:
        return {"file": self.file, "rows": self.rows, "new": self.new, "unchanged": self.unchanged,
                "replaced": self.replaced, "stations": self.stations, "areas": self.areas,
                "first_hour": clock.iso(self.first_hour), "last_hour": clock.iso(self.last_hour),
                "missing_values": self.missing_values}


def read_observations(path: Path, name: str, max_rows: int) -> list[dict]:
    rows = hf.read_rows(path, name, max_rows)
    h, col = hf.find_header(rows, name, COLUMNS, REQUIRED, one_of=SPECIES)

    def hour(v):
        t = hf.hour_cell(v)
        hf.not_future(t)
        return t

    def name_cell(v):
        text = hf.text_cell(v, NAME_MAX)
        if not text:
            raise CellError("不能为空")
        return text

    parsers = {"station": name_cell, "area": name_cell, "hour": hour,
               **{s: (lambda v: hf.number_cell(v, MAX_UG)) for s in SPECIES}}
    problems: list[Problem] = []
    parsed = hf.parse_rows(rows, h, col, name, COLUMNS, parsers, problems, optional=SPECIES,
                          memo=("station", "area", "hour"))
    out, seen, area_of = [], {}, {}
    for line, v in parsed:
        key = (v["station"], v["hour"])
        if key in seen:
            problems.append(Problem(name, line, COLUMNS["hour"][0], clock.fmt(v["hour"]),
                                    f"与第{seen[key]}行重复（同一站点、同一小时只能有一行）"))
            continue
        first = area_of.setdefault(v["station"], (v["area"], line))
        if first[0] != v["area"]:
            problems.append(Problem(name, line, COLUMNS["area"][0], v["area"],
                                    f"站点“{v['station']}”在第{first[1]}行属于“{first[0]}”，同一站点只能属于一个区县/城市"))
            continue
        seen[key] = line
        out.append({"station": v["station"], "area": v["area"], "hour": v["hour"],
                    **{s: v.get(s) for s in SPECIES}, "_line": line})
    hf.reject_if(problems, name)
    return out


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def import_observations(engine: Engine, path: Path, actor: str = "system", source_name: str | None = None, *,
                        replace: bool = False) -> ObservationImportSummary:
    """Import the station file at ``path`` (the rules: module docstring)."""
    path = Path(path)
    name = source_name or str(path)
    rows = read_observations(path, name, load_evaluation_policy().limits.max_rows)
    file_name = source_name or path.name
    S = StationObservation
    with Session(engine) as session:
        try:
            stored: dict[tuple[str, datetime], StationObservation] = {}
            problems: list[Problem] = []
            if rows:
                stations = sorted({r["station"] for r in rows})
                first, last = min(r["hour"] for r in rows), max(r["hour"] for r in rows)
                for i in range(0, len(stations), 500):
                    q = select(S).where(and_(S.station.in_(stations[i:i + 500]), S.hour >= first, S.hour <= last))
                    for o in session.execute(q).scalars():
                        stored[(o.station, clock.as_utc(o.hour))] = o
                areas = dict(session.execute(select(S.station, S.area).where(S.station.in_(stations)).distinct()).all())
                for r in rows:
                    if r["station"] in areas and areas[r["station"]] != r["area"] and not replace:
                        problems.append(Problem(name, r["_line"], COLUMNS["area"][0], r["area"],
                                                f"站点“{r['station']}”已按“{areas[r['station']]}”导入过"))
            new, changed, unchanged = [], [], 0
            for r in rows:
                old = stored.get((r["station"], r["hour"]))
                if old is None:
                    new.append(r)
                elif old.area == r["area"] and all(_same(getattr(old, s), r[s]) for s in SPECIES):
                    unchanged += 1
                elif replace:
                    changed.append((old, r))
                else:
                    problems.append(Problem(name, r["_line"], COLUMNS["hour"][0], clock.fmt(r["hour"]),
                                            "与已导入的同一站点、同一小时的数据不同；如确需更正，请以“替换”方式重新导入"))
            hf.reject_if(problems, name)
            clean = [{k: v for k, v in r.items() if k != "_line"} for r in new]
            for i in range(0, len(clean), BATCH):
                session.execute(S.__table__.insert(), clean[i:i + BATCH])
            for old, r in changed:
                old.area = r["area"]
                for s in SPECIES:
                    setattr(old, s, r[s])
                session.add(old)
            summary = ObservationImportSummary(
                file=file_name, rows=len(rows), new=len(new), unchanged=unchanged, replaced=len(changed),
                stations=len({r["station"] for r in rows}), areas=sorted({r["area"] for r in rows}),
                first_hour=min((r["hour"] for r in rows), default=None), last_hour=max((r["hour"] for r in rows), default=None),
                missing_values=sum(1 for r in rows for s in SPECIES if r[s] is None),
            )
            audit.record(session, actor, "evaluation.observations_import", "observations", summary.as_dict())
            session.commit()
        except (IntegrityError, OperationalError) as exc:
            session.rollback()
            if isinstance(exc, OperationalError) and "lock" not in str(exc).lower():
                raise
            raise Conflict(f"{file_name}: 另一导入正在写入相同的站点数据，请稍后重试 (concurrent import)") from None
    return summary


@dataclass(frozen=True)
class ObservedDay:
    area: str
    day: date
    aqi: int | None  # None: not enough valid data (GB 3095 validity) or NA under HJ 633-2026 5.3.1
    primary: tuple[str, ...]
    values: dict[str, float | None]  # the daily items graded
    stations: int
    standard: str | None


def observed_daily_aqi(engine: Engine, area: str, days: list[date], *, city: str | None = None) -> list[ObservedDay]:
    """The observed daily AQI of ``area`` on each Beijing day of ``days`` (see the module
    docstring; ``city``: the city's name, whose AQI falls back on every station)."""
    if not days:
        return []
    first_hour = clock.as_utc(clock.day_start(min(days)))
    end_hour = clock.as_utc(clock.day_start(max(days) + timedelta(days=1)))
    S = StationObservation
    with Session(engine) as session:
        q = select(S).where(and_(S.hour >= first_hour, S.hour < end_hour))
        obs = [o for o in session.execute(q.where(S.area == area)).scalars()]
        if not obs and city is not None and area == city:
            obs = list(session.execute(q).scalars())
    n_hours = int((end_hour - first_hour).total_seconds() // 3600)
    sums = {s: np.zeros(n_hours) for s in SPECIES}
    counts = {s: np.zeros(n_hours) for s in SPECIES}
    for o in obs:
        i = int((clock.as_utc(o.hour) - first_hour).total_seconds() // 3600)
        for s in SPECIES:
            v = getattr(o, s)
            if v is not None:
                sums[s][i] += v
                counts[s][i] += 1
    values = {s: np.where(counts[s] > 0, sums[s] / np.maximum(counts[s], 1), np.nan)
              for s in SPECIES if counts[s].any()}
    stations = len({o.station for o in obs})
    if not values:
        return [ObservedDay(area, d, None, (), {}, stations, None) for d in days]
    local_first = clock.local(first_hour)
    series = HourlySeries(tuple(local_first + timedelta(hours=i) for i in range(n_hours)), values)
    windows = {w.day: w for w in calendar_days(series, load_averaging_rules())}
    out = []
    for d in days:
        w = windows.get(d)
        items = {k: v for k, v in (w.values.items() if w else ()) if v is not None}
        if not items:
            out.append(ObservedDay(area, d, None, (), {}, stations, None))
            continue
        table = table_for(d)
        try:
            result = daily_aqi({k: v for k, v in items.items() if k in table.daily.keys}, table)
        except AqiInputError:
            out.append(ObservedDay(area, d, None, (), items, stations, table.name))
            continue
        out.append(ObservedDay(area, d, None if result.na else result.aqi, () if result.na else result.primary_species,
                               items, stations, table.name))
    return out
