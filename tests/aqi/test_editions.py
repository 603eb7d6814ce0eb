"""HJ 633-2012 and HJ 633-2026 as editions: breakpoints, item sets, above-top notes, rounding,
AQI range and NA. Every expected value is worked out by hand from DOMAIN §3 (shown in comments)."""

from datetime import date

import pytest

from config.aqi_tables import table_for
from emergency.aqi.errors import AqiInputError
from emergency.aqi.index import daily_aqi, hourly_aqi, iaqi
from tests.aqi.test_tables import HJ633_2012, HJ633_2026

T2012 = table_for(standard="2012")
T2026 = table_for(standard="2026")
LEVELS = (0, 50, 100, 150, 200, 300, 400, 500)


def _breakpoints(table):
    for row, bps in table.items():
        for bp, level in zip(bps, LEVELS):
            yield row, bp, level


@pytest.mark.parametrize("row, bp, level", list(_breakpoints(HJ633_2012)))
def test_every_2012_breakpoint_maps_to_its_column(row, bp, level):
    assert iaqi(bp, row, T2012).value == level


@pytest.mark.parametrize("row, bp, level", list(_breakpoints(HJ633_2026)))
def test_every_2026_breakpoint_maps_to_its_column(row, bp, level):
    assert iaqi(bp, row, T2026).value == level


# between breakpoints, by hand: IAQI_lo + (C − BP_lo) × ΔIAQI / ΔBP, rounded up
BETWEEN_BOTH = [
    ("so2_24h", 100, 75),  # 50 + 50 × 50/100
    ("so2_24h", 1000, 225),  # 200 + 200 × 100/800
    ("so2_24h", 1850, 350),  # 300 + 250 × 100/500
    ("so2_1h", 325, 75),  # 50 + 175 × 50/350
    ("so2_1h", 575, 125),  # 100 + 75 × 50/150
    ("so2_1h", 700, 167),  # 150 + 50 × 50/150 = 166.7
    ("no2_24h", 60, 75),  # 50 + 20 × 50/40
    ("no2_24h", 130, 125),  # 100 + 50 × 50/100
    ("no2_24h", 422.5, 250),  # 200 + 142.5 × 100/285
    ("no2_1h", 450, 125),  # 100 + 250 × 50/500
    ("no2_1h", 1770, 250),  # 200 + 570 × 100/1140
    ("co_24h", 1, 25),  # 1 × 50/2
    ("co_24h", 9, 125),  # 100 + 5 × 50/10
    ("co_24h", 30, 250),  # 200 + 6 × 100/12
    ("co_1h", 7.5, 75),  # 50 + 2.5 × 50/5
    ("co_1h", 22.5, 125),  # 100 + 12.5 × 50/25
    ("co_1h", 75, 250),  # 200 + 15 × 100/30
    ("o3_1h", 180, 75),  # 50 + 20 × 50/40
    ("o3_1h", 600, 250),  # 200 + 200 × 100/400
    ("o3_1h", 1100, 450),  # 400 + 100 × 100/200
    ("o3_8h", 130, 75),  # 50 + 30 × 50/60
    ("o3_8h", 187.5, 125),  # 100 + 27.5 × 50/55
    ("o3_8h", 532.5, 250),  # 200 + 267.5 × 100/535
    ("pm25_24h", 116, 152),  # 150 + 1 × 50/35 = 151.4 (same above 115 in both)
    ("pm25_24h", 200, 250),  # 200 + 50 × 100/100
    ("pm10_24h", 300, 175),  # 150 + 50 × 50/100
    ("pm10_24h", 460, 350),  # 300 + 40 × 100/80
]


@pytest.mark.parametrize("row, c, expected", BETWEEN_BOTH)
@pytest.mark.parametrize("table", [T2012, T2026], ids=["2012", "2026"])
def test_between_breakpoints_in_both_editions(table, row, c, expected):
    assert iaqi(c, row, table).value == expected


@pytest.mark.parametrize(
    "row, c, in_2012, in_2026",
    [
        ("pm25_24h", 50, 69, 80),  # 2012: 50 + 15 × 50/40 = 68.75; 2026: 50 + 15 × 50/25
        ("pm25_24h", 61, 83, 101),  # 2012: 50 + 26 × 50/40 = 82.5; 2026: 100 + 1 × 50/55 = 100.9
        ("pm25_24h", 87.5, 116, 125),  # 2012: 100 + 12.5 × 50/40 = 115.6; 2026: 100 + 27.5 × 50/55
        ("pm10_24h", 85, 68, 75),  # 2012: 50 + 35 × 50/100 = 67.5; 2026: 50 + 35 × 50/70
        ("pm10_24h", 121, 86, 101),  # 2012: 50 + 71 × 50/100 = 85.5; 2026: 100 + 1 × 50/130 = 100.4
        ("pm10_24h", 185, 118, 125),  # 2012: 100 + 35 × 50/100 = 117.5; 2026: 100 + 65 × 50/130
    ],
)
def test_pm_rows_differ_between_the_editions(row, c, in_2012, in_2026):
    assert (iaqi(c, row, T2012).value, iaqi(c, row, T2026).value) == (in_2012, in_2026)


# a full 2026 daily report (so no NA): PM2.5 50 -> 80, PM10 60 -> 50 + 10 × 50/70 = 57.1 -> 58,
# SO2 10 -> 10, NO2 30 -> 37.5 -> 38, CO 0.8 -> 20, O3 8-h 120 -> 50 + 20 × 50/60 = 66.7 -> 67
DAY = {"pm25": 50, "pm10": 60, "so2": 10, "no2": 30, "co": 0.8, "o3_8h": 120}


def test_2026_daily_report_has_no_o3_1h_item():
    r = daily_aqi({**DAY, "o3_1h": 900}, T2026)
    assert r.aqi == 80 and r.primary_pollutants == ("pm25",) and r.ignored == ("o3_1h",) and "o3_1h" not in r.iaqi
    assert r.iaqi == {"pm25": 80, "pm10": 58, "so2": 10, "no2": 38, "co": 20, "o3_8h": 67} and not r.na
    # the same day under 2012: the 1-h spike is an item: 300 + 100 × 100/200 = 350
    r = daily_aqi({**DAY, "o3_1h": 900}, T2012)
    assert r.aqi == 350 and r.primary_pollutants == ("o3_1h",) and r.ignored == ()


def test_2026_note_c_o3_8h_above_800_counts_300():
    r = daily_aqi({**DAY, "o3_8h": 850}, T2026)
    assert r.iaqi["o3_8h"] == 300 and r.aqi == 300 and r.above_top == ("o3_8h",) and r.primary_pollutants == ("o3_8h",)
    assert r.not_used == ()
    r = daily_aqi({"o3_8h": 801}, T2026)  # no 1-h value needed; the others missing, but 300 > 100 is published
    assert r.aqi == 300 and not r.na and r.as_dict()["aqi"] == 300
    # 2012 has no such note: the 1-h value is reported instead, and is needed
    with pytest.raises(AqiInputError, match="give o3_1h"):
        daily_aqi({"o3_8h": 801}, T2012)
    assert daily_aqi({"o3_8h": 850, "o3_1h": 900}, T2012).aqi == 350


def test_2026_note_b_so2_1h_above_800_counts_200():
    hour = {"pm25_1h": 50, "pm10_1h": 60, "no2_1h": 100, "co_1h": 5, "o3_1h": 160}
    r = hourly_aqi({**hour, "so2_1h": 900}, T2026)
    assert r.iaqi["so2_1h"] == 200 and r.aqi == 200 and r.above_top == ("so2_1h",) and r.primary_pollutants == ("so2_1h",)
    assert iaqi(5000, "so2_1h", T2026).value == 200 and iaqi(800, "so2_1h", T2026).value == 200
    assert iaqi(801, "so2_1h", T2026).above_top and not iaqi(800, "so2_1h", T2026).above_top
    with pytest.raises(AqiInputError, match="give so2_24h"):  # 2012: the 24-h value instead
        hourly_aqi({"so2_1h": 900}, T2012)


def test_2026_realtime_report_grades_six_1h_means_pm_on_the_daily_rows():
    # PM2.5 1-h 116 -> 152; PM10 1-h 100 -> 50 + 50 × 50/70 = 85.7 -> 86; SO2 1-h 100 -> 100 × 50/150 = 33.3 -> 34;
    # NO2 1-h 100 -> 50; CO 1-h 5 -> 50; O3 1-h 160 -> 50
    hour = {"pm25_1h": 116, "pm10_1h": 100, "so2_1h": 100, "no2_1h": 100, "co_1h": 5, "o3_1h": 160}
    r = hourly_aqi(hour, T2026)
    assert r.iaqi == {"pm25_1h": 152, "pm10_1h": 86, "so2_1h": 34, "no2_1h": 50, "co_1h": 50, "o3_1h": 50}
    assert r.aqi == 152 and r.primary_pollutants == ("pm25_1h",) and r.primary_species == ("pm25",)
    # an O3 8-h moving mean or a PM 24-h moving mean is not an item of the 2026 real-time report
    r = hourly_aqi({**hour, "o3_8h": 900, "pm25": 300}, T2026)
    assert r.aqi == 152 and set(r.ignored) == {"o3_8h", "pm25"}
    # ... but it is of the 2012 one, which does not know pm25_1h: O3 8-h 250 -> 150 + 35 × 50/50 = 185
    r = hourly_aqi({"o3_8h": 250, "pm25_1h": 300}, T2012)
    assert r.iaqi == {"o3_8h": 185} and r.ignored == ("pm25_1h",)
    with pytest.raises(AqiInputError, match="unknown pollutant key"):
        hourly_aqi({"pm2.5": 10}, T2026)


@pytest.mark.parametrize(
    "key, c, in_2026, in_2012",
    [
        ("pm25", 60.4, 100, 82),  # 2026: 60; 2012 as given: 50 + 25.4 × 50/40 = 81.75
        ("pm25", 60.5, 100, 82),  # half to even: 60.5 -> 60; 2012: 50 + 25.5 × 50/40 = 81.9
        ("pm25", 61.5, 102, 84),  # 61.5 -> 62: 100 + 2 × 50/55 = 101.8; 2012: 50 + 26.5 × 50/40 = 83.1
        ("pm10", 120.4, 100, 86),  # 120; 2012: 50 + 70.4 × 50/100 = 85.2
        ("so2", 150.5, 100, 101),  # 150 (0 even); 2012: 100 + 0.5 × 50/325 = 100.08
        ("so2", 151.5, 101, 101),  # 152: 100 + 2 × 50/325 = 100.3
        ("no2", 80.4, 100, 101),  # 80; 2012: 100 + 0.4 × 50/100 = 100.2
        ("o3_8h", 160.5, 100, 101),  # 160; 2012: 100 + 0.5 × 50/55 = 100.45
        ("co", 4.05, 100, 101),  # one decimal, half to even: 4.0; 2012: 100 + 0.05 × 5 = 100.25
        ("co", 4.15, 101, 101),  # 4.2: 100 + 0.2 × 5
        ("co", 4.04, 100, 101),  # 4.0
    ],
)
def test_2026_rounds_concentrations_before_grading(key, c, in_2026, in_2012):
    assert daily_aqi({key: c}, T2026).iaqi[key] == in_2026
    assert daily_aqi({key: c}, T2012).iaqi[key] == in_2012


def test_2026_rounds_realtime_values_too():
    assert hourly_aqi({"so2_1h": 800.4}, T2026).iaqi == {"so2_1h": 200}  # 800, on the row, not above it
    assert not hourly_aqi({"so2_1h": 800.4}, T2026).above_top
    assert hourly_aqi({"co_1h": 10.04}, T2026).iaqi == {"co_1h": 100}  # 10.0


def test_2026_aqi_ranges_from_1():
    zero = dict.fromkeys(DAY, 0)
    assert daily_aqi(zero, T2026).aqi == 1 and daily_aqi(zero, T2026).primary_pollutants == ()
    assert daily_aqi(zero, T2012).aqi == 0
    assert daily_aqi({**zero, "pm25": 0.4}, T2026).aqi == 1  # 0.4 rounds to 0


def test_2026_na_when_a_pollutant_is_missing_and_aqi_not_above_100():
    r = daily_aqi({k: v for k, v in DAY.items() if k != "co"}, T2026)
    assert r.na and r.missing == ("co",) and r.aqi == 80
    assert r.as_dict()["aqi"] == "NA" and r.as_dict()["primary_pollutants"] == [] and r.as_dict()["missing"] == ["co"]
    r = daily_aqi({"pm25": 60}, T2026)  # exactly 100: not above 100
    assert r.na and r.as_dict()["aqi"] == "NA"
    r = daily_aqi({"pm25": 61}, T2026)  # 101: published although five items are missing
    assert not r.na and r.as_dict()["aqi"] == 101 and r.as_dict()["missing"] == ["pm10", "so2", "no2", "co", "o3_8h"]
    r = daily_aqi({**DAY, "co": None}, T2026)  # null = not measured = missing
    assert r.na and r.missing == ("co",)
    # real-time report: the six 1-h means
    r = hourly_aqi({"pm25_1h": 50}, T2026)
    assert r.na and len(r.missing) == 5
    # 2012 has no NA rule: the AQI of the items given
    r = daily_aqi({"pm25": 60}, T2012)
    assert not r.na and r.missing == () and r.as_dict()["aqi"] == 82 and "missing" not in r.as_dict()


def test_edition_switch_day():
    assert table_for(date(2026, 2, 28)).daily.keys == ("pm25", "pm10", "so2", "no2", "co", "o3_8h", "o3_1h")
    assert "o3_1h" not in table_for(date(2026, 3, 1)).daily.keys
