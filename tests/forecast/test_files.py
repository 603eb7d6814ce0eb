"""Generic CSV / JSON forecasts from files and from a URL."""

import json
from datetime import datetime

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
