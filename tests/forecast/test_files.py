"""Generic CSV / JSON forecasts from files and from a URL."""

import json
from datetime import datetime, timedelta

import pytest

from emergency.aqi.averaging import HourlySeries
from emergency.errors import ForecastError
from emergency.forecast.files import load
from emergency.warning.series import AqiSeries, WindowSeries, to_aqi_series
from tests.forecast.local_server import payload


def write(tmp_path, name, text):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return str(f)


def test_daily_aqi_csv(tmp_path):
    s = load(write(tmp_path, "f.csv", "date,aqi\n2026-12-01,210\n2026-12-02,220\n"))
    assert isinstance(s, AqiSeries) and s.values == (210.0, 220.0) and s.step_hours == 24
    assert s.start == datetime(2026, 12, 1)


def test_daily_concentrations_are_graded_with_the_table_of_each_date(tmp_path):
    text = "\ufeffdate,pm25,pm10\n2026-02-28,75,120\n2026-03-01,75,120\n"  # with a BOM, as Excel writes
    forecast = load(write(tmp_path, "f.csv", text))
    assert isinstance(forecast, WindowSeries)
    series = to_aqi_series(forecast)
    # 2012: PM2.5 75 -> 100, PM10 120 -> 85; 2026: PM2.5 75 -> 114, PM10 120 -> 100
    assert series.values == (100.0, 114.0) and series.standards == ("HJ 633-2012", "HJ 633-2026")
    assert series.primary == (("pm25",), ("pm25",))
    assert to_aqi_series(forecast, standard="2012").values == (100.0, 100.0)


def test_hourly_json_list(tmp_path):
    rows = [{"time": f"2026-12-01T{h:02d}:00", "pm25": 100, "co": 1.2, "o3": None if h == 3 else 40} for h in range(24)]
    hs = load(write(tmp_path, "f.json", json.dumps(rows)))
    assert isinstance(hs, HourlySeries) and len(hs) == 24 and hs.values["co"][0] == 1.2
    assert to_aqi_series(hs).values == (137.0,)  # 2026 table: PM2.5 100 -> 137


def test_hourly_csv_with_empty_cells(tmp_path):
    lines = ["time,pm25"] + [f"2026-12-01T{h:02d}:00,{'' if h < 2 else 80}" for h in range(24)]
    hs = load(write(tmp_path, "f.csv", "\n".join(lines) + "\n"))
    assert str(hs.values["pm25"][0]) == "nan" and hs.values["pm25"][5] == 80


def test_open_meteo_payload_saved_to_a_file(tmp_path):
    hs = load(write(tmp_path, "om.json", json.dumps(payload(24, carbon_monoxide=[2000.0] * 24))))
    assert isinstance(hs, HourlySeries) and hs.values["co"][0] == 2.0


def test_from_a_url(server):
    s = server((200, "date,aqi\n2026-12-01,160\n2026-12-02,170\n"))
    assert load(s.url + "/forecast.csv").values == (160.0, 170.0)


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("f.csv", "date,aqi\n2026-12-01,210\n2026-12-03,220\n", "consecutive"),
        ("f.csv", "date,aqi\n2026-12-01,\n", "row 1: aqi missing"),
        ("f.csv", "date,aqi\n2026-12-01,high\n", "row 1 aqi: 'high' is not a number"),
        ("f.csv", "date,aqi,pm25\n2026-12-01,210,80\n", "unknown column"),
        ("f.csv", "date,pm2.5\n2026-12-01,80\n", r"unknown column\(s\) pm2.5"),
        ("f.csv", "day,aqi\n2026-12-01,210\n", "needs a 'date' column"),
        ("f.csv", "date,aqi\n12/01/2026,210\n", "not YYYY-MM-DD"),
        ("f.csv", "date,aqi\n2026-12-01,210,5\n", "more cells than the header"),
        ("f.csv", "time,pm25\n2026-12-01T00:00,80\n2026-12-01T02:00,80\n", "hours must be consecutive"),
        ("f.csv", "time,pm25\n2026-12-01T00:00,-5\n", "not a concentration"),
        ("f.csv", "time\n2026-12-01T00:00\n", "no pollutant column"),
        ("f.csv", "station,value\nA,1\n", "need a 'date' or a 'time' column"),
        ("f.csv", "", "empty"),
        ("f.json", "[1, 2]", "a list of objects"),
        ("f.json", "{broken", "invalid JSON"),
        ("f.json", "[]", "no rows"),
    ],
)
def test_bad_files(tmp_path, name, text, message):
    with pytest.raises(ForecastError, match=message):
        load(write(tmp_path, name, text))


def test_missing_file():
    with pytest.raises(ForecastError, match="forecast file not found"):
        load("/nonexistent/forecast.csv")


def test_a_daily_forecast_crossing_2026_03_01_switches_edition_that_day(tmp_path):
    # every row: PM2.5 50, O3 8-h 120, O3 1-h 900 (a one-hour spike); 2026-03-02: O3 8-h 850 and no 1-h value
    text = (
        "date,pm25,pm10,so2,no2,co,o3_8h,o3_1h\n"
        "2026-02-28,50,60,10,30,0.8,120,900\n"
        "2026-03-01,50,60,10,30,0.8,120,900\n"
        "2026-03-02,50,60,10,30,0.8,850,\n"
    )
    series = to_aqi_series(load(write(tmp_path, "f.csv", text)))
    # 2012: the O3 1-h item 900 -> 300 + 100 × 100/200 = 350; 2026: no O3 1-h item, PM2.5 50 -> 50 + 15 × 50/25 = 80
    # (O3 8-h 120 -> 50 + 20 × 50/60 = 66.7 -> 67); 2026 注 c: O3 8-h 850 -> 300 without a 1-h value
    assert series.values == (350.0, 80.0, 300.0)
    assert series.primary == (("o3",), ("pm25",), ("o3",)) and series.standards == ("HJ 633-2012", "HJ 633-2026")
    # under 2012 throughout, 2026-03-01 keeps its O3 1-h item and 2026-03-02 lacks it: the horizon ends before it
    assert to_aqi_series(load(write(tmp_path, "f.csv", text)), standard="2012").values == (350.0, 350.0)


def test_an_hourly_forecast_crossing_2026_03_01_switches_edition_that_day(tmp_path):
    # 48 hours from 2026-02-28 00:00; O3 40 except 900 at 2026-02-28 12:00
    rows = ["time,pm25,pm10,so2,no2,co,o3"]
    for h in range(48):
        t = datetime(2026, 2, 28) + timedelta(hours=h)
        rows.append(f"{t.isoformat()},50,60,10,30,0.8,{900 if h == 12 else 40}")
    forecast = load(write(tmp_path, "f.csv", "\n".join(rows) + "\n"))
    series = to_aqi_series(forecast)
    # window i covers hours i … i+23 and is graded on the edition of its last hour's date.
    # i = 0 (last hour 02-28 23:00, 2012): O3 1-h 900 -> 350.
    # i = 1 … 12 (2026): the spike is inside but O3 1-h is no item; the 8-h means over hours 12 … 19
    #   hold it: (900 + 7 × 40) / 8 = 147.5 -> 148 (half to even) -> 50 + 48 × 50/60 = 90; PM2.5 50 -> 80.
    # i = 13 … 24 (2026): no 8-h mean inside holds hour 12 (O3 8-h 40 -> 20): PM2.5 -> 80.
    assert series.values == (350.0,) + (90.0,) * 12 + (80.0,) * 12
    assert series.standards == ("HJ 633-2012", "HJ 633-2026")
    # forced 2012: every window holding hour 12 (i = 0 … 12) is 350; after it PM2.5 50 -> 50 + 15 × 50/40 = 68.75 -> 69
    assert to_aqi_series(forecast, standard="2012").values == (350.0,) * 13 + (69.0,) * 12


def test_an_aware_hourly_series_is_switched_on_the_bureau_day():
    # 2026-02-28 16:00 UTC is 2026-03-01 00:00 Beijing: the window ending with that hour is a 2026 window
    # (its UTC date is still 02-28)
    from datetime import timezone

    import numpy as np

    t0 = datetime(2026, 2, 27, 16, tzinfo=timezone.utc)  # 2026-02-28 00:00 Beijing
    times = tuple(t0 + timedelta(hours=h) for h in range(25))
    series = to_aqi_series(HourlySeries(times, {"pm25": np.array([75.0] * 25)}))
    # last hours 2026-02-28 00:00 Beijing (2012: PM2.5 75 -> 100) and 2026-03-01 00:00 (2026: 100 + 15 × 50/55 = 113.6 -> 114)
    assert series.values == (100.0, 114.0)
