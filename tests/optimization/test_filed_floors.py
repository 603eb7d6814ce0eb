"""The builder's filed-measures step on the hand-made list of tests/lists/handmade.py: a filed
measure becomes the floor where it is at least as strong as the grade floor, is marked so, and a list
without filed measures builds exactly the problem it built before."""

from __future__ import annotations

import numpy as np
import pytest

from config.policy import load_policy
from emergency.optimization.builder import FILED_SOURCE, build_problem
from emergency.plans.service import make_plan
from emergency.vocabulary import WarningLevel as L
from tests.lists.handmade import hand_list, uscc


def _floors(problem, report):
    return {str(i): (round(float(problem.output_cut[problem.line_start[l]]), 9), bool(report.floor_from_filed[l]))
            for l, i in enumerate(problem.line_ids)}


def lid(code, line="L01"):
    return f"{uscc(code)}/{line}"


@pytest.mark.parametrize("level, expected", [
    # yellow: F2 cut 10 % beats B's truck ban (0); F1's cut 30 % equals C's (the firm's own words win); F5's 20 % is under
    # its approved-load floor (40 %); F6's "none" is under C's 30 %; F3 (A) is spared
    (L.YELLOW, {lid("F1"): (0.3, True), lid("F2"): (0.1, True), lid("F3"): (0.0, False), lid("F4"): (1.0, False),
                lid("F5"): (0.4, False), lid("F6"): (0.3, False), lid("F6", "L02"): (0.3, False)}),
    # orange: F5's cut 50 % beats its approved load (40 %); F2's 20 % is under B's 30 %; F1's stop-keep-warm equals C's
    (L.ORANGE, {lid("F1"): (1.0, True), lid("F2"): (0.3, False), lid("F3"): (0.0, False), lid("F4"): (1.0, False),
                lid("F5"): (0.5, True), lid("F6"): (1.0, False), lid("F6", "L02"): (1.0, False)}),
    # red: F3's filed stop is not ordered (spared); F1's stop-keep-warm and F6's stop of L02 (its
    # "stop 50 % of lines") equal the floors; F6/L01, left running by it, stays at the floor
    (L.RED, {lid("F1"): (1.0, True), lid("F2"): (1.0, False), lid("F3"): (0.0, False), lid("F4"): (1.0, False),
             lid("F5"): (0.4, False), lid("F6"): (1.0, False), lid("F6", "L02"): (1.0, True)}),
])
def test_filed_measure_is_the_floor_where_stronger(level, expected):
    problem, report = build_problem(hand_list(), load_policy(), level)
    assert _floors(problem, report) == expected
    for l in np.nonzero(report.floor_from_filed)[0]:
        assert report.floor_sources[report.floor_index[l]] == FILED_SOURCE
    # what each line filed, whether or not it became the floor (F6's "stop 50 % of lines" stops L02 only)
    filed = {L.YELLOW: {lid("F1"): 0.3, lid("F2"): 0.1, lid("F3"): 0.0, lid("F5"): 0.2, lid("F6"): 0.0, lid("F6", "L02"): 0.0},
             L.ORANGE: {lid("F1"): 1.0, lid("F2"): 0.2, lid("F5"): 0.5},
             L.RED: {lid("F1"): 1.0, lid("F3"): 1.0, lid("F6"): 0.0, lid("F6", "L02"): 1.0}}[level]
    got = {str(i): round(float(c), 9) for i, c in zip(problem.line_ids, report.filed_cut) if not np.isnan(c)}
    assert got == filed
    # the floor option removes floor × each pollutant's emissions
    f2 = list(problem.line_ids).index(lid("F2"))
    assert problem.reduction[problem.line_start[f2], 1] == pytest.approx(expected[lid("F2")][0] * 200.0)


def test_without_filed_measures_the_problem_is_unchanged():
    for level in (L.YELLOW, L.ORANGE, L.RED):
        a, ra = build_problem(hand_list(filed=False), load_policy(), level)
        b, rb = build_problem(hand_list(), load_policy(), level, use_filed=False)
        for name in ("line_start", "cost", "reduction", "output_cut", "required"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), name
        assert list(a.option_code) == list(b.option_code)
        assert not ra.floor_from_filed.any() and not rb.floor_from_filed.any()


def test_plan_cites_the_filed_measure():
    doc = make_plan(hand_list(), L.YELLOW, policy=load_policy()).document
    f2 = next(a for a in doc.actions if a.line_id == lid("F2"))
    assert doc.sources[f2.source] == FILED_SOURCE
    if f2.basis == "floor":
        # B's yellow floor is the old-truck ban, which F2 did not file: added to its measure
        assert f2.measure_zh == "限产10%，禁用国四及以下重型柴油货车运输" and f2.output_cut == pytest.approx(0.1)
        assert f2.reason.startswith("按清单备案措施：限产10%")
    doc = make_plan(hand_list(), L.ORANGE, policy=load_policy()).document
    f5 = next(a for a in doc.actions if a.line_id == lid("F5"))  # its filed cut 50 %, above its approved load
    if f5.basis == "floor":
        # B's orange floor bans old trucks, which F5 did not file: the rule is added to its measure
        assert f5.measure_zh == "限产50%，禁用国四及以下重型柴油货车运输" and "按核定负荷" not in f5.measure_zh


def test_an_invalid_filed_measure_is_a_located_error():
    from emergency.errors import RegistryError
    from enterprise_registry.filed import column

    tables = hand_list()
    tables.lines[column("orange", "share")][1] = None  # F2's orange cut without its share
    with pytest.raises(RegistryError, match="line row 2.*orange"):
        build_problem(tables, load_policy(), L.ORANGE)


def test_area_sums_match_a_hand_loop():
    problem, _ = build_problem(hand_list(), load_policy(), L.ORANGE)
    values = np.arange(problem.n_lines * 2, dtype=float).reshape(-1, 2) + 1
    by_hand = np.zeros((len(problem.area_names), 2))
    for l in range(problem.n_lines):
        for a in problem.line_areas[l]:
            if a >= 0:
                by_hand[a] += values[l]
    assert np.array_equal(problem.area_sum(values), by_hand)
    some = np.array([0, 2, 3])  # a subset of lines, values aligned with it
    by_hand_some = np.zeros((len(problem.area_names), 2))
    for i, l in enumerate(some):
        for a in problem.line_areas[l]:
            if a >= 0:
                by_hand_some[a] += values[i]
    assert np.array_equal(problem.area_sum(values[: len(some)], lines=some), by_hand_some)
    prices = np.array([[1.0, 10.0], [100.0, 1000.0], [1e4, 1e5]])  # per area
    seen = problem.line_sum(prices)
    for l in range(problem.n_lines):  # the city's price plus the county's
        county = 1 if problem.line_ids[l].split("/")[0][-2:] in ("F1", "F2", "F6") else 2
        assert np.array_equal(seen[l], prices[0] + prices[county])
    assert problem.area_names == ("测试市", "甲县", "乙县")
    assert problem.constraint_name(5) == "target[甲县,NOx]"
