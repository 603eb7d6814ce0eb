"""Combined (SO2 + NOx) targets, on a hand-made three-line list (DOMAIN §4, Hebei: a city
may shift the split between SO2 and NOx as long as the two together meet the target).

The list, one county (甲县) under 测试市, yellow warning (ratio 10 % for every pollutant):
brick kilns of grade B, whose yellow floor is a truck ban (no output cut) and whose
options are cut 30 % / 50 % / stop (policy ``options``). PM and VOCs have no listed share,
so only SO2 and NOx are required. Base 1,000 kg/day each, listed share 1.

    line  SO2 kg/d  NOx kg/d  output value yuan/d
    K1      50         0        100,000
    K2      20       200        100,000
    K3       0       300         10,000

Individual rows: SO2 ≥ 0.1 × 1,000 = 100 kg, but at most 50 + 20 = 70 kg can be cut: the
list cannot meet it. Combined row: SO2 + NOx ≥ 0.1 × (1,000 + 1,000) = 200 kg; the
cheapest choice (by hand, and by enumeration below) is stopping K3 (300 kg, 10,000 yuan).
"""

from __future__ import annotations

import itertools
import re
from datetime import date

import numpy as np
import pytest

from config.policy import CombinedTarget, load_policy
from emergency.optimization.builder import build_problem
from emergency.optimization.formulation import build_mip
from emergency.optimization.solver import solve
from emergency.plans.service import make_plan
from emergency.plans.workbook import write_plan_workbook
from emergency.workflow.issuance import targets_met
from enterprise_registry.columns import RegistryTables
from emergency.vocabulary import WarningLevel as L

LINES = {"K1": (50.0, 0.0, 1e5), "K2": (20.0, 200.0, 1e5), "K3": (0.0, 300.0, 1e4)}
CUTS = (0.0, 0.3, 0.5, 1.0)  # floor (truck ban), options 0.3 / 0.5 / stop


def hand_list(lines=LINES) -> RegistryTables:
    ents = {k: [] for k in ("seq", "county", "name", "uscc", "industry", "grade", "essential_category",
                            "essential_approved_load", "small_micro", "ultra_low_filed", "longitude", "latitude",
                            "contact_person", "contact_phone", "heavy_trucks_per_day")}
    cols = {k: [] for k in ("seq", "uscc", "enterprise_name", "line_code", "line_name", "process", "capacity_unit",
                            "capacity_eia", "capacity_permit", "capacity_actual", "capacity_basis",
                            "output_value_yuan", "interruptible", "min_load", "stop_lead_time_h",
                            "so2_kg", "nox_kg", "pm_kg", "vocs_kg")}
    for i, (code, (so2, nox, value)) in enumerate(lines.items(), start=1):
        uscc = f"91TEST{code:0>12}"[:18]
        for k, v in (("seq", i), ("county", "甲县"), ("name", f"{code}砖厂"), ("uscc", uscc), ("industry", "brick"),
                     ("grade", "B"), ("essential_category", "无"), ("essential_approved_load", None),
                     ("small_micro", False), ("ultra_low_filed", False), ("longitude", None), ("latitude", None),
                     ("contact_person", "张三"), ("contact_phone", "13800000000"), ("heavy_trucks_per_day", 0)):
            ents[k].append(v)
        for k, v in (("seq", i), ("uscc", uscc), ("enterprise_name", f"{code}砖厂"), ("line_code", "L01"),
                     ("line_name", "1#窑炉"), ("process", "kiln"), ("capacity_unit", "万块/日"), ("capacity_eia", 120.0),
                     ("capacity_permit", 110.0), ("capacity_actual", 100.0), ("capacity_basis", 100.0),
                     ("output_value_yuan", value), ("interruptible", True), ("min_load", 0.5),
                     ("stop_lead_time_h", 24.0), ("so2_kg", so2), ("nox_kg", nox), ("pm_kg", 0.0), ("vocs_kg", 0.0)):
            cols[k].append(v)
    areas = {"name": ["测试市", "甲县"], "parent": [None, "测试市"]}
    for p, share in (("so2", 1.0), ("nox", 1.0), ("pm", 0.0), ("vocs", 0.0)):
        areas[f"base_{p}"] = [1000.0, 1000.0]
        areas[f"listed_share_{p}"] = [share, share]
    version = {"name": "测试清单", "effective_date": date(2026, 10, 1), "city": "测试市", "notes": None}
    return RegistryTables(version=version, areas=areas, enterprises=ents, lines=cols)


def with_combined(mode: str = "replace", ratio: float = 0.1, levels=("yellow",)):
    base = load_policy()
    combined = CombinedTarget(pollutants=["SO2", "NOx"], levels=list(levels), ratio=ratio, mode=mode,
                              source="测试：河北省允许SO2与NOx合并考核", confidence="local")
    reduction = base.reduction.model_copy(update={"combined": [combined]})
    return base.model_copy(update={"reduction": reduction})


def cheapest_by_enumeration(lines=LINES, need_so2=None, need_nox=None, need_sum=None):
    """Every one of the 4³ choices, independently of the optimiser: the cheapest that meets the rows."""
    best = None
    for cuts in itertools.product(CUTS, repeat=len(lines)):
        so2 = sum(c * v[0] for c, v in zip(cuts, lines.values()))
        nox = sum(c * v[1] for c, v in zip(cuts, lines.values()))
        cost = sum(c * v[2] for c, v in zip(cuts, lines.values()))
        ok = ((need_so2 is None or so2 >= need_so2 - 1e-9) and (need_nox is None or nox >= need_nox - 1e-9)
              and (need_sum is None or so2 + nox >= need_sum - 1e-9))
        if ok and (best is None or cost < best[0]):
            best = (cost, dict(zip(lines, cuts)))
    return best


def _cuts(doc) -> dict[str, float]:
    out = {code: 0.0 for code in LINES}
    for a in doc.actions:
        code = re.sub(r"^91TEST0*", "", a.line_id.split("/")[0])
        out[code] = a.output_cut
    return out


def test_individual_so2_cannot_be_met_but_the_combined_target_can():
    tables = hand_list()
    assert cheapest_by_enumeration(need_so2=100.0, need_nox=100.0) is None  # 70 kg of SO2 at most
    plain = make_plan(tables, L.YELLOW, policy=load_policy()).document
    assert not plain.feasible and not targets_met(plain)
    short = {(r.area, r.pollutant.value): r.shortfall_kg for r in plain.requirements}
    assert short[("甲县", "SO2")] == pytest.approx(30.0)

    doc = make_plan(tables, L.YELLOW, policy=with_combined()).document
    assert doc.feasible and targets_met(doc)
    rows = {(r.area, r.pollutant.value): r for r in doc.requirements}
    assert len(rows) == 2 * 5  # two areas × (four pollutants + SO2+NOx)
    for area in ("测试市", "甲县"):
        combined = rows[(area, "SO2+NOx")]
        assert combined.required_kg == pytest.approx(0.1 * (1000 + 1000))  # by hand: 200 kg
        assert combined.baseline_kg == pytest.approx(50 + 20 + 200 + 300)
        assert combined.achieved_kg >= 200.0 - 1e-6 and combined.shortfall_kg == 0.0
        assert combined.pollutant.members == ("SO2", "NOx")
        for p in ("SO2", "NOx"):  # replaced: required 0, reported with what they get
            assert rows[(area, p)].required_kg == 0.0 and rows[(area, p)].replaced_by == "SO2+NOx"
        assert rows[(area, "SO2+NOx")].achieved_kg == pytest.approx(
            rows[(area, "SO2")].achieved_kg + rows[(area, "NOx")].achieved_kg)
    cost, cuts = cheapest_by_enumeration(need_sum=200.0)
    assert (cost, cuts) == (1e4, {"K1": 0.0, "K2": 0.0, "K3": 1.0})  # by hand: stop K3
    assert _cuts(doc) == cuts
    assert doc.objective.lost_value_yuan == pytest.approx(cost)
    assert doc.objective.lost_value_yuan < plain.objective.lost_value_yuan
    # per-action kg stay per pollutant
    [k3] = [a for a in doc.actions if a.output_cut > 0]
    assert k3.reduction_kg == {"SO2": 0.0, "NOx": 300.0, "PM": 0.0, "VOCs": 0.0}


def test_a_feasible_split_gets_cheaper_with_the_combined_target():
    """K1 emits 120 kg SO2: the individual rows need K1 stopped (SO2 ≥ 100) and K3 at half
    (NOx ≥ 100): 105,000 yuan; combined, stopping K3 alone (300 ≥ 200): 10,000 yuan."""
    lines = {**LINES, "K1": (120.0, 0.0, 1e5)}
    tables = hand_list(lines)
    plain = make_plan(tables, L.YELLOW, policy=load_policy()).document
    assert plain.feasible
    assert cheapest_by_enumeration(lines, need_so2=100, need_nox=100) == (
        1.05e5, {"K1": 1.0, "K2": 0.0, "K3": 0.5})
    assert plain.objective.lost_value_yuan == pytest.approx(1.05e5)
    doc = make_plan(tables, L.YELLOW, policy=with_combined()).document
    assert doc.feasible and doc.objective.lost_value_yuan == pytest.approx(1e4)
    # "add" keeps the individual rows: same plan as without the combined row here (120 + 150 ≥ 200)
    added = make_plan(tables, L.YELLOW, policy=with_combined(mode="add")).document
    assert added.objective.lost_value_yuan == pytest.approx(1.05e5)
    rows = {(r.area, r.pollutant.value): r for r in added.requirements}
    assert rows[("甲县", "SO2")].required_kg == pytest.approx(100.0) and rows[("甲县", "SO2")].replaced_by is None
    assert rows[("甲县", "SO2+NOx")].required_kg == pytest.approx(200.0)


def test_the_combined_ratio_can_bind_in_add_mode():
    """add mode, combined ratio 0.25 (500 kg) above the individual rows (100 + 100): the
    LP bound and the MIP both honour it (enumeration gives the optimum)."""
    lines = {**LINES, "K1": (120.0, 0.0, 1e5)}
    policy = with_combined(mode="add", ratio=0.25)
    problem, _ = build_problem(hand_list(lines), policy, L.YELLOW)
    best_cost, best_cuts = cheapest_by_enumeration(lines, need_so2=100, need_nox=100, need_sum=500)
    result = solve(problem)
    assert result.objective == pytest.approx(best_cost)
    assert result.lower_bound <= best_cost + 1e-6
    chosen = dict(zip(LINES, problem.output_cut[result.choice].tolist()))
    assert chosen == best_cuts
    assert problem.achieved(result.choice)[:, 4].min() >= 500 - 1e-6


def test_not_in_force_at_other_levels():
    policy = with_combined(levels=("orange",))
    problem, _ = build_problem(hand_list(), policy, L.YELLOW)
    assert problem.pollutants == ("SO2", "NOx", "PM", "VOCs")
    problem, _ = build_problem(hand_list(), policy, L.ORANGE)
    assert problem.pollutants[-1] == "SO2+NOx"


def _mps_entries(mps: str, section: str) -> dict[tuple[str, str], float]:
    """(column, row) -> value of an MPS section (COLUMNS or RHS): name/value pairs after the first field."""
    out, inside = {}, False
    for line in mps.splitlines():
        if not line.startswith(" "):
            inside = line.split()[0] == section if line.strip() else inside
            continue
        if inside:
            f = line.split()
            if any("MARKER" in x for x in f):  # integrality markers
                continue
            for row, value in zip(f[1::2], f[2::2]):
                out[(f[0], row)] = float(value)
    return out


def test_mps_model_has_the_combined_rows():
    problem, _ = build_problem(hand_list(), with_combined(), L.YELLOW)
    mps = build_mip(problem, names=True).export_to_mps_string()
    rhs = {row: v for (_, row), v in _mps_entries(mps, "RHS").items()}
    cols = _mps_entries(mps, "COLUMNS")
    for a in ("测试市", "甲县"):
        assert rhs[f"target[{a},SO2+NOx]"] == pytest.approx(200.0)  # 0.1 × (1,000 + 1,000)
        assert rhs.get(f"target[{a},SO2]", 0.0) == 0.0  # replaced
        # coefficient = SO2 + NOx kg of the option: K2 at 50 % = 0.5 × (20 + 200); K3 stop = 300
        assert cols[("x#91TEST0000000000K2/L01#2", f"target[{a},SO2+NOx]")] == pytest.approx(110.0)
        assert cols[("x#91TEST0000000000K3/L01#3", f"target[{a},SO2+NOx]")] == pytest.approx(300.0)


def test_workbook_labels_the_combined_rows(tmp_path):
    from openpyxl import load_workbook

    doc = make_plan(hand_list(), L.YELLOW, policy=with_combined()).document
    path = write_plan_workbook(doc, tmp_path / "plan.xlsx")
    sheet = load_workbook(path)["减排目标"]
    labels = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "SO2+NOx合计" in labels and "SO2(并入SO2+NOx合计)" in labels and "颗粒物" in labels


def test_a_combined_shortfall_is_reported_and_blocks_issuance():
    """Ratio 0.5 replace: SO2 + NOx ≥ 0.5 × 2,000 = 1,000 kg, but stopping all three lines
    gives 50 + 20 + 200 + 300 = 570 kg: a 430 kg shortfall on the combined row."""
    from emergency.plans.document import PlanDocument

    doc = make_plan(hand_list(), L.YELLOW, policy=with_combined(ratio=0.5)).document
    assert not doc.feasible and not targets_met(doc)
    rows = {(r.area, r.pollutant.value): r for r in doc.requirements}
    assert rows[("甲县", "SO2+NOx")].shortfall_kg == pytest.approx(430.0)
    assert rows[("甲县", "SO2")].shortfall_kg == 0.0  # replaced: not short on its own
    again = PlanDocument.model_validate_json(doc.model_dump_json())  # stored and read back
    assert [r.pollutant.value for r in again.requirements] == [r.pollutant.value for r in doc.requirements]
    assert not targets_met(again)
