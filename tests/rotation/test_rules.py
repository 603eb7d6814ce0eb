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
    assert (r.daily_stop_share_min, r.daily_stop_share_max) == (pol.daily_stop_share_min, pol.daily_stop_share_max)
    assert r.season_window("2026-2027") == (date(2026, 11, 15), date(2027, 3, 15))


def test_province_windows_and_industries():
    shanxi = rules_from_policy(load_policy("shanxi"))
    assert "coking" in shanxi.industries and shanxi.season_window("2026-2027") == (date(2026, 11, 15), date(2027, 3, 15))
    shaanxi = rules_from_policy(load_policy("陕西省"))
    assert shaanxi.season_window("2026-2027") == (date(2026, 12, 1), date(2027, 3, 10))
    assert shaanxi.industries == ["foundry", "ceramics", "brick", "lime"]


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
