"""Rotation rules as the seeds and plans write them (DOMAIN §6, §9), on hand-built lists:
expected roles, quotas and make-up days worked out by hand from the texts; calendars
verified by the independent checker."""

from __future__ import annotations

from config.policy import load_policy
from emergency.rotation.problem import Role, build_problem
from emergency.rotation.rules import Livelihood, RotationRules
from emergency.rotation.service import plan_season
from tests.rotation.checker import check_calendar
from tests.rotation.factory import firm, tables, uscc

SEASON = "2026-2027"
# 12-01 … 01-29: 60 days
BASE = dict(window_start="12-01", window_end="01-29", industries=["brick"],
            stop_days={"D": "whole", "C": 15, "B": 10}, min_block_days=5)


def roles(p):
    return {u: (Role(int(r)), int(q), int(m), why) for u, r, q, m, why in zip(p.uscc, p.role, p.quota, p.makeup_days, p.reason)}


def test_livelihood_lines_run_at_max_load_and_owe_seventy_percent_later():
    """Shanxi cement 2018–19: livelihood lines run at the verified maximum load through the
    window and make up 70 % of the stop days they skipped: C (15 days) → ceil(10.5) = 11,
    D (the whole 60-day window) → 42."""
    r = RotationRules(**BASE, livelihood=Livelihood(treatment="max_load_makeup", makeup_share=0.7))
    firms = [firm("1", grade="C", essential="民生保障", approved_load=0.8), firm("2", grade="D", essential="民生保障"),
             firm("3", grade="C"), firm("4", grade="C"), firm("5", grade="C")]
    t = tables(firms)
    by = roles(build_problem(t, r, SEASON))
    assert by[uscc("1")][:3] == (Role.LIVELIHOOD, 0, 11) and "最大负荷80%" in by[uscc("1")][3]
    assert by[uscc("2")][:3] == (Role.LIVELIHOOD, 0, 42)
    run = plan_season(t, SEASON, rules=r, time_limit=5)
    assert run.result.feasible and check_calendar(t, r, run.document) == []
    recs = {x["uscc"]: x for x in run.document["lines"]}
    assert recs[uscc("1")]["blocks"] == [] and recs[uscc("1")]["makeup_days"] == 11 and recs[uscc("1")]["max_load"] == 0.8
    assert run.document["summary"]["livelihood"] == 2 and run.document["summary"]["makeup_days"] == 53


def test_shift_moves_every_stop_day_out_of_the_window():
    r = RotationRules(**BASE, livelihood=Livelihood(treatment="shift", makeup_share=1.0))
    by = roles(build_problem(tables([firm("1", grade="B", essential="民生保障")]), r, SEASON))
    assert by[uscc("1")][:3] == (Role.LIVELIHOOD, 0, 10) and "错峰置换" in by[uscc("1")][3]


def test_jinzhong_brick_b_is_exempt_and_its_foundry_b_rotates():
    """Jinzhong 2020–21 (DOMAIN §9): brick A/B/B-/引领性 exempt, C rotates, D stops the whole
    window; B of other industries rotates (DOMAIN §6)."""
    from emergency.rotation.rules import rules_from_policy

    r = rules_from_policy(load_policy("shanxi/jinzhong"), window_start="12-01", window_end="01-29")
    firms = [firm("1", grade="B"), firm("2", grade="B-"), firm("3", grade="C"), firm("4", grade="D"),
             firm("5", grade="B", industry="foundry", unit="吨/日"), firm("6", grade="C", industry="foundry", unit="吨/日")]
    t = tables(firms, city="晋中市")
    by = roles(build_problem(t, r, SEASON))
    assert by[uscc("1")][0] == Role.EXEMPT and "晋中" in by[uscc("1")][3]
    assert by[uscc("2")][0] == Role.EXEMPT
    assert by[uscc("3")][:2] == (Role.ROTATE, r.stop_days["C"])
    assert by[uscc("4")][0] == Role.WHOLE
    assert by[uscc("5")][:2] == (Role.ROTATE, r.stop_days["B"])
    run = plan_season(t, SEASON, rules=r, time_limit=5)
    assert run.result.feasible and check_calendar(t, r, run.document) == []


def test_a_band_binds_only_groups_with_enough_lines():
    """A hard band set by a text binds a county group only when it has at least
    ``share_min_lines`` lines that can stop: 甲县 has 4, 乙县 one (which cannot be held to
    a 20–60 % band on any day: its one line is 100 % of the county)."""
    r = RotationRules(**BASE, daily_stop_share_min=0.2, daily_stop_share_max=0.6, share_areas=["county"],
                      share_min_lines=3, band_source="某市文件")
    firms = [firm(str(i), county="甲县") for i in range(1, 5)] + [firm("9", county="乙县")]
    t = tables(firms)
    p = build_problem(t, r, SEASON)
    banded = {g.area: g.banded for g in p.groups if g.scope == "county"}
    assert banded == {"甲县": True, "乙县": False}
    run = plan_season(t, SEASON, rules=r, time_limit=5)
    assert run.result.feasible and check_calendar(t, r, run.document) == []
