"""Trigger sequences from the regulations' wording (DOMAIN §2)."""

from datetime import datetime

import pytest

from config.warning_rules import load_rule_set
from emergency.warning.evaluation import AqiSeries, evaluate, may_release

R2019, R2024 = load_rule_set("2019"), load_rule_set("2024")


@pytest.mark.parametrize(
    "series, level",
    [
        ([210, 220], "yellow"),  # > 200 for 2 days
        ([210], "none"),
        ([210, 220, 230], "orange"),  # > 200 for 3 days
        ([210, 220, 310, 320], "red"),  # > 200 for 4 days and > 300 for 2 days
        ([210, 220, 230, 310], "orange"),  # only one day > 300
        ([510], "red"),  # AQI reaches 500
        ([160, 160, 160], "none"),  # 2019 knows no 150 condition
        ([210, 150, 220], "none"),  # the run is broken
        ([100, 210, 220, 150, 210, 220, 230], "orange"),
    ],
)
def test_rule_set_2019(series, level):
    assert evaluate(AqiSeries(series), R2019).level.value == level


@pytest.mark.parametrize(
    "series, level",
    [
        ([210], "yellow"),  # > 200
        ([160, 160], "yellow"),  # > 150 for 48 h
        ([160], "none"),
        ([210, 220], "orange"),  # > 200 for 48 h
        ([160, 170, 180], "orange"),  # > 150 for 72 h
        ([210, 220, 310], "red"),  # > 200 for 72 h and > 300 for 24 h
        ([210, 310, 220], "red"),
        ([210, 220, 230], "orange"),  # no day > 300
        ([310, 150, 210, 220], "orange"),  # the > 300 day lies outside the 72-h run
        ([150, 150, 150], "none"),  # AQI 150 is not above 150
    ],
)
def test_rule_set_2024(series, level):
    assert evaluate(AqiSeries(series), R2024).level.value == level


def test_period_and_trigger_reported():
    ev = evaluate(AqiSeries([120, 210, 230, 320, 140], 24.0, datetime(2026, 12, 1)), R2024)
    assert ev.level.value == "red" and ev.trigger_id == "2024-red"
    assert (ev.period.start_index, ev.period.end_index) == (1, 3)
    assert ev.period.start == datetime(2026, 12, 2) and ev.period.end == datetime(2026, 12, 5)


def test_hourly_durations():
    # 47 hours above 200 is not 48 h; 48 hours is
    assert evaluate(AqiSeries([210] * 47, 1.0), R2024).level.value == "yellow"
    assert evaluate(AqiSeries([210] * 48, 1.0), R2024).level.value == "orange"


def test_ozone_episode_gets_no_industrial_measures():
    s = AqiSeries([210, 220], 24.0, primary=[["o3_8h"], ["o3_8h"]])
    ev = evaluate(s, R2024)
    assert ev.level.value == "orange" and ev.industrial_measures is False
    s = AqiSeries([210, 220], 24.0, primary=[["pm25"], ["pm25"]])
    assert evaluate(s, R2024).industrial_measures is True


def test_release_after_36_hours_at_or_below_150():
    assert may_release(AqiSeries([140, 120], 24.0), R2024)
    assert not may_release(AqiSeries([140], 24.0), R2024)  # 24 h < 36 h
    assert not may_release(AqiSeries([140, 160], 24.0), R2024)
    assert may_release(AqiSeries([150] * 36, 1.0), R2024)
    assert not may_release(AqiSeries([150] * 35 + [151], 1.0), R2024)
