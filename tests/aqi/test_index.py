"""IAQI / AQI against the HJ 633-2012 table (DOMAIN §3), computed by hand here."""

import math
from datetime import date

import pytest

from emergency.aqi.index import AqiInputError, daily_aqi, hourly_iaqi_so2, iaqi, table_for

T2012 = table_for(date(2025, 1, 1))
T2026 = table_for(date(2026, 3, 1))


def by_hand(c, bps, levels=(0, 50, 100, 150, 200, 300, 400, 500)):
    for i in range(1, len(bps)):
        if c <= bps[i]:
            return math.ceil((levels[i] - levels[i - 1]) / (bps[i] - bps[i - 1]) * (c - bps[i - 1]) + levels[i - 1] - 1e-9)


@pytest.mark.parametrize(
    "row, c, expected",
    [
        ("pm25_24h", 35, 50),  # breakpoint edges map exactly
        ("pm25_24h", 75, 100),
        ("pm25_24h", 115, 150),
        ("pm25_24h", 116, 152),  # 150 + 1 × 50/35 = 151.43 -> rounded up
        ("pm25_24h", 150, 200),
        ("pm25_24h", 250, 300),
        ("pm25_24h", 500, 500),
        ("pm10_24h", 150, 100),
        ("pm10_24h", 151, 101),  # 100 + 1 × 50/100 = 100.5 -> 101
        ("so2_24h", 150, 100),
        ("so2_24h", 475, 150),  # the 24-h row, not the 1-h row (which has 650 at 150)
        ("no2_24h", 80, 100),
        ("no2_24h", 81, 101),  # 100 + 50/100 = 100.5 -> 101
        ("co_24h", 4, 100),
        ("co_24h", 14, 150),
        ("o3_8h", 160, 100),
        ("o3_8h", 215, 150),
        ("o3_1h", 200, 100),
        ("pm25_24h", 0, 0),
    ],
)
def test_iaqi_2012_table(row, c, expected):
    assert iaqi(c, row, T2012) == (expected, False)
    assert by_hand(c, T2012.breakpoints[row]) == expected


def test_so2_24h_row_differs_from_1h_row():
    # 500 µg/m³ of SO2: 24-h row 475–800 -> 150 + 50 × 25/325 = 153.8 -> 154; 1-h row gives 100
    assert iaqi(500, "so2_24h", T2012)[0] == 154
    assert iaqi(500, "so2_1h", T2012)[0] == 100


def test_beyond_the_table_caps_at_500_and_flags():
    assert iaqi(600, "pm25_24h", T2012) == (500, True)


def test_daily_aqi_primary_pollutants_and_ties():
    r = daily_aqi({"pm25": 75, "pm10": 150, "no2": 40}, T2012)
    assert r.aqi == 100 and r.primary_pollutants == ["pm10", "pm25"]
    r = daily_aqi({"pm25": 30, "pm10": 40}, T2012)  # AQI ≤ 50: no primary pollutant
    assert r.aqi == 43 and r.primary_pollutants == []


def test_o3_8h_above_800_falls_back_to_1h():
    r = daily_aqi({"o3_8h": 850, "o3_1h": 900}, T2012)
    # o3_8h not used; o3_1h 900 lies in 800–1000 -> 300 + 100 × 100/200 = 350
    assert "o3_8h" not in r.iaqi and r.iaqi["o3_1h"] == 350 and r.aqi == 350
    assert r.not_used == ["o3_8h"]
    with pytest.raises(AqiInputError):
        daily_aqi({"o3_8h": 850}, T2012)


def test_so2_1h_above_800_uses_24h_value():
    assert hourly_iaqi_so2(900, 700, T2012) == by_hand(700, T2012.breakpoints["so2_24h"])
    assert hourly_iaqi_so2(500, None, T2012) == 100


def test_table_chosen_by_date_and_forced():
    assert T2012.name == "HJ 633-2012" and T2026.name == "HJ 633-2026"
    assert table_for(date(2026, 2, 28)).name == "HJ 633-2012"
    assert table_for(date(2025, 1, 1), "2026").name == "HJ 633-2026"
    # 2026 table: PM2.5 IAQI-100 at 60 (to verify): 60 -> 100; 75 -> 100 + 50 × 15/55 = 113.6 -> 114
    assert iaqi(60, "pm25_24h", T2026)[0] == 100
    assert iaqi(75, "pm25_24h", T2026)[0] == 114
    assert iaqi(120, "pm10_24h", T2026)[0] == 100


def test_bad_values():
    with pytest.raises(AqiInputError):
        daily_aqi({"pm25": -1}, T2012)
    with pytest.raises(AqiInputError):
        daily_aqi({"pm2.5": 10}, T2012)
