"""Station observations: the import's rejections, and the observed daily AQI checked
against HJ 633-2026 breakpoints by hand (2026-12 data: the 2026 edition is in force)."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pytest

from emergency import clock
from emergency.errors import ImportRejected
from emergency.evaluation.observations import import_observations, observed_daily_aqi
from enterprise_registry.db import make_engine, upgrade_database
from tests.evaluation.data import OBS_HEADER, write

NOW = datetime(2026, 12, 8, 12, 0)  # Beijing, typed: after the observed days
DAY = date(2026, 12, 5)


@pytest.fixture
def engine(db_url):
    eng = make_engine(db_url)
    upgrade_database(eng)
    yield eng
    eng.dispose()


def _day(station: str, area: str, day: date, hours: int = 24, **values) -> list[str]:
    start = datetime.combine(day, datetime.min.time())
    cols = ("pm25", "pm10", "so2", "no2", "o3", "co")
    out = []
    for h in range(hours):
        cells = [values.get(c, "") if not callable(values.get(c)) else values[c](h) for c in cols]
        out.append(",".join([station, area, f"{start + timedelta(hours=h):%Y-%m-%d %H:%M}", *map(str, cells)]))
    return out


def iaqi(c: float, bps: list[float], levels=(0, 50, 100, 150, 200, 300, 400, 500)) -> int:
    """HJ 633 (4.2.6): linear between breakpoints, rounded up."""
    for i in range(1, len(bps)):
        if c <= bps[i]:
            return math.ceil((levels[i] - levels[i - 1]) / (bps[i] - bps[i - 1]) * (c - bps[i - 1]) + levels[i - 1])
    raise AssertionError


def test_observed_daily_aqi_by_hand(engine, tmp_path):
    # Two stations of 甲县: PM2.5 120 and 140 every hour -> the area's hourly mean 130; the other pollutants at
    # station A only (B blank = not measured): PM10 100, SO2 10, NO2 50, O3 60, CO 1.0
    rows = _day("A站", "甲县", DAY, pm25=120, pm10=100, so2=10, no2=50, o3=60, co=1.0)
    rows += _day("B站", "甲县", DAY, pm25=140)
    # 乙县: a day with 19 hours only: no valid 24-h mean (GB 3095: 20 hours)
    rows += _day("C站", "乙县", DAY, hours=19, pm25=300, pm10=100, so2=10, no2=50, o3=60, co=1.0)
    with clock.use_clock(clock.aware(NOW)):
        s = import_observations(engine, write(tmp_path / "obs.csv", OBS_HEADER, rows))
        assert (s.rows, s.stations, s.areas) == (24 * 2 + 19, 3, ["乙县", "甲县"])
        jia = observed_daily_aqi(engine, "甲县", [DAY])[0]
        yi = observed_daily_aqi(engine, "乙县", [DAY])[0]
    expected = {  # HJ 633-2026 表1 24-h rows and the O3 8-h row
        "pm25": iaqi(130, [0, 35, 60, 115, 150, 250, 350, 500]),  # 172
        "pm10": iaqi(100, [0, 50, 120, 250, 350, 420, 500, 600]),  # 86
        "so2": iaqi(10, [0, 50, 150, 475, 800, 1600, 2100, 2620]),
        "no2": iaqi(50, [0, 40, 80, 180, 280, 565, 750, 940]),
        "co": iaqi(1.0, [0, 2, 4, 14, 24, 36, 48, 60]),
        "o3": iaqi(60, [0, 100, 160, 215, 265, 800], (0, 50, 100, 150, 200, 300)),
    }
    assert expected["pm25"] == 172
    assert jia.aqi == max(expected.values()) == 172
    assert jia.primary == ("pm25",) and jia.stations == 2 and jia.values["pm25"] == 130
    assert yi.aqi is None


def test_beijing_day_of_station_hours(engine, tmp_path):
    # 2026-12-05 00:00 … 23:00 Beijing = 12-04 16:00 … 12-05 15:00 UTC: all on the 5th
    rows = _day("A站", "甲县", DAY, pm25=50, pm10=50, so2=5, no2=20, o3=50, co=0.5)
    with clock.use_clock(clock.aware(NOW)):
        import_observations(engine, write(tmp_path / "obs.csv", OBS_HEADER, rows))
        got = observed_daily_aqi(engine, "甲县", [DAY - timedelta(days=1), DAY, DAY + timedelta(days=1)])
    assert [g.aqi is not None for g in got] == [False, True, False]


def test_bad_cells_located_and_reimport_idempotent(engine, tmp_path):
    rows = [
        "A站,甲县,2026-12-05 00:00,50,60,5,20,40,0.5",
        "A站,甲县,2026-12-05 00:00,50,60,5,20,40,0.5",   # line 3: duplicate
        "A站,乙县,2026-12-05 01:00,50,60,5,20,40,0.5",   # line 4: the station under another area
        "A站,甲县,2026-12-05 02:00,-1,60,5,20,40,0.5",   # line 5: negative PM2.5
        "A站,甲县,2026-12-05 03:00,50,高,5,20,40,0.5",   # line 6: non-numeric PM10
        "A站,甲县,2026-12-09 03:00,50,60,5,20,40,0.5",   # line 7: future
        "A站,甲县,2026-12-05 04:15,50,60,5,20,40,0.5",   # line 8: not on the hour
        "A站,甲县,2026-12-05 05:00,50,,5,20,40,0.5",     # line 9: blank PM10 = not measured (fine)
    ]
    with clock.use_clock(clock.aware(NOW)):
        with pytest.raises(ImportRejected) as err:
            import_observations(engine, write(tmp_path / "bad.csv", OBS_HEADER, rows))
        assert {(p.row, p.column) for p in err.value.problems} == {
            (3, "监测时间"), (4, "区县/城市"), (5, "PM2.5"), (6, "PM10"), (7, "监测时间"), (8, "监测时间")}
        good = write(tmp_path / "good.csv", OBS_HEADER, [rows[0], rows[7]])
        first = import_observations(engine, good)
        again = import_observations(engine, good)
    assert (first.new, first.missing_values) == (2, 1)
    assert (again.new, again.unchanged) == (0, 2)
