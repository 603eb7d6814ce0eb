"""Rotation rules come from the area's effective policy (config/), not from code."""

from datetime import date

import pytest
from pydantic import ValidationError

from config.policy import load_policy
from emergency.rotation.rules import PeriodMinimum, RotationRules, parse_season, rules_from_policy, season_window


def test_national_rules_from_policy():
    r = rules_from_policy(load_policy(None))
    pol = load_policy(None).rotation
    assert r.industries == pol.industries and r.min_block_days == pol.min_block_days
    assert r.stop_days["D"] == "whole" and r.stop_days["C"] == pol.stop_days["C"]
    assert set(r.exempt_grades) == {"A+", "A", "引领性"}
    # no text read sets a daily stopped-share band: none is in force, the spread is a soft preference
    assert pol.daily_band is None and not r.has_band
    assert (r.daily_stop_share_min, r.daily_stop_share_max) == (0.0, 1.0)
    assert r.weights.balance == pol.spread.weight > 0 and pol.spread.confidence.value == "project"
    # an uninterruptible process is no exemption (seed 001 (六), seed 002 item 12)
    assert "安全生产不可中断" not in r.exempt_essential and "exempt_uninterruptible" not in RotationRules.model_fields
    assert r.season_window("2026-2027") == (date(2026, 11, 15), date(2027, 3, 15))


def test_province_windows_and_industries():
    shanxi = rules_from_policy(load_policy("shanxi"))
    assert shanxi.season_window("2026-2027") == (date(2026, 11, 15), date(2027, 3, 15))
    # Shanxi: steel, coking, alumina, foundry, coal chemicals, brick, refractory, ceramics, lime, clinker (DOMAIN §6)
    assert {"coking", "alumina", "coal_chemical", "cement"} <= set(shanxi.industries)
    shaanxi = rules_from_policy(load_policy("陕西省"))
    # Guanzhong 2018: 11-15 – 03-15; no source was found for 12-01 – 03-10
    assert shaanxi.season_window("2026-2027") == (date(2026, 11, 15), date(2027, 3, 15))
    # Xianyang: foundry, ceramics, rock wool, brick, lime, secondary aluminium (seed 002 item 12)
    assert set(shaanxi.industries) == {"foundry", "ceramics", "rock_wool", "brick", "lime", "secondary_aluminium"}
    assert rules_from_policy(load_policy("新疆维吾尔自治区")).season_window("2026-2027") == (date(2026, 11, 1), date(2027, 4, 15))
    assert rules_from_policy(load_policy("xinjiang/hotan")).season_window("2026-2027") == (date(2026, 12, 1), date(2027, 2, 28))
    unsourced = load_policy(None).rotation.windows["north_west"]
    assert unsourced.confidence.value == "to_verify" and unsourced.notes and "陕西省" not in unsourced.provinces


def test_jinzhong_exempts_b_from_rotation_for_its_four_industries_only():
    """Jinzhong 2020–21 (DOMAIN §9): brick, ceramics, refractory, lime — A/B/B-/引领性 exempt;
    elsewhere (and for Jinzhong's other industries) B and B- rotate (DOMAIN §6)."""
    jz = rules_from_policy(load_policy("shanxi/jinzhong"))
    for ind in ("brick", "ceramics", "refractory", "lime"):
        assert {"B", "B-"} <= set(jz.exempt_grades_of(ind)), ind
        assert "晋中" in jz.source_of(ind)
    assert "B" not in jz.exempt_grades_of("foundry")
    ty = rules_from_policy(load_policy("shanxi/taiyuan"))
    assert "B" not in ty.exempt_grades_of("brick") and ty.stop_days_of("brick")["B"] == 30


def test_livelihood_treatments_by_locality():
    national = rules_from_policy(load_policy(None))
    assert national.livelihood.treatment == "exempt"
    shanxi = rules_from_policy(load_policy("shanxi"))
    cement = shanxi.livelihood_of("cement")
    assert (cement.treatment, cement.makeup_share) == ("max_load_makeup", 0.7)  # Shanxi cement 2018–19
    assert shanxi.livelihood_of("brick").treatment == "exempt"
    shandong = rules_from_policy(load_policy("山东省"))
    assert (shandong.livelihood.treatment, shandong.livelihood.makeup_share) == ("shift", 1.0)
    assert shandong.yearly_cap_days == 160 and shandong.season_window("2026-2027") == (date(2026, 12, 1), date(2027, 3, 31))


def test_overrides_and_validation():
    r = rules_from_policy(load_policy(None), min_block_days=10, period_minimums=[{"months": [12], "min_days": 5}])
    assert r.min_block_days == 10 and r.period_minimums == [PeriodMinimum(months=[12], min_days=5)]
    with pytest.raises(ValidationError):
        RotationRules(window_start="13-01", window_end="03-15", industries=["brick"], stop_days={})
    with pytest.raises(ValidationError):
        RotationRules(window_start="11-15", window_end="03-15", industries=["brick"], stop_days={},
                      daily_stop_share_min=0.7, daily_stop_share_max=0.6)


def test_seasons():
    assert parse_season("2026-2027") == (2026, 2027) and parse_season("2026—2027") == (2026, 2027)
    for bad in ("2026", "2026-2028", "26-27"):
        with pytest.raises(ValueError):
            parse_season(bad)
    assert season_window("11-01", "03-31", "2027-2028") == (date(2027, 11, 1), date(2028, 3, 31))
    assert season_window("10-01", "09-30", "2026-2027") == (date(2026, 10, 1), date(2027, 9, 30))
