"""Hourly concentrations to 24-h means, O3 8-h maxima and calendar-day values, on hand-built series."""

from datetime import datetime, timedelta

import numpy as np
import pytest

from config.aqi_tables import load_averaging_rules
from emergency.aqi.averaging import HourlySeries, calendar_days, rolling_24h, trailing_mean
from emergency.aqi.errors import AqiInputError

RULES = load_averaging_rules()
T0 = datetime(2025, 12, 1)


def hours(n, start=T0):
    return tuple(start + timedelta(hours=h) for h in range(n))


def test_a_24h_mean_needs_20_valid_hours():
    x = np.arange(24, dtype=float)
    assert trailing_mean(x, 24, 20)[-1] == 11.5  # (0 + … + 23) / 24
    x[:5] = np.nan  # 19 valid hours
    assert np.isnan(trailing_mean(x, 24, 20)[-1])
    x[4] = 4.0  # 20 valid: mean of 4 … 23 = 13.5
    assert trailing_mean(x, 24, 20)[-1] == 13.5


def test_rolling_24h_windows_cross_midnight():
    pm = np.array([100.0] * 24 + [148.0] * 24)
    windows = rolling_24h(HourlySeries(hours(48), {"pm25": pm}), RULES)
    assert len(windows) == 25  # windows ending at hours 23 … 47
    assert windows[0].start == T0 and windows[0].end == T0 + timedelta(hours=24)
    assert windows[0].values["pm25"] == 100
    assert windows[12].start == T0 + timedelta(hours=12) and windows[12].values["pm25"] == 124  # (12·100 + 12·148)/24
    assert windows[-1].values["pm25"] == 148 and windows[-1].day == T0.date() + timedelta(days=1)


def test_rolling_window_with_too_few_valid_hours_has_no_value():
    pm = np.full(30, 80.0)
    pm[0:5] = np.nan  # the first window (hours 0–23) has 19 valid hours; the one ending at hour 24 has 20
    windows = rolling_24h(HourlySeries(hours(30), {"pm25": pm}), RULES)
    assert windows[0].values["pm25"] is None and windows[1].values["pm25"] == 80


def test_o3_8h_maximum_inside_a_day_and_inside_a_rolling_window():
    o3 = np.full(48, 50.0)
    o3[20:28] = 170.0  # an 8-h block across midnight (20:00 – 04:00)
    series = HourlySeries(hours(48), {"o3": o3})
    day1, day2 = calendar_days(series, RULES)
    # the best 8-h mean inside day 1 is hours 16–23: (4·50 + 4·170)/8 = 110; day 2 likewise hours 0–7
    assert day1.values["o3_8h"] == 110 and day2.values["o3_8h"] == 110
    assert day1.values["o3_1h"] == 170 and day2.values["o3_1h"] == 170
    # the rolling window of hours 8–31 holds the whole block: 170
    rolling = rolling_24h(series, RULES)
    assert rolling[8].start == T0 + timedelta(hours=8) and rolling[8].values["o3_8h"] == 170
    assert rolling[0].values["o3_8h"] == 110  # hours 0–23


def test_o3_daily_maximum_8h_needs_14_valid_8h_means():
    o3 = np.full(24, 100.0)
    o3[0:10] = np.nan  # 8-h means ending at hours 15 … 23 have ≥ 6 valid hours: 9 means < 14
    (day,) = calendar_days(HourlySeries(hours(24), {"o3": o3}), RULES)
    assert day.values["o3_8h"] is None
    assert day.values["o3_1h"] is None  # 14 valid hours < 20
    o3[0:8] = 100.0  # NaN only at hours 8–9: every 8-h mean has ≥ 6 valid hours -> 17 means; 22 valid hours
    (day,) = calendar_days(HourlySeries(hours(24), {"o3": o3}), RULES)
    assert day.values["o3_8h"] == 100 and day.values["o3_1h"] == 100


def test_computed_means_are_rounded_half_even_before_grading():
    pm = np.array([115.0] * 12 + [116.0] * 12)  # mean 115.5 -> 116 (half to even)
    co = np.array([1.2] * 12 + [1.3] * 12)  # mean 1.25 -> 1.2
    (w,) = rolling_24h(HourlySeries(hours(24), {"pm25": pm, "co": co}), RULES)
    assert w.values == {"pm25": 116, "co": 1.2}
    pm = np.array([114.0] * 12 + [115.0] * 12)  # 114.5 -> 114
    (w,) = rolling_24h(HourlySeries(hours(24), {"pm25": pm}), RULES)
    assert w.values["pm25"] == 114


def test_calendar_days_of_a_series_starting_mid_day():
    series = HourlySeries(hours(40, T0 + timedelta(hours=8)), {"pm25": np.full(40, 60.0)})
    day1, day2 = calendar_days(series, RULES)
    assert day1.start == T0 and day1.values["pm25"] is None  # 16 hours of day 1
    assert day2.start == T0 + timedelta(days=1) and day2.values["pm25"] == 60


@pytest.mark.parametrize(
    "times, values, message",
    [
        (hours(2)[:1] + (T0 + timedelta(hours=2),), {"pm25": [1.0, 2.0]}, "consecutive"),
        (hours(2), {"pm2_5": [1.0, 2.0]}, "unknown pollutant"),
        (hours(2), {"pm25": [1.0]}, "1 values for 2 hours"),
        (hours(2), {"pm25": [1.0, -2.0]}, "negative"),
        ((), {"pm25": []}, "empty"),
    ],
)
def test_bad_hourly_series(times, values, message):
    with pytest.raises(AqiInputError, match=message):
        HourlySeries(times, {k: np.array(v) for k, v in values.items()})
