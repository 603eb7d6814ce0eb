"""The HJ 633 tables in config/aqi/ against DOMAIN §3 (typed in here by hand), and their loader."""

from datetime import date

import pytest

from config.aqi_tables import load_aqi_tables, load_averaging_rules, table_for
from config.common import Confidence
from emergency.errors import PolicyError

# DOMAIN.md §3, HJ 633-2012 表1 (µg/m³; CO mg/m³)
HJ633_2012 = {
    "so2_24h": [0, 50, 150, 475, 800, 1600, 2100, 2620],
    "so2_1h": [0, 150, 500, 650, 800],
    "no2_24h": [0, 40, 80, 180, 280, 565, 750, 940],
    "no2_1h": [0, 100, 200, 700, 1200, 2340, 3090, 3840],
    "pm10_24h": [0, 50, 150, 250, 350, 420, 500, 600],
    "co_24h": [0, 2, 4, 14, 24, 36, 48, 60],
    "co_1h": [0, 5, 10, 35, 60, 90, 120, 150],
    "o3_1h": [0, 160, 200, 300, 400, 800, 1000, 1200],
    "o3_8h": [0, 100, 160, 215, 265, 800],
    "pm25_24h": [0, 35, 75, 115, 150, 250, 350, 500],
}


def test_2012_table_is_domain_table():
    t = table_for(standard="2012")
    assert t.name == "HJ 633-2012" and t.iaqi == [0, 50, 100, 150, 200, 300, 400, 500]
    assert {k: r.breakpoints for k, r in t.rows.items()} == HJ633_2012
    assert t.rows["so2_1h"].above_top_use == "so2_24h" and t.rows["o3_8h"].above_top_use == "o3_1h"
    assert t.rows["co_24h"].unit == "mg/m³" and t.rows["pm25_24h"].unit == "µg/m³"
    assert all(t.row_confidence(k) is Confidence.CONFIRMED for k in t.rows)


# DOMAIN.md §3, HJ 633-2026 表3: table 1 except the IAQI-100 point of PM2.5 (75 -> 60) and PM10 (150 -> 120)
HJ633_2026 = dict(HJ633_2012, pm25_24h=[0, 35, 60, 115, 150, 250, 350, 500], pm10_24h=[0, 50, 120, 250, 350, 420, 500, 600])


def test_2012_edition_reports_and_dates():
    t = table_for(standard="2012")
    assert (t.issued, t.valid_from) == (date(2012, 2, 29), date(2016, 1, 1))
    assert set(t.daily.items) == {"pm25", "pm10", "so2", "no2", "co", "o3_8h", "o3_1h"}  # 5.1.2: 7 items
    assert t.daily.items["so2"] == "so2_24h" and t.daily.items["o3_1h"] == "o3_1h"
    assert t.aqi_min == 0 and t.na_at_or_below is None and t.rounding is None


def test_2026_table_is_its_own_edition_all_confirmed():
    t = table_for(standard="2026")
    assert t.name == "HJ 633-2026" and (t.issued, t.valid_from) == (date(2026, 2, 14), date(2026, 3, 1))
    assert {k: r.breakpoints for k, r in t.rows.items()} == HJ633_2026
    assert all(t.row_confidence(k) is Confidence.CONFIRMED for k in t.rows)
    # 注 b / 注 c: fixed IAQI above 800, no fall-back to another row
    assert (t.rows["so2_1h"].above_top_iaqi, t.rows["so2_1h"].above_top_use) == (200, None)
    assert (t.rows["o3_8h"].above_top_iaqi, t.rows["o3_8h"].above_top_use) == (300, None)
    # 4.2.2: 6 daily items, no O3 1-h item
    assert t.daily.items == {"pm25": "pm25_24h", "pm10": "pm10_24h", "so2": "so2_24h", "no2": "no2_24h", "co": "co_24h", "o3_8h": "o3_8h"}
    # 4.2.3 / 4.2.4: the six 1-h means, PM on the daily rows
    assert t.realtime.items == {
        "pm25_1h": "pm25_24h", "pm10_1h": "pm10_24h", "so2_1h": "so2_1h", "no2_1h": "no2_1h", "co_1h": "co_1h", "o3_1h": "o3_1h",
    }
    assert t.realtime.fallback_only == {}
    assert t.aqi_min == 1 and t.na_at_or_below == 100
    assert t.rounding is not None and t.rounding.method == "half_even"
    assert t.rounding.decimals == {"pm25": 0, "pm10": 0, "so2": 0, "no2": 0, "o3": 0, "co": 1}


@pytest.mark.parametrize(
    "day, name",
    [
        (date(2025, 12, 31), "HJ 633-2012"),
        (date(2026, 2, 28), "HJ 633-2012"),
        (date(2026, 3, 1), "HJ 633-2026"),
        (date(2027, 1, 1), "HJ 633-2026"),
        (date(2016, 1, 1), "HJ 633-2012"),
        (date(2010, 1, 1), "HJ 633-2012"),  # before any table: the oldest
    ],
)
def test_table_chosen_by_the_date_of_the_data(day, name):
    assert table_for(day).name == name


def test_a_forced_standard_wins_over_the_date():
    assert table_for(date(2025, 1, 1), "2026").name == "HJ 633-2026"
    assert table_for(date(2026, 6, 1), "HJ 633-2012").name == "HJ 633-2012"
    with pytest.raises(PolicyError, match="unknown AQI standard '2030'"):
        table_for(date(2026, 6, 1), "2030")


def test_averaging_rules():
    rules = load_averaging_rules()
    assert (rules.min_hours_24h, rules.min_hours_8h, rules.min_8h_means_daily) == (20, 6, 14)
    assert rules.rounding.decimals["co"] == 1 and rules.rounding.decimals["pm25"] == 0


def _policy_dir(tmp_path, **files):
    (tmp_path / "aqi").mkdir()
    for name, text in files.items():
        (tmp_path / "aqi" / f"{name}.toml").write_text(text, encoding="utf-8")
    return tmp_path


HEAD = (
    'name = "HJ 633-2099"\nissued = 2099-01-01\nvalid_from = 2099-01-01\nsource = "test"\nconfidence = "confirmed"\n'
    'iaqi = [0, 50, 100]\n'
)


def _edition(rows: str, daily: str = 'so2 = "so2_1h"', realtime: str = 'so2_1h = "so2_1h"') -> str:
    return HEAD + f'[daily]\nclause = "t"\nitems = {{ {daily} }}\n[realtime]\nclause = "t"\nitems = {{ {realtime} }}\n' + rows


SO2_1H = '[rows.so2_1h]\npollutant = "so2"\naveraging = "1h"\nunit = "µg/m³"\nbreakpoints = [0, 150]\n'


def test_a_row_stopping_short_must_say_what_is_above_it(tmp_path):
    d = _policy_dir(tmp_path, hj633_2099=_edition(SO2_1H))
    with pytest.raises(PolicyError, match=r"hj633_2099.toml -> .*rows.so2_1h: stops below IAQI 100"):
        load_aqi_tables(d)


def test_a_fixed_iaqi_above_the_top_loads(tmp_path):
    d = _policy_dir(tmp_path, hj633_2099=_edition(SO2_1H + "above_top_iaqi = 100\n"))
    (t,) = load_aqi_tables(d)
    assert t.rows["so2_1h"].above_top_iaqi == 100


def test_both_above_top_rules_are_refused(tmp_path):
    d = _policy_dir(tmp_path, hj633_2099=_edition(SO2_1H + 'above_top_iaqi = 100\nabove_top_use = "so2_1h"\n'))
    with pytest.raises(PolicyError, match="not both"):
        load_aqi_tables(d)


def test_a_report_item_on_a_missing_row_is_refused(tmp_path):
    d = _policy_dir(tmp_path, hj633_2099=_edition(SO2_1H + "above_top_iaqi = 100\n", daily='so2 = "so2_24h"'))
    with pytest.raises(PolicyError, match=r"daily.so2: no row 'so2_24h'"):
        load_aqi_tables(d)


def test_decreasing_breakpoints_and_wrong_unit_are_refused(tmp_path):
    rows = '[rows.co_24h]\npollutant = "co"\naveraging = "24h"\nunit = "µg/m³"\nbreakpoints = [0, 4, 2]\n'
    d = _policy_dir(tmp_path, hj633_2099=_edition(rows, 'co = "co_24h"', 'co = "co_24h"'))
    with pytest.raises(PolicyError) as err:
        load_aqi_tables(d)
    assert "rows.co_24h" in err.value.message and "breakpoints must increase" in err.value.message


def test_an_edition_cannot_be_derived_from_another(tmp_path):
    d = _policy_dir(tmp_path, hj633_2099='based_on = "hj633_2012"\n' + _edition(SO2_1H + "above_top_iaqi = 100\n"))
    with pytest.raises(PolicyError, match="based_on"):
        load_aqi_tables(d)
