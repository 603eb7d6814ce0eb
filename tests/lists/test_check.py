"""The list check (清单核算) on the hand-made list of tests/lists/handmade.py; every expected
figure is worked out by hand from that table (see its docstring)."""

from __future__ import annotations

import pytest

from config.policy import load_policy
from emergency.lists.check import check_list
from emergency.vocabulary import WarningLevel as L
from tests.lists.handmade import hand_list, uscc

# filed cut per (firm, line) and level, by hand: spared F3 is not counted; stop-keep-warm on an
# interruptible kiln is 100 %; F6's "stop 50 % of lines" stops the larger emitter L02 only
CUT = {
    L.YELLOW: {("F1", "L01"): 0.3, ("F2", "L01"): 0.1, ("F5", "L01"): 0.2},
    L.ORANGE: {("F1", "L01"): 1.0, ("F2", "L01"): 0.2, ("F5", "L01"): 0.5},
    L.RED: {("F1", "L01"): 1.0, ("F6", "L02"): 1.0},
}
# (SO2, NOx, PM) delivered, by hand: e.g. 甲县 yellow SO2 = 0.3 × 100 + 0.1 × 40 = 34
DELIVERED = {
    L.YELLOW: {"甲县": (34.0, 35.0, 7.0), "乙县": (4.0, 8.0, 1.0), "测试市": (38.0, 43.0, 8.0)},
    L.ORANGE: {"甲县": (108.0, 90.0, 22.0), "乙县": (10.0, 20.0, 2.5), "测试市": (118.0, 110.0, 24.5)},
    L.RED: {"甲县": (120.0, 70.0, 20.0), "乙县": (0.0, 0.0, 0.0), "测试市": (120.0, 70.0, 20.0)},
}
# required = ratio × base × listed share (SO2 share 0.5): e.g. 甲县 yellow SO2 = 0.1 × 500 × 0.5 = 25
REQUIRED = {
    L.YELLOW: {"甲县": (25.0, 40.0, 10.0), "乙县": (4.5, 9.0, 1.0), "测试市": (29.5, 49.0, 11.0)},
    L.ORANGE: {"甲县": (50.0, 80.0, 20.0), "乙县": (9.0, 18.0, 2.0), "测试市": (59.0, 98.0, 22.0)},
    L.RED: {"甲县": (75.0, 120.0, 30.0), "乙县": (13.5, 27.0, 3.0), "测试市": (88.5, 147.0, 33.0)},
}
BASELINE = {"甲县": (170.0, 280.0, 30.0), "乙县": (110.0, 80.0, 75.0), "测试市": (280.0, 360.0, 105.0)}
VALUE = {("F1", "L01"): 100_000, ("F2", "L01"): 50_000, ("F5", "L01"): 30_000, ("F6", "L02"): 10_000}


@pytest.fixture(scope="module")
def check():
    return check_list(hand_list(), load_policy())


def _rows(level_check):
    return {(r.area, r.column): r for r in level_check.rows}


@pytest.mark.parametrize("level", [L.YELLOW, L.ORANGE, L.RED])
def test_figures_per_area_and_pollutant(check, level):
    lv = next(x for x in check.levels if x.level is level)
    rows = _rows(lv)
    assert set(rows) == {(a, p) for a in ("测试市", "甲县", "乙县") for p in ("SO2", "NOx", "PM", "VOCs")}
    for area in ("测试市", "甲县", "乙县"):
        for k, p in enumerate(("SO2", "NOx", "PM")):
            r = rows[(area, p)]
            assert r.baseline_kg == pytest.approx(BASELINE[area][k])
            assert r.required_kg == pytest.approx(REQUIRED[level][area][k])
            assert r.filed_kg == pytest.approx(DELIVERED[level][area][k])
            assert r.shortfall_kg == pytest.approx(max(0.0, REQUIRED[level][area][k] - DELIVERED[level][area][k]), abs=1e-9)
        assert rows[(area, "VOCs")].required_kg == 0.0 and rows[(area, "VOCs")].shortfall_kg == 0.0
    assert lv.lost_value_yuan == pytest.approx(sum(c * VALUE[key] for key, c in CUT[level].items()))


def test_short_levels(check):
    short = {lv.level: lv.short for lv in check.levels}
    # yellow: 甲县 NOx 40 > 35, PM 10 > 7; 乙县 SO2 4.5 > 4 …; orange meets every row; red 乙县 delivers nothing
    assert short == {L.YELLOW: True, L.ORANGE: False, L.RED: True}
    assert check.short
    assert not check_list(hand_list(), load_policy(), levels=[L.ORANGE]).short


def test_firms_without_filed_measures_and_spared(check):
    by = {lv.level: lv for lv in check.levels}
    without = {lv: sorted(f.enterprise_uscc for f in by[lv].without_filed) for lv in by}
    assert without == {L.YELLOW: [uscc("F4")], L.ORANGE: sorted([uscc("F4"), uscc("F6")]),
                       L.RED: sorted([uscc("F2"), uscc("F4"), uscc("F5")])}
    for level, counted in ((L.YELLOW, True), (L.ORANGE, False), (L.RED, True)):
        (spared,) = by[level].spared
        assert spared.enterprise_uscc == uscc("F3") and "A级" in spared.reason
        assert spared.filed_not_counted is counted  # F3 filed own measures at yellow and a stop at red


def test_filed_measures_below_the_floor(check):
    by = {lv.level: {w.line_id: w for w in lv.below_floor} for lv in check.levels}
    f5, f6a, f6b, f2 = (f"{uscc(c)}/{l}" for c, l in (("F5", "L01"), ("F6", "L01"), ("F6", "L02"), ("F2", "L01")))
    # yellow: F5 cut 20 % under its approved load (60 % → 40 %); F6 filed "none" under C's cut 30 %
    assert set(by[L.YELLOW]) == {f5, f6a, f6b}
    assert by[L.YELLOW][f5].floor_cut == pytest.approx(0.4) and by[L.YELLOW][f5].filed_cut == pytest.approx(0.2)
    assert by[L.YELLOW][f5].weaker_for == ["SO2", "NOx", "PM"]  # it emits no VOCs
    assert by[L.YELLOW][f6a].weaker_for == ["SO2", "NOx"]
    # orange: F2 cut 20 % under B's cut 30 %; red: F6 L01 keeps running under C's stop-keep-warm
    assert set(by[L.ORANGE]) == {f2} and by[L.ORANGE][f2].floor_cut == pytest.approx(0.3)
    assert set(by[L.RED]) == {f6a} and by[L.RED][f6a].filed_cut == 0.0 and by[L.RED][f6a].floor_cut == 1.0


def test_a_list_without_filed_measures_delivers_nothing(check):
    bare = check_list(hand_list(filed=False), load_policy())
    for lv in bare.levels:
        assert all(r.filed_kg == 0.0 for r in lv.rows) and lv.lost_value_yuan == 0.0 and lv.filed_lines == 0
        assert sorted(f.enterprise_uscc for f in lv.without_filed) == sorted(uscc(c) for c in ("F1", "F2", "F4", "F5", "F6"))
        assert lv.below_floor == []
    # the required figures are the same whatever is filed
    assert [r.required_kg for r in bare.levels[0].rows] == [r.required_kg for r in check.levels[0].rows]


def test_combined_target_row(check):
    """Hebei orange: SO2+NOx ≥ 20 % of (SO2 × 0.5 + NOx) base, replacing the two rows."""
    lv = check_list(hand_list(), load_policy("hebei"), levels=[L.ORANGE]).levels[0]
    rows = _rows(lv)
    # 甲县: 0.2 × (500 × 0.5 + 400) = 130; delivered 108 + 90 = 198
    assert rows[("甲县", "SO2+NOx")].required_kg == pytest.approx(130.0)
    assert rows[("甲县", "SO2+NOx")].filed_kg == pytest.approx(198.0)
    assert rows[("甲县", "SO2")].required_kg == 0.0 and rows[("甲县", "SO2")].replaced_by == "SO2+NOx"
