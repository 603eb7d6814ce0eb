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


def test_2026_table_moves_only_the_pm_iaqi_100_point_and_tags_it_to_verify():
    t = table_for(standard="2026")
    assert t.name == "HJ 633-2026" and t.valid_from == date(2026, 3, 1)
    expected = dict(HJ633_2012, pm25_24h=[0, 35, 60, 115, 150, 250, 350, 500], pm10_24h=[0, 50, 120, 250, 350, 420, 500, 600])
    assert {k: r.breakpoints for k, r in t.rows.items()} == expected
    assert t.row_confidence("pm25_24h") is Confidence.TO_VERIFY and t.row_confidence("pm10_24h") is Confidence.TO_VERIFY
    assert t.row_confidence("so2_24h") is Confidence.CONFIRMED


@pytest.mark.parametrize(
    "day, name",
    [
        (date(2025, 12, 31), "HJ 633-2012"),
        (date(2026, 2, 28), "HJ 633-2012"),
        (date(2026, 3, 1), "HJ 633-2026"),
        (date(2027, 1, 1), "HJ 633-2026"),
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


HEAD = 'name = "HJ 633-2099"\nvalid_from = 2099-01-01\nsource = "test"\nconfidence = "confirmed"\niaqi = [0, 50, 100]\n'


def test_a_row_stopping_short_must_name_its_fall_back(tmp_path):
    d = _policy_dir(tmp_path, hj633_2099=HEAD + '[rows.so2_1h]\npollutant = "so2"\naveraging = "1h"\nunit = "µg/m³"\nbreakpoints = [0, 150]\n')
    with pytest.raises(PolicyError, match=r"hj633_2099.toml -> .*rows.so2_1h: stops below IAQI 100"):
        load_aqi_tables(d)


def test_decreasing_breakpoints_and_wrong_unit_are_refused(tmp_path):
    d = _policy_dir(tmp_path, hj633_2099=HEAD + '[rows.co_24h]\npollutant = "co"\naveraging = "24h"\nunit = "µg/m³"\nbreakpoints = [0, 4, 2]\n')
    with pytest.raises(PolicyError) as err:
        load_aqi_tables(d)
    assert "rows.co_24h" in err.value.message and "breakpoints must increase" in err.value.message


def test_based_on_a_missing_table(tmp_path):
    d = _policy_dir(tmp_path, hj633_2099='based_on = "hj633_1999"\n' + HEAD)
    with pytest.raises(PolicyError, match="hj633_1999"):
        load_aqi_tables(d)
