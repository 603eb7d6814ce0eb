"""Hand-built rotation cases: calendars checked by the independent checker, expected
values worked out by hand from the rules, infeasible cases with their explanation."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from emergency.rotation.problem import Role, WarningStop, build_problem
from emergency.rotation.rules import Holiday, PeriodMinimum, Preference, Request, RotationRules, Weights
from emergency.rotation.service import plan_season
from emergency.rotation.solve import solve
from tests.rotation.checker import check_calendar
from tests.rotation.factory import firm, tables, uscc

SEASON = "2026-2027"
# 12-01 … 01-29: 31 + 29 = 60 days
BASE = dict(window_start="12-01", window_end="01-29", industries=["brick"],
            stop_days={"D": "whole", "C": 15, "B": 10}, min_block_days=5)


def rules(**kw) -> RotationRules:
    return RotationRules(**{**BASE, **kw})


def run(firms, r, time_limit=5, **kw):
    t = tables(firms)
    out = plan_season(t, SEASON, rules=r, time_limit=time_limit, **kw)
    return t, out


def stops_of(doc, code, line="L01"):
    rec = next(x for x in doc["lines"] if x["line_id"] == f"{uscc(code)}/{line}")
    ds = set()
    for a, b in rec["blocks"]:
        d = date.fromisoformat(a)
        while d <= date.fromisoformat(b):
            ds.add(d)
            d += timedelta(days=1)
    return ds


def test_window_crosses_the_new_year():
    assert rules().season_window(SEASON) == (date(2026, 12, 1), date(2027, 1, 29))
    shanxi = RotationRules(**{**BASE, "window_start": "11-15", "window_end": "03-15"})
    first, last = shanxi.season_window("2026-2027")
    assert (first, last) == (date(2026, 11, 15), date(2027, 3, 15)) and (last - first).days + 1 == 121


def test_roles_and_reasons_from_the_rules():
    firms = [
        firm("1", grade="A"), firm("2", grade="C", essential="民生保障"), firm("3", grade="B", ultra_low=True),
        firm("4", grade="C", interruptible=False), firm("5", grade="D"), firm("6", grade="C"),
        firm("7", grade="B-"),  # no stop days for B- in these rules
        firm("8", grade="C", industry="foundry", unit="吨/日"),  # not a rotation industry here
        firm("9", grade="D", interruptible=False), firm("10", grade="C", essential="战略性新兴"),
        firm("11", grade="C", essential="安全生产不可中断", interruptible=False),
    ]
    p = build_problem(tables(firms), rules(), SEASON)
    by = {u: (Role(int(r)), why) for u, r, why in zip(p.uscc, p.role, p.reason)}
    assert len(p.line_id) == 10  # the foundry is out of scope
    assert by[uscc("1")][0] == Role.EXEMPT and "A" in by[uscc("1")][1]
    # livelihood lines follow the livelihood rule: exempt by default
    assert by[uscc("2")][0] == Role.EXEMPT and "民生保障" in by[uscc("2")][1]
    assert by[uscc("3")][0] == Role.EXEMPT and "超低排放" in by[uscc("3")][1]
    # rotation exists for lines that cannot stop at short notice (seed 001 (六), seed 002 item 12)
    assert by[uscc("4")][0] == Role.ROTATE and p.quota[p.uscc.index(uscc("4"))] == 15
    assert by[uscc("11")][0] == Role.ROTATE and p.quota[p.uscc.index(uscc("11"))] == 15
    assert by[uscc("5")][0] == Role.WHOLE and by[uscc("9")][0] == Role.WHOLE  # D stops the whole window
    assert by[uscc("10")][0] == Role.EXEMPT and "保障类" in by[uscc("10")][1]
    assert by[uscc("6")][0] == Role.ROTATE and p.quota[p.uscc.index(uscc("6"))] == 15
    assert by[uscc("7")][0] == Role.EXEMPT and "无错峰停产天数" in by[uscc("7")][1]


def test_small_city_meets_every_rule():
    firms = [firm(str(i), capacity=100) for i in range(1, 5)] + [firm("9", grade="A", capacity=100)]
    r = rules(daily_stop_share_min=0.2, daily_stop_share_max=0.4)  # of 500: 100..200, i.e. 1..2 lines a day
    t, out = run(firms, r)
    assert out.result.feasible
    assert check_calendar(t, r, out.document) == []
    for i in range(1, 5):
        assert len(stops_of(out.document, str(i))) == 15
    assert stops_of(out.document, "9") == set()
    # 4 × 15 = 60 line-days over 60 days with ≥ 1 line a day: exactly one line every day
    daily = np.array(out.document["groups"][0]["daily_share"])
    assert np.allclose(daily, 0.2)
    assert out.result.status.value == "optimal" and out.result.gap == 0.0


def test_balance_spreads_the_stops_evenly():
    """No share bounds: the fair spread alone levels the daily stopped share. 4 × 15
    line-days over 60 days average one line (25 %) a day; the peak of each group (city,
    county) can be that average and no lower: objective 2 × 250,000 ppm, proven."""
    firms = [firm(str(i)) for i in range(1, 5)]
    t, out = run(firms, rules())
    assert out.result.status.value == "optimal"
    for g in out.document["groups"]:
        assert max(g["daily_share"]) == pytest.approx(min(g["daily_share"])) == pytest.approx(0.25)
    assert out.result.objective == 2 * 250_000 == out.result.best_bound


def test_minimum_block_holds_and_kilns_never_stop_one_day():
    firms = [firm(str(i), capacity=50 + 10 * i) for i in range(1, 8)]
    r = rules(min_block_days=7, daily_stop_share_min=0.1, daily_stop_share_max=0.5)
    t, out = run(firms, r)
    assert out.result.feasible and check_calendar(t, r, out.document) == []
    for rec in out.document["lines"]:
        for a, b in rec["blocks"]:
            assert (date.fromisoformat(b) - date.fromisoformat(a)).days + 1 >= 7


def test_whole_window_lines_stop_every_day_and_count_in_the_share():
    firms = [firm("1", grade="D", capacity=100), firm("2", capacity=100), firm("3", capacity=100), firm("4", capacity=100)]
    r = rules(daily_stop_share_max=0.5)
    t, out = run(firms, r)
    assert out.result.feasible and check_calendar(t, r, out.document) == []
    assert len(stops_of(out.document, "1")) == 60
    # D takes 25 %: at most one of the three others a day (50 %)
    daily = out.document["groups"][0]["daily_share"]
    assert max(daily) <= 0.5 + 1e-9 and min(daily) >= 0.25 - 1e-9


def test_county_bounds_apply_as_well_as_the_city_wide_ones():
    """City-wide 40 % would allow both 乙县 lines at once; the county cap (60 %) does not."""
    firms = [firm("1", county="甲县"), firm("2", county="甲县"), firm("3", county="甲县"),
             firm("4", county="乙县"), firm("5", county="乙县")]
    r = rules(daily_stop_share_max=0.6)
    t, out = run(firms, r)
    assert out.result.feasible and check_calendar(t, r, out.document) == []
    both = stops_of(out.document, "4") & stops_of(out.document, "5")
    assert both == set()


def test_infeasible_cap_is_explained_by_industry_area_days_and_amount():
    """Two equal lines in 乙县 and a 40 % cap: either line alone stops 50 % — 10 points
    over on each of its 15 days. The explanation names 乙县, the industry, the 30 days,
    10 percentage points (10 万块/日), and keeps each line's quota and blocks."""
    firms = [firm("1", county="乙县"), firm("2", county="乙县")]
    r = rules(daily_stop_share_max=0.4, share_areas=["county"])
    t, out = run(firms, r)
    res = out.result
    assert res.status.value == "infeasible"
    [v] = res.violations
    assert v.rule == "share_excess" and v.area == "乙县" and v.industry == "砖瓦窑"
    assert v.share_points == pytest.approx(10.0) and v.amount == pytest.approx(20.0)  # of 200 万块/日
    assert sum((b - a).days + 1 for a, b in v.days) == 30
    assert "乙县" in v.message_zh and "30天" in v.message_zh
    problems = check_calendar(t, r, out.document)
    assert problems and all(p.startswith("share_excess 乙县/brick") for p in problems)
    assert len(problems) == 30


def test_infeasible_minimum_names_the_short_days():
    """One rotating line (100 % of its county) must stop 15 of 60 days; a 20 % minimum
    would need it every day: 45 days short by 20 points."""
    firms = [firm("1", county="乙县")]
    r = rules(daily_stop_share_min=0.2, share_areas=["county"])
    t, out = run(firms, r)
    assert out.result.status.value == "infeasible"
    [v] = out.result.violations
    assert v.rule == "share_short" and v.area == "乙县"
    assert v.share_points == pytest.approx(20.0)
    assert sum((b - a).days + 1 for a, b in v.days) == 45
    assert len(stops_of(out.document, "1")) == 15  # the line's own rules still hold


def test_quota_below_the_block_is_explained_as_extra_days():
    """Quota 3, blocks of at least 5: the line must stop 2 days more than its quota."""
    firms = [firm("1")]
    r = rules(stop_days={"C": 3})
    t, out = run(firms, r)
    assert out.result.status.value == "infeasible"
    [v] = out.result.violations
    assert v.rule == "quota_over" and v.amount == 2 and v.line_id == f"{uscc('1')}/L01"
    assert len(stops_of(out.document, "1")) == 5


def test_groups_never_add_different_units():
    firms = [firm("1", unit="万块/日", capacity=10), firm("2", unit="吨/日", capacity=1000), firm("3", unit="吨/日", capacity=1000)]
    p = build_problem(tables(firms), rules(), SEASON)
    keys = sorted(g.key for g in p.groups)
    assert keys == ["乙县/brick[万块/日]", "乙县/brick[吨/日]", "测试市/brick[万块/日]", "测试市/brick[吨/日]"] or \
        keys == ["测试市/brick[万块/日]", "测试市/brick[吨/日]", "甲县/brick[万块/日]", "甲县/brick[吨/日]"]


def test_guizhou_quarterly_minimums():
    """Guizhou-style: 180 stop days a year with quarterly minimums 60/30/30/60."""
    quarters = [PeriodMinimum(months=[1, 2, 3], min_days=60, label="一季度"),
                PeriodMinimum(months=[4, 5, 6], min_days=30, label="二季度"),
                PeriodMinimum(months=[7, 8, 9], min_days=30, label="三季度"),
                PeriodMinimum(months=[10, 11, 12], min_days=60, label="四季度")]
    r = RotationRules(window_start="10-01", window_end="09-30", industries=["cement"], stop_days={"C": 180},
                      min_block_days=7, period_minimums=quarters, daily_stop_share_max=0.75, share_areas=["city"])
    firms = [firm(str(i), industry="cement", unit="吨/日", capacity=1000) for i in range(1, 5)]
    t, out = run(firms, r)
    assert out.result.feasible and check_calendar(t, r, out.document) == []
    for i in range(1, 5):
        s = stops_of(out.document, str(i))
        assert len(s) == 180
        assert len([d for d in s if d.month <= 3]) >= 60 and len([d for d in s if 4 <= d.month <= 6]) >= 30
        assert len([d for d in s if 7 <= d.month <= 9]) >= 30 and len([d for d in s if d.month >= 10]) >= 60


def test_period_minimum_that_cannot_hold_is_explained():
    """60 days in December–January but a December minimum of 15 with the cap letting one
    of two lines stop a day... made impossible by a December minimum above December's 31 days."""
    r = rules(period_minimums=[PeriodMinimum(months=[12], min_days=12, label="十二月")], stop_days={"C": 12},
              daily_stop_share_max=0.5, share_areas=["city"])
    firms = [firm(str(i)) for i in range(1, 4)]  # 3 × 12 = 36 December line-days, 1 line a day: 31 available
    t, out = run(firms, r)
    assert out.result.status.value == "infeasible"
    kinds = {v.rule for v in out.result.violations}
    assert kinds <= {"share_excess", "period_short"}


def test_holidays_and_requests_are_honoured_when_they_can_be():
    """Without the spread term, the festival (every firm prefers to stop) fills up to the
    cap — three lines on each of the 7 days — and the one firm asking to produce in
    December does; the 7 line-days the cap refuses are listed as soft misses."""
    festival = Holiday(name="春节", start=date(2027, 1, 20), end=date(2027, 1, 26))
    req = Request(uscc=uscc("2"), start=date(2026, 12, 1), end=date(2026, 12, 31), preference=Preference.AVOID_STOP)
    firms = [firm("1"), firm("2"), firm("3"), firm("4")]
    r = rules(daily_stop_share_max=0.75, weights=Weights(balance=0))
    t, out = run(firms, r, holidays=[festival], requests=[req])
    assert out.result.status.value == "optimal" and check_calendar(t, r, out.document) == []
    assert all(d.month == 1 for d in stops_of(out.document, "2"))
    fest = {festival.start + timedelta(days=i) for i in range(7)}
    assert sum(len(fest & stops_of(out.document, str(i))) for i in range(1, 5)) == 21
    assert out.result.objective == 7 * r.weights.preference
    assert sum((b - a).days + 1 for m in out.result.soft_misses for a, b in m.days) == 7


def test_requests_are_honoured_alongside_the_spread():
    req = Request(uscc=uscc("2"), start=date(2026, 12, 1), end=date(2026, 12, 31), preference=Preference.AVOID_STOP)
    firms = [firm("1"), firm("2"), firm("3"), firm("4")]
    r = rules()
    t, out = run(firms, r, requests=[req])
    assert out.result.feasible and check_calendar(t, r, out.document) == []
    assert all(d.month == 1 for d in stops_of(out.document, "2")) and out.result.soft_misses == []


def test_warning_days_count_and_their_short_block_is_allowed():
    """A 2-day warning stops line 1; with count_warning_days the 2 days count toward its
    15, and the 2-day block is allowed although shorter than the minimum."""
    lid = f"{uscc('1')}/L01"
    w = WarningStop(start=date(2026, 12, 10), end=date(2026, 12, 11), level="orange", cuts={lid: 1.0}, name="预警#1")
    firms = [firm(str(i)) for i in range(1, 5)]
    r = rules(count_warning_days=True)
    t, out = run(firms, r, warnings=[w])
    assert out.result.feasible and check_calendar(t, r, out.document) == []
    s = stops_of(out.document, "1")
    assert {date(2026, 12, 10), date(2026, 12, 11)} <= s and len(s) == 15

    r2 = rules(count_warning_days=False)
    t, out2 = run(firms, r2, warnings=[w])
    assert out2.result.feasible and check_calendar(t, r2, out2.document) == []
    assert len(stops_of(out2.document, "1")) == 17  # 15 rotation days + 2 warning days


def test_yearly_cap_defers_days():
    lid = f"{uscc('1')}/L01"
    w = WarningStop(start=date(2026, 12, 1), end=date(2026, 12, 10), level="red", cuts={lid: 1.0})
    r = rules(count_warning_days=False, yearly_cap_days=20)
    p = build_problem(tables([firm("1"), firm("2")]), r, SEASON, warnings=[w])
    i = p.line_id.index(lid)
    assert p.quota[i] == 10 and p.deferred[i] == 5  # 20 − 10 warning days < 15
    res = solve(p, time_limit=10)
    assert res.feasible and res.calendar.stops[i].sum() == 20


def test_exempt_lines_are_never_scheduled_even_under_pressure():
    """A high minimum cannot pull an exempt line into the calendar."""
    firms = [firm("1", grade="A"), firm("2", grade="C")]
    r = rules(daily_stop_share_min=0.5, share_areas=["city"])
    t, out = run(firms, r)
    assert stops_of(out.document, "1") == set()
    assert out.result.status.value == "infeasible"
    assert {v.rule for v in out.result.violations} == {"share_short"}


def test_time_the_joint_bounds_leave_goes_to_a_second_search(monkeypatch):
    """Nothing to couple (one county): the time held back for joint bounds goes to a
    second search of the part with the largest gap, started from its calendar. The
    calendar kept is never worse than the first, still meets every rule, and its
    objective is the spread computed from its days."""
    from emergency.rotation import solve as S
    from emergency.rotation.slots import spread_value

    # most of the time held back, and a low threshold: the parts' overruns (model building on a
    # loaded machine) must not leave the second search without its time
    monkeypatch.setattr(S, "JOINT_RESERVE", 0.6)
    monkeypatch.setattr(S, "SECOND_SEARCH_MIN", 0.5)
    r = RotationRules(window_start="11-15", window_end="03-14", industries=["brick", "ceramics"],
                      stop_days={"C": 45, "B": 30}, min_block_days=7, spread_areas=["city", "county"])
    firms = [firm(f"b{i}", capacity=20 + 7 * i, grade="C" if i % 3 else "B") for i in range(28)]
    firms += [firm(f"c{i}", industry="ceramics", unit="万平方米/日", capacity=10 + i) for i in range(4)]
    t = tables(firms)
    out = plan_season(t, "2026-2027", rules=r, time_limit=10, seed=1)
    res = out.result
    assert res.feasible and check_calendar(t, r, out.document) == []
    searched = [pt for pt in res.info["parts"] if pt["second_search"]]
    assert searched, res.info["parts"]
    for pt in searched:
        assert pt["second_search"]["objective_after"] <= pt["second_search"]["objective_before"]
        assert pt["objective"] == pt["second_search"]["objective_after"]
    assert spread_value(out.problem, res.calendar.stops) == pytest.approx(res.objective, abs=len(out.problem.groups))
    assert res.best_bound <= res.objective
