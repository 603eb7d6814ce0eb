"""Hourly concentrations to 24-h means and the O3 8-h daily maximum."""

from datetime import datetime, timedelta

import numpy as np

from emergency.aqi.averaging import HourlySeries, daily_values, rolling_mean


def test_rolling_mean_needs_enough_valid_hours():
    x = np.arange(24, dtype=float)
    assert rolling_mean(x, 24, 20)[-1] == np.mean(x)
    x[:5] = np.nan  # 19 valid hours < 20
    assert np.isnan(rolling_mean(x, 24, 20)[-1])
    x[4] = 4.0  # 20 valid
    assert rolling_mean(x, 24, 20)[-1] == np.mean(np.arange(4, 24))


def test_daily_values_and_o3_8h_max():
    t0 = datetime(2025, 12, 1)
    times = [t0 + timedelta(hours=h) for h in range(48)]
    o3 = np.full(48, 50.0)
    o3[10:18] = 170.0  # one 8-h block at 170 on day 1 -> daily max 8-h mean 170
    pm = np.full(48, 80.0)
    pm[24:] = 160.0
    days = daily_values(HourlySeries(times, {"o3": o3, "pm25": pm}))
    (d1, v1), (d2, v2) = days
    assert v1["pm25"] == 80.0 and v2["pm25"] == 160.0
    assert v1["o3_8h"] == 170.0 and v1["o3_1h"] == 170.0
    assert v2["o3_8h"] == 50.0
