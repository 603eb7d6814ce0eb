"""What an announcement says about the forecast: AQI range, HJ 633 category, primary pollutant."""

from datetime import datetime

import pytest

from config.warning_rules import load_rule_set
from emergency.notices import forecast
from emergency.warning.evaluation import AqiSeries, evaluate

BJ = datetime.fromisoformat("2026-12-05T00:00:00+08:00").tzinfo
START = datetime(2026, 12, 5, 0, 0, tzinfo=BJ)  # 2026-12-04T16:00Z
END = datetime(2026, 12, 8, 0, 0, tzinfo=BJ)


@pytest.mark.parametrize("aqi, name", [
    (50, "优"), (51, "良"), (100, "良"), (100.2, "轻度污染"), (101, "轻度污染"), (150, "轻度污染"), (151, "中度污染"),
    (200, "中度污染"), (201, "重度污染"), (300, "重度污染"), (301, "严重污染"), (500, "严重污染"),
])
def test_hj633_categories_at_their_bounds(aqi, name):
    assert forecast.category(aqi) == name


def test_a_bare_daily_forecast_gives_range_and_category():
    f = forecast.facts({"daily_aqi": [218, 251, 326]}, START, END)
    assert (f.aqi_min, f.aqi_max, f.range_text) == (218, 326, "218–326")
    assert f.category_text == "重度至严重污染" and "严重污染" in f.category_text


def test_dated_values_are_taken_on_beijing_days_of_the_warning():
    # the warning covers Beijing days 12-05, 12-06, 12-07; its UTC start is on 12-04
    fc = {"daily_aqi": [150, 218, 251, 326, 100], "series": {"start": "2026-12-04"}}
    f = forecast.facts(fc, START, END)
    assert (f.aqi_min, f.aqi_max) == (218, 326)
    # values outside the warning's days give no figure rather than a wrong one
    assert forecast.facts({"daily_aqi": [250], "series": {"start": "2026-11-01"}}, START, END).aqi_max is None


def test_an_evaluation_as_stored_by_the_scheduler_and_the_demo():
    rules = load_rule_set("2024")
    values = [96, 138, 172, 218, 251, 326, 287, 143]
    first = datetime(2026, 12, 2)  # naive: the bureau's time, as the demo stores it
    ev = evaluate(AqiSeries([float(v) for v in values], 24.0, first, primary=[["pm25"]] * len(values)), rules)
    period = ev.period
    stored = {"daily_aqi": values, "evaluation": ev.as_dict()}
    start, end = period.start.replace(tzinfo=BJ), period.end.replace(tzinfo=BJ)
    f = forecast.facts(stored, start, end)
    in_period = values[period.start_index:period.end_index + 1]
    assert (f.aqi_min, f.aqi_max) == (min(in_period), max(in_period))
    assert f.primary_text == "细颗粒物(PM2.5)"
    # the evaluation alone (scheduler): no values, no figures, still the pollutant
    alone = forecast.facts(ev.as_dict(), start, end)
    assert alone.aqi_max is None and alone.primary_text == "细颗粒物(PM2.5)"
    # with the series summary of `warning evaluate`: its daily values over the warning
    with_series = {**ev.as_dict(), "series": AqiSeries([float(v) for v in values], 24.0, first).summary()}
    assert forecast.facts(with_series, start, end).range_text == f"{min(in_period)}–{max(in_period)}"


def test_without_a_forecast_nothing_is_invented():
    for fc in (None, {}, {"daily_aqi": []}, {"daily_aqi": ["x"]}, {"note": "by phone"}):
        f = forecast.facts(fc, START, END)
        assert f.range_text is None and f.category_text is None and f.primary_text is None


def test_category_span_wording():
    assert forecast.category_span(326, 326) == "严重污染"
    assert forecast.category_span(160, 240) == "中度至重度污染"
    assert forecast.category_span(90, 240) == "最高达重度污染"
    assert forecast.primary_zh("PM2.5") == "细颗粒物(PM2.5)" and forecast.primary_zh("o3") == "臭氧(O3)"
