"""Open-Meteo client against a local HTTP server serving the real payload format."""

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from emergency.errors import ForecastError
from emergency.forecast import open_meteo
from emergency.forecast.http import RetryPolicy
from emergency.warning.series import to_aqi_series
from tests.forecast.local_server import payload

NO_WAIT = {"sleep": lambda seconds: None}


def test_fetch_asks_for_the_six_species_in_shanghai_time_and_converts_co(server):
    s = server((200, payload(48, carbon_monoxide=[1500.0] * 48, pm2_5=[35.5] * 48)))
    hs = open_meteo.fetch(37.87, 112.55, base_url=s.url, **NO_WAIT)
    url = urlsplit(s.paths[0])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.path == "/v1/air-quality"
    assert query["latitude"] == "37.87" and query["longitude"] == "112.55" and query["timezone"] == "Asia/Shanghai"
    assert set(query["hourly"].split(",")) == {"pm2_5", "pm10", "nitrogen_dioxide", "sulphur_dioxide", "ozone", "carbon_monoxide"}
    assert hs.times[0] == datetime(2026, 12, 1) and len(hs) == 48
    assert hs.values["co"][0] == pytest.approx(1.5)  # 1500 µg/m³ = 1.5 mg/m³
    assert hs.values["pm25"][0] == 35.5 and hs.values["o3"][0] == 10.0


def test_co_conversion_reaches_the_aqi():
    # CO 14 000 µg/m³ = 14 mg/m³ -> IAQI 150 on the 24-h row; were it read as mg/m³ it would be beyond the table
    hs = open_meteo.parse_payload(payload(24, carbon_monoxide=[14000.0] * 24))
    series = to_aqi_series(hs)
    assert series.values == (150.0,) and series.primary == (("co",),)


def test_units_read_from_the_payload():
    p = payload(24, carbon_monoxide=[1.5] * 24)
    p["hourly_units"]["carbon_monoxide"] = "mg/m³"  # a unit we know: no division
    assert open_meteo.parse_payload(p).values["co"][0] == 1.5
    p = payload(24)
    p["hourly_units"]["pm2_5"] = "µg/m³"  # the micro sign instead of the Greek mu
    assert open_meteo.parse_payload(p).values["pm25"][0] == 10.0


def _drop(key):
    return lambda p: p["hourly"].pop(key)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (_drop("ozone"), "missing 'hourly.ozone'"),
        (lambda p: p["hourly"]["pm10"].pop(), "'hourly.pm10' has 71 values for 72 hours"),
        (lambda p: p["hourly_units"].__setitem__("nitrogen_dioxide", "ppb"), "'hourly.nitrogen_dioxide' is in 'ppb'"),
        (lambda p: p["hourly_units"].pop("ozone"), "'hourly.ozone' is in None"),
        (lambda p: p.pop("hourly_units"), "no 'hourly_units'"),
        (lambda p: p["hourly"].__setitem__("pm2_5", [None] * 72), "'hourly.pm2_5' has no value at all"),
        (lambda p: p["hourly"]["pm2_5"].__setitem__(5, "n/a"), r"'hourly.pm2_5'\[5\] = 'n/a' is not a number"),
        (lambda p: p["hourly"]["pm2_5"].__setitem__(5, -1.0), "negative"),
        (lambda p: p.pop("hourly"), "no 'hourly.time'"),
        (lambda p: p["hourly"]["time"].__setitem__(3, "tomorrow"), "not an ISO 8601 time"),
        (lambda p: p["hourly"]["time"].__setitem__(3, "2026-12-01T04:00"), "hours must be consecutive"),
        (lambda p: p.__setitem__("timezone", "GMT"), "time zone 'GMT'"),
    ],
)
def test_malformed_payloads(mutate, message):
    p = payload()
    mutate(p)
    with pytest.raises(ForecastError, match=message):
        open_meteo.parse_payload(p)


def test_an_error_answer_carries_the_reason_and_is_not_retried(server):
    s = server((400, {"error": True, "reason": "Cannot initialize WeatherVariable from invalid String value pm25"}))
    with pytest.raises(ForecastError, match="HTTP 400: Cannot initialize WeatherVariable"):
        open_meteo.fetch(37.0, 112.0, base_url=s.url, **NO_WAIT)
    assert len(s.paths) == 1


def test_retry_on_503_then_success(server):
    s = server((503, "Service Unavailable"), (200, payload()))
    sleeps = []
    hs = open_meteo.fetch(37.0, 112.0, base_url=s.url, retry=RetryPolicy(retries=2), sleep=sleeps.append)
    assert len(s.paths) == 2 and sleeps == [0.5] and len(hs) == 72


def test_gives_up_with_a_clear_error(server):
    s = server((503, "busy"))
    with pytest.raises(ForecastError, match="HTTP 503: busy .*gave up after 2 attempts"):
        open_meteo.fetch(37.0, 112.0, base_url=s.url, retry=RetryPolicy(retries=1), **NO_WAIT)
    assert len(s.paths) == 2


def test_timeout(server):
    s = server(stall=True)
    with pytest.raises(ForecastError, match="timed out"):
        open_meteo.fetch(37.0, 112.0, base_url=s.url, timeout=0.2, retry=RetryPolicy(retries=0))


def test_not_json(server):
    s = server((200, "<html>maintenance</html>"))
    with pytest.raises(ForecastError, match="not JSON"):
        open_meteo.fetch(37.0, 112.0, base_url=s.url, **NO_WAIT)


def test_bad_coordinates_are_refused_before_any_request():
    with pytest.raises(ForecastError, match="coordinates out of range"):
        open_meteo.fetch(137.0, 112.0, base_url="http://127.0.0.1:9")


# ---- nulls and GB 3095 validity (20 valid hours per 24-h window)


def test_a_few_nulls_are_missing_hours():
    pm = [100.0] * 48
    pm[10] = pm[30] = None  # each window still has ≥ 22 valid hours
    series = to_aqi_series(open_meteo.parse_payload(payload(48, pm2_5=pm)))
    # December 2026: the 2026 table (PM2.5 IAQI 100 at 60, to verify): 100 + 40 × 50/55 = 136.4 -> 137
    assert len(series) == 25 and set(series.values) == {137.0} and series.standards == ("HJ 633-2026",)


def test_nulls_beyond_validity_inside_the_forecast_are_an_error():
    pm = [100.0] * 72
    for h in range(30, 35):
        pm[h] = None  # 5 missing hours: windows holding all five have 19 valid hours
    with pytest.raises(ForecastError, match=r"pm25: not enough valid data for the window 2026-12-01T11:00:00"):
        to_aqi_series(open_meteo.parse_payload(payload(72, pm2_5=pm)))


def test_a_forecast_whose_tail_is_null_ends_where_the_data_ends():
    pm = [100.0] * 60 + [None] * 12
    series = to_aqi_series(open_meteo.parse_payload(payload(72, pm2_5=pm)))
    # windows ending at hours 23 … 63 have ≥ 20 valid hours (the one ending at 63 has 20): 41 windows
    assert len(series) == 41 and series.start == datetime(2026, 12, 1)
    assert series.window_end(len(series) - 1) == datetime(2026, 12, 1) + timedelta(hours=64)
