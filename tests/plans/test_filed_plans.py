"""Warnings planned from a filed list (issue 15 item 4): the plan IS the list where the filed
measures suffice, and every departure from it is marked, explained and listed.

Hand-made lists in the layout of tests/lists/handmade.py (brick kilns, interruptible, lead
time 12 h; national policy 10/20/30 %, city and county targets). Requirements at yellow
(10 %; SO2 listed share 0.5, VOCs share 0):

    area    SO2    NOx   PM
    测试市   29.5   49    11
    甲县     25     40    10
    乙县      4.5    9     1

National brick-kiln floors: B yellow a truck-ban action (cut 0), C yellow cut 30 %, D stop-keep-warm
with no road haulage; A is spared (own measures). Options above a floor: cuts 30 %, 50 %, stop.
(A filed measure without the floor's truck ban is ordered with it added — a deviation — so the
cases below use C firms, whose yellow floor has none.)
Every expected figure below is worked out by hand in the comments.
"""

from __future__ import annotations

import pytest

from config.policy import load_policy
from emergency.plans.service import make_plan
from emergency.vocabulary import WarningLevel as L
from tests.lists.handmade import hand_list, uscc

FEED = "原料日投料量由960吨降低到480吨"

# The filed measures suffice at yellow:
#   G1 甲县 C  100/200/40  100,000 yuan  filed 50 % (> C's 30 %)  → 50 / 100 / 20
#   G4 甲县 C  100/200/40  100,000 yuan  filed 限产30% (= C's 30 %) → 30 /  60 / 12
#   G2 乙县 C   20/ 40/ 5   40,000 yuan  filed 限产30%             →  6 /  12 / 1.5
#   G3 乙县 A   30/ 30/30   80,000 yuan  filed 停产: spared, neither ordered nor counted
# 甲县 80/160/32 ≥ 25/40/10; 乙县 6/12/1.5 ≥ 4.5/9/1; city 86/172/33.5 ≥ 29.5/49/11.
# The grade floors alone (30 % everywhere) would also meet them at 72,000 yuan less than G1's
# 50 % — the plan still orders what G1 filed (a filed measure is never weakened).
SUFFICE = [
    ("G1", "甲县", "C", "无", None, [("L01", 100.0, 200.0, 40.0, 100_000.0, {"yellow": ("cut_output", 0.5, FEED)})]),
    ("G4", "甲县", "C", "无", None, [("L01", 100.0, 200.0, 40.0, 100_000.0, {"yellow": ("cut_output", 0.3, "限产30%")})]),
    ("G2", "乙县", "C", "无", None, [("L01", 20.0, 40.0, 5.0, 40_000.0, {"yellow": ("cut_output", 0.3, "限产30%")})]),
    ("G3", "乙县", "A", "无", None, [("L01", 30.0, 30.0, 30.0, 80_000.0, {"yellow": ("stop", None, "停产")})]),
]


def lid(code: str, line: str = "L01") -> str:
    return f"{uscc(code)}/{line}"


def plan(firms, level=L.YELLOW, **kw):
    return make_plan(hand_list(firms), level, policy=load_policy(), **kw).document


def ordered(doc) -> dict[str, tuple[float, str, str]]:
    return {a.line_id: (round(a.output_cut, 9), a.basis, a.measure_zh) for a in doc.actions}


def test_plan_is_the_list_where_the_filed_measures_suffice():
    doc = plan(SUFFICE)
    assert ordered(doc) == {
        lid("G1"): (0.5, "floor", FEED),
        lid("G4"): (0.3, "floor", "限产30%"),
        lid("G2"): (0.3, "floor", "限产30%"),
    }
    for a in doc.actions:
        assert a.deviation is None and a.filed_measure == a.measure_zh
        assert a.reason.startswith("按清单备案措施")
    assert doc.deviations == []
    f = doc.filed
    assert (f.suffice, f.floors_suffice, f.optimised) == (True, True, False)
    assert (f.lines_filed, f.lines_as_filed, f.spared_filed_lines) == (3, 3, 1)
    assert f.shortfall == [] and f.deviations == {}
    # the optimiser did not run: 0.5 × 100,000 + 0.3 × 100,000 + 0.3 × 40,000
    assert doc.solver.method.startswith("filed list")
    assert doc.objective.lost_value_yuan == pytest.approx(92_000.0)
    assert doc.objective.gap == 0.0 and doc.feasible
    achieved = {(r.area, r.pollutant.value): r.achieved_kg for r in doc.requirements}
    assert achieved[("甲县", "SO2")] == pytest.approx(80.0)
    assert achieved[("乙县", "NOx")] == pytest.approx(12.0)
    assert achieved[("测试市", "PM")] == pytest.approx(33.5)
    # the spared A firm's filed stop: not ordered, not counted, shown with its sparing
    (g3,) = [s for s in doc.spared if s.enterprise_uscc == uscc("G3")]
    assert g3.filed_measure == "停产" and "A级" in g3.reason


# A short list at yellow (each filed 30 % = C's floor):
#   H1 甲县 C 60/100/20 100,000 yuan filed 30 % → 18/30/6: 甲县 short 7/10/4, city (18 + 6 = 24/42/7.5) short 5.5/7/3.5
#   H2 乙县 C 20/ 40/ 5  40,000 yuan filed 30 % →  6/12/1.5: 乙县 met
# 甲县 needs H1 ≥ max(25/60, 40/100, 10/20) = 50 % → its option 50 % (30/50/10), lost value
# 50,000 (stop: 100,000); city then 36/62/11.5 ≥ 29.5/49/11. H2 keeps what it filed.
SHORT = [
    ("H1", "甲县", "C", "无", None, [("L01", 60.0, 100.0, 20.0, 100_000.0, {"yellow": ("cut_output", 0.3, "限产30%")})]),
    ("H2", "乙县", "C", "无", None, [("L01", 20.0, 40.0, 5.0, 40_000.0, {"yellow": ("cut_output", 0.3, "限产30%")})]),
]


def test_short_list_adds_measures_marked_as_deviations():
    doc = plan(SHORT)
    assert ordered(doc) == {lid("H1"): (0.5, "optimised", "限产50%"), lid("H2"): (0.3, "floor", "限产30%")}
    assert doc.objective.lost_value_yuan == pytest.approx(62_000.0)
    h1, h2 = (next(a for a in doc.actions if a.line_id == lid(c)) for c in ("H1", "H2"))
    assert h2.deviation is None and h2.filed_measure == "限产30%"
    assert h1.filed_measure == "限产30%"
    assert h1.deviation == ("按清单措施执行不能完成甲县SO2（缺口7.0kg/日）、甲县NOx（缺口10.0kg/日）、"
                            "甲县颗粒物（缺口4.0kg/日）等黄色预警减排目标，在备案措施之上加严")
    (d,) = doc.deviations
    assert (d.line_id, d.kind, d.filed_measure, d.ordered_measure, d.reason) == (
        lid("H1"), "tightened", "限产30%", "限产50%", h1.deviation)
    f = doc.filed
    assert (f.suffice, f.floors_suffice, f.optimised, f.lines_filed, f.lines_as_filed) == (False, False, True, 2, 1)
    assert f.deviations == {"tightened": 1}
    short = {(s.area, s.pollutant): (s.filed_kg, s.shortfall_kg) for s in f.shortfall}
    assert short == {("测试市", "SO2"): (24.0, 5.5), ("测试市", "NOx"): (42.0, 7.0), ("测试市", "PM"): (7.5, 3.5),
                     ("甲县", "SO2"): (18.0, 7.0), ("甲县", "NOx"): (30.0, 10.0), ("甲县", "PM"): (6.0, 4.0)}
    assert all(r.shortfall_kg == 0 for r in doc.requirements)


def test_lead_time_blocked_filed_measure_is_marked():
    # G1 needs 24 h; the warning starts in 18 h: its filed 50 % is not ordered. Without it
    # 甲县 still gets 30/60/12 from G4 and the city 36/72/13.5: the list of the lines that can
    # start in time suffices, the rest is ordered as filed.
    tables = hand_list(SUFFICE)
    tables.lines["stop_lead_time_h"][0] = 24.0
    doc = make_plan(tables, L.YELLOW, policy=load_policy(), hours_to_start=18.0).document
    assert ordered(doc) == {lid("G4"): (0.3, "floor", "限产30%"), lid("G2"): (0.3, "floor", "限产30%")}
    (d,) = doc.deviations
    assert (d.line_id, d.kind, d.filed_measure, d.ordered_measure) == (lid("G1"), "lead_time", FEED, None)
    assert d.reason == "备案措施需提前24小时落实，距预警开始仅18.0小时，本次无法按时落实，未下达"
    assert [x["line_id"] for x in doc.excluded_by_lead_time] == [lid("G1")]
    f = doc.filed
    assert (f.suffice, f.optimised, f.lines_filed, f.lines_as_filed) == (True, False, 3, 2)
    assert f.deviations == {"lead_time": 1}


def test_firm_without_filed_measures_and_filed_measure_under_the_floor():
    # G5 (乙县, D) files nothing: D's floor (stop-keep-warm, no road haulage) is ordered, marked
    # not_filed. G6 (甲县, C) filed 10 %, under C's 30 %: the floor binds, marked. Both add
    # reductions, so the floors still meet every target: no optimiser.
    firms = SUFFICE + [
        ("G5", "乙县", "D", "无", None, [("L01", 10.0, 10.0, 10.0, 10_000.0, {})]),
        ("G6", "甲县", "C", "无", None, [("L01", 10.0, 10.0, 10.0, 10_000.0, {"yellow": ("cut_output", 0.1, "限产10%")})]),
    ]
    doc = plan(firms)
    got = ordered(doc)
    assert got[lid("G5")] == (1.0, "floor", "停产保窑，禁止公路运输")
    assert got[lid("G6")] == (0.3, "floor", "限产30%")
    dev = {d.line_id: d for d in doc.deviations}
    assert set(dev) == {lid("G5"), lid("G6")}
    assert dev[lid("G5")].kind == "not_filed" and dev[lid("G5")].filed_measure is None
    assert dev[lid("G5")].reason == "清单未备案本级措施，按D级企业黄色预警规定措施“停产保窑，禁止公路运输”执行"
    assert dev[lid("G6")].kind == "floor_above_filed" and dev[lid("G6")].filed_measure == "限产10%"
    assert dev[lid("G6")].reason == "备案措施“限产10%”弱于C级企业黄色预警规定措施“限产30%”，底线措施仍须执行"
    assert doc.filed.deviations == {"floor_above_filed": 1, "not_filed": 1}
    assert (doc.filed.optimised, doc.filed.lines_filed, doc.filed.lines_as_filed) == (False, 4, 3)
    assert doc.solver.method.startswith("filed list")


def test_filed_measure_lacking_the_floors_truck_ban_gets_it_marked():
    # orange: C's floor is stop-keep-warm with the old-truck ban; G7 filed stop-keep-warm alone
    firms = [("G7", "甲县", "C", "无", None, [("L01", 100.0, 200.0, 40.0, 100_000.0, {"orange": ("stop_keep_warm", None, "停产保窑")})])]
    doc = plan(firms, L.ORANGE)
    (a,) = doc.actions
    assert (a.output_cut, a.measure_zh, a.filed_measure) == (1.0, "停产保窑，禁用国四及以下重型柴油货车运输", "停产保窑")
    assert a.deviation == "备案措施“停产保窑”未含C级企业橙色预警规定的禁用国四及以下重型柴油货车运输，一并执行"
    assert [d.kind for d in doc.deviations] == ["floor_above_filed"]


def test_list_without_filed_measures_plans_as_before():
    # tests/lists/handmade.py without its measure columns, yellow, floors from the grade tables:
    # F1 C 30 %, F2 B truck-ban action (cut 0, no row), F3 A spared, F4 D stop, F5 approved load
    # (cut 40 %), F6 C 30 % on both lines. 甲县 then has NOx 15 + 9 = 24 < 40 and PM 6 < 10.
    # PM in 甲县 comes only from F1 (40/unit) and F2 (10/unit): F1 at 50 % (+4 PM, +10 NOx,
    # +20,000) with F6 at 50 % on both lines (+6 NOx, +4,000) reaches NOx 40 and PM 10 for
    # +24,000; F2 at 50 % costs +25,000, F2 30 % + F1 50 % +35,000, F1 stopped +70,000.
    # Lost value 50,000 + 20,000 + 12,000 + 2 × 5,000.
    doc = make_plan(hand_list(filed=False), L.YELLOW, policy=load_policy()).document
    assert {k: v[:2] for k, v in ordered(doc).items()} == {
        lid("F1"): (0.5, "optimised"), lid("F4"): (1.0, "floor"),
        lid("F5"): (0.4, "floor"), lid("F6"): (0.5, "optimised"), lid("F6", "L02"): (0.5, "optimised"),
    }
    assert doc.objective.lost_value_yuan == pytest.approx(92_000.0)
    assert doc.filed is None and doc.deviations == []
    assert all(a.filed_measure is None and a.deviation is None for a in doc.actions)
    assert all(s.filed_measure is None for s in doc.spared)
    assert not doc.solver.method.startswith("filed list")
    assert not any("备案" in a.reason for a in doc.actions)


def test_plan_json_carries_the_deviations():
    import json

    data = json.loads(plan(SHORT).json_bytes())
    assert data["filed"]["deviations"] == {"tightened": 1}
    assert data["deviations"][0]["kind"] == "tightened"
    h1 = next(a for a in data["actions"] if a["line_id"] == lid("H1"))
    assert h1["filed_measure"] == "限产30%" and h1["deviation"].startswith("按清单措施执行不能完成")


def test_plan_workbook_lists_the_deviations(tmp_path):
    from openpyxl import load_workbook

    from emergency.plans.workbook import write_plan_workbook

    wb = load_workbook(write_plan_workbook(plan(SHORT), tmp_path / "plan.xlsx"), read_only=True)
    rows = list(wb["与备案措施不一致"].iter_rows(values_only=True))
    assert [r[2:4] + r[6:8] for r in rows[1:]] == [(uscc("H1"), lid("H1"), "限产30%", "限产50%")]
    acts = list(wb["减排措施"].iter_rows(values_only=True))
    assert acts[0][-2:] == ("备案措施", "与备案措施不一致原因")
    assert {r[2]: r[-2] for r in acts[1:]} == {uscc("H1"): "限产30%", uscc("H2"): "限产30%"}
    without = make_plan(hand_list(filed=False), L.YELLOW, policy=load_policy()).document
    old = load_workbook(write_plan_workbook(without, tmp_path / "old.xlsx"), read_only=True)
    assert "与备案措施不一致" not in old.sheetnames


def test_line_stopped_by_rotation_is_ordered_stopped_and_marked():
    # the rotation (错峰生产) already stops G4 over the warning: it is ordered stopped (cut 1,
    # its only option), counted, and its filed 30 % is covered by the stop — a "held"
    # deviation. The rest is as filed; lost value 50,000 + 100,000 + 12,000.
    doc = plan(SUFFICE, held={lid("G4"): "错峰生产"})
    assert ordered(doc) == {
        lid("G1"): (0.5, "floor", FEED),
        lid("G4"): (1.0, "floor", "停产（错峰生产）"),
        lid("G2"): (0.3, "floor", "限产30%"),
    }
    (d,) = doc.deviations
    assert (d.line_id, d.kind, d.filed_measure, d.ordered_measure) == (lid("G4"), "held", "限产30%", "停产（错峰生产）")
    assert d.reason == "该生产线已按错峰生产安排停产，备案措施“限产30%”由停产涵盖"
    g4 = next(a for a in doc.actions if a.line_id == lid("G4"))
    assert g4.reason == "停产（错峰生产）：已停产，计入本次预警减排量"
    assert doc.objective.lost_value_yuan == pytest.approx(162_000.0)
    achieved = {(r.area, r.pollutant.value): r.achieved_kg for r in doc.requirements}
    assert achieved[("甲县", "NOx")] == pytest.approx(100.0 + 200.0)
    assert (doc.filed.optimised, doc.filed.lines_as_filed, doc.filed.deviations) == (False, 2, {"held": 1})
    # a held line needing longer than the warning leaves is still stopped (it is stopped already)
    doc = plan(SUFFICE, held={lid("G4"): "错峰生产"}, hours_to_start=6.0)
    assert lid("G4") in ordered(doc) and lid("G1") not in ordered(doc)


def test_truck_ban_action_floor_is_a_truck_rule():
    # B's yellow floor is the truck-ban action itself (cut 0): a filed 限产10% is stronger in
    # output but bans no trucks, so the ban is added and marked (as the import's checks read it)
    # (G8 10 % → 30/50/10 meets 甲县; with G2's 6/12/1.5 the city's 29.5/49/11 and 乙县 too: no optimiser)
    firms = [("G8", "甲县", "B", "无", None, [("L01", 300.0, 500.0, 100.0, 100_000.0, {"yellow": ("cut_output", 0.1, "限产10%")})]),
             SUFFICE[2]]
    doc = plan(firms)
    a = next(a for a in doc.actions if a.line_id == lid("G8"))
    assert doc.filed.optimised is False and doc.filed.deviations == {"floor_above_filed": 1}
    assert (a.output_cut, a.measure_zh, a.filed_measure) == (0.1, "限产10%，禁用国四及以下重型柴油货车运输", "限产10%")
    assert a.deviation == "备案措施“限产10%”未含B级企业黄色预警规定的禁用国四及以下重型柴油货车运输，一并执行"
