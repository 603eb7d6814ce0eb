"""IAQI / AQI per HJ 633. Expected values are worked out by hand from DOMAIN §3, shown in comments."""

import math
from datetime import date
from fractions import Fraction

import pytest

from config.aqi_tables import table_for
from emergency.aqi.errors import AqiInputError
from emergency.aqi.index import daily_aqi, hourly_aqi, iaqi
from tests.aqi.test_tables import HJ633_2012

T2012 = table_for(standard="2012")
T2026 = table_for(standard="2026")
LEVELS = (0, 50, 100, 150, 200, 300, 400, 500)
PM25_2012 = (0, 35, 75, 115, 150, 250, 350, 500)


def by_hand(c: str, bps=PM25_2012) -> int:
    """The formula of HJ 633 in exact decimal arithmetic, from the DOMAIN table (not from config)."""
    x = Fraction(c)
    for i in range(1, len(bps)):
        if x <= bps[i]:
            return math.ceil(Fraction(LEVELS[i] - LEVELS[i - 1], bps[i] - bps[i - 1]) * (x - bps[i - 1]) + LEVELS[i - 1])
    raise ValueError


@pytest.mark.parametrize(
    "row, c, expected",
    [
        ("pm25_24h", 0, 0),
        ("pm25_24h", 0.1, 1),  # 50/35 × 0.1 = 0.14 -> 1
        ("pm25_24h", 35, 50),  # breakpoints map exactly to their column
        ("pm25_24h", 75, 100),
        ("pm25_24h", 115, 150),
        ("pm25_24h", 116, 152),  # 150 + 1 × 50/35 = 151.43 -> 152
        ("pm25_24h", 115.7, 151),  # 150 + 0.7 × 50/35 = 151 exactly (float arithmetic would give 151.00000000000003 -> 152)
        ("pm25_24h", 150, 200),
        ("pm25_24h", 151, 201),  # 200 + 1 × 100/100
        ("pm25_24h", 250, 300),
        ("pm25_24h", 500, 500),
        ("pm10_24h", 150, 100),
        ("pm10_24h", 151, 101),  # 100 + 1 × 50/100 = 100.5 -> 101
        ("pm10_24h", 600, 500),
        ("so2_24h", 150, 100),
        ("so2_24h", 475, 150),  # the 24-h row (the 1-h row has 650 at IAQI 150)
        ("so2_24h", 500, 154),  # 150 + 25 × 50/325 = 153.85 -> 154
        ("so2_24h", 2620, 500),
        ("so2_1h", 500, 100),
        ("no2_24h", 81, 101),  # 100 + 1 × 50/100 = 100.5 -> 101
        ("no2_1h", 250, 105),  # 100 + 50 × 50/500 = 105
        ("co_24h", 4, 100),
        ("co_24h", 4.1, 101),  # 100 + 0.1 × 50/10 = 100.5 -> 101
        ("co_24h", 14, 150),
        ("co_1h", 12, 104),  # 100 + 2 × 50/25 = 104
        ("o3_8h", 160, 100),
        ("o3_8h", 215, 150),
        ("o3_8h", 800, 300),
        ("o3_1h", 200, 100),
        ("o3_1h", 900, 350),  # 300 + 100 × 100/200
    ],
)
def test_iaqi_on_the_2012_table(row, c, expected):
    assert iaqi(c, row, T2012).value == expected


@pytest.mark.parametrize("row", sorted(HJ633_2012))
def test_every_row_follows_the_formula_on_a_fine_grid(row):
    """Against an independent exact computation on the DOMAIN table, one decimal place apart."""
    bps = HJ633_2012[row]
    step = Fraction(bps[-1], 1000)
    for k in range(0, 1001):
        c = f"{float(step * k):.1f}"
        assert iaqi(float(c), row, T2012).value == by_hand(c, bps), (row, c)


def test_above_the_top_breakpoint_caps_at_500_and_flags():
    assert iaqi(600, "pm25_24h", T2012).value == 500 and iaqi(600, "pm25_24h", T2012).beyond_table
    assert iaqi(3000, "so2_24h", T2012).beyond_table and iaqi(1300, "o3_1h", T2012).value == 500
    assert not iaqi(500, "pm25_24h", T2012).beyond_table
    r = daily_aqi({"pm25": 620, "pm10": 100}, T2012)
    assert r.aqi == 500 and r.beyond_table == ("pm25",) and r.primary_pollutants == ("pm25",)


def test_primary_pollutants_list_every_tie():
    r = daily_aqi({"pm25": 75, "pm10": 150, "no2": 40}, T2012)  # 100, 100, 50
    assert r.aqi == 100 and r.primary_pollutants == ("pm25", "pm10") and r.iaqi == {"pm25": 100, "pm10": 100, "no2": 50}
    r = daily_aqi({"o3_8h": 215, "pm25": 115}, T2012)  # 150 and 150
    assert set(r.primary_pollutants) == {"o3_8h", "pm25"} and set(r.primary_species) == {"o3", "pm25"}


def test_no_primary_pollutant_at_aqi_50_or_below():
    assert daily_aqi({"pm25": 30}, T2012).primary_pollutants == ()  # 50 × 30/35 = 42.9 -> 43
    assert daily_aqi({"pm25": 30}, T2012).aqi == 43
    r = daily_aqi({"pm25": 35, "pm10": 50}, T2012)  # AQI exactly 50: not above 50
    assert r.aqi == 50 and r.primary_pollutants == ()
    r = daily_aqi({"pm25": 35.1, "pm10": 50}, T2012)  # 50 + 0.1 × 50/40 = 50.125 -> 51
    assert r.aqi == 51 and r.primary_pollutants == ("pm25",)


def test_o3_8h_above_800_is_not_used_the_1h_value_is():
    r = daily_aqi({"o3_8h": 850, "o3_1h": 900}, T2012)
    assert r.not_used == ("o3_8h",) and "o3_8h" not in r.iaqi
    assert r.iaqi == {"o3_1h": 350} and r.aqi == 350 and r.primary_pollutants == ("o3_1h",)
    r = daily_aqi({"o3_8h": 801, "o3_1h": 200, "pm25": 50}, T2012)  # o3_1h 100; pm25 50 + 15 × 50/40 = 68.75 -> 69
    assert r.aqi == 100 and r.iaqi == {"pm25": 69, "o3_1h": 100}
    with pytest.raises(AqiInputError, match="give o3_1h"):
        daily_aqi({"o3_8h": 850}, T2012)


def test_so2_1h_above_800_is_not_used_the_24h_value_is():
    # real-time report: SO2 1-h 900 is not graded; the 24-h value 700 is: 150 + 225 × 50/325 = 184.6 -> 185
    r = hourly_aqi({"so2_1h": 900, "so2_24h": 700, "pm25": 50}, T2012)
    assert r.not_used == ("so2_1h",) and r.iaqi["so2_24h"] == 185 and r.aqi == 185
    assert r.primary_pollutants == ("so2_24h",) and r.primary_species == ("so2",)
    # at or below 800 the 1-h row is used and the 24-h value is not graded at all
    r = hourly_aqi({"so2_1h": 800, "so2_24h": 700}, T2012)
    assert r.iaqi == {"so2_1h": 200}
    with pytest.raises(AqiInputError, match="give so2_24h"):
        hourly_aqi({"so2_1h": 900}, T2012)


def test_table_by_date_moves_pm_grades():
    # 2012: PM2.5 75 -> 100, PM10 120 -> 50 + 70 × 50/100 = 85
    r = daily_aqi({"pm25": 75, "pm10": 120}, table_for(date(2026, 2, 28)))
    assert r.standard == "HJ 633-2012" and r.iaqi == {"pm25": 100, "pm10": 85} and r.to_verify == ()
    # 2026 (confirmed since issue 14): PM2.5 75 -> 100 + 15 × 50/55 = 113.6 -> 114; PM10 120 -> 100; PM2.5 60 -> 100
    r = daily_aqi({"pm25": 75, "pm10": 120}, table_for(date(2026, 3, 1)))
    assert r.standard == "HJ 633-2026" and r.iaqi == {"pm25": 114, "pm10": 100} and r.to_verify == ()
    assert daily_aqi({"pm25": 60}, T2026).aqi == 100
    # rows outside PM are the same in both tables: NO2 81 -> 101
    assert daily_aqi({"no2": 81}, T2026).iaqi == {"no2": 101} and daily_aqi({"no2": 81}, T2026).to_verify == ()


@pytest.mark.parametrize(
    "values, message",
    [
        ({"pm25": -1}, "negative"),
        ({"pm25": "12"}, "expected a number"),
        ({"pm25": True}, "expected a number"),
        ({"pm25": float("nan")}, "not a concentration"),
        ({"pm2.5": 10}, "unknown pollutant key"),
        ({}, "no pollutant given"),
        ({"pm25": None}, "no pollutant given"),
    ],
)
def test_bad_values_are_refused(values, message):
    with pytest.raises(AqiInputError, match=message):
        daily_aqi(values, T2012)
