"""A generated region planned jointly and alone, checked from the lists themselves.

Every expected value is recomputed here from the registry tables and the plan's actions
(line id -> output cut): the national red ratio (30 %, config/national/policy.toml) ×
base × listed share per area, a line's reduction = its cut × its listed kg (no national
measure overrides emission shares), its lost output = cut × its daily output value.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from emergency.joint.service import RegionSpec, plan_region
from emergency.joint.pooling import load_pooling
from enterprise_registry.generator import generate_region, generate_registry
from enterprise_registry.uscc import is_valid_uscc

RED = 0.30
POL = ("so2", "nox", "pm", "vocs")
CITIES = ["北京市", "天津市", "石家庄市"]  # national policy (no locality file names them)


@pytest.fixture(scope="module")
def region():
    return generate_region(3, firms_per_city=150, seed=7, names=CITIES)


@pytest.fixture(scope="module")
def plan(region):
    return plan_region(region, "red", "compare", region=RegionSpec("测试区域", tuple(CITIES)))


def test_demo_city_is_unchanged_draw_for_draw():
    # hash of generate_registry(2000, 1) taken before generate_region was added
    t = generate_registry(2000, 1)
    digest = hashlib.sha256(repr((t.version, t.areas, t.enterprises, t.lines)).encode()).hexdigest()
    assert digest == "6f80f5c519ed13a01ee7b2eba4c14ff1ae15a0b7222dbc3a40ab45e4d7d351b5"


def test_region_lists(region):
    assert [t.version["city"] for t in region] == CITIES
    usccs = [u for t in region for u in t.enterprises["uscc"]]
    assert len(set(usccs)) == len(usccs) and all(is_valid_uscc(u) for u in usccs)
    for t in region:
        assert t.areas["parent"][0] is None and "城区" in t.areas["name"]  # county names repeat across cities
        assert set(t.lines["uscc"]) <= set(t.enterprises["uscc"])
        assert t.version["name"].startswith(t.version["city"])
    lon = [np.mean(t.enterprises["longitude"]) for t in region]
    assert lon[0] == pytest.approx(116.4, abs=0.6) and lon[2] == pytest.approx(114.5, abs=0.6)
    # each city its own mix: 北京市's printing and coating firms weigh three times the base mix
    printing = [sum(i in ("packaging_printing", "industrial_coating") for i in t.enterprises["industry"]) / 150 for t in region]
    assert printing[0] > 1.5 * printing[2]
    again = generate_region(3, firms_per_city=150, seed=7, names=CITIES)
    assert again[1].enterprises["uscc"] == region[1].enterprises["uscc"]


def test_lines_total_sizes_the_region():
    r = generate_region(4, lines_total=4000, seed=2)
    total = sum(len(t.lines["uscc"]) for t in r)
    assert 3000 < total < 5000
    assert len({len(t.lines["uscc"]) for t in r}) == 4  # cities of different sizes


def _recompute(tables, actions: dict[str, float]):
    """(areas, required (A, 4), achieved (A, 4), lost output) of one city from its list."""
    ents, lines, areas = tables.enterprises, tables.lines, tables.areas
    county = dict(zip(ents["uscc"], ents["county"]))
    names = list(areas["name"])
    req = np.array([[areas[f"base_{p}"][a] * areas[f"listed_share_{p}"][a] * RED for p in POL] for a in range(len(names))])
    got = np.zeros_like(req)
    lost = 0.0
    for i, u in enumerate(lines["uscc"]):
        cut = actions[f"{u}/{lines['line_code'][i]}"]
        kg = np.array([lines[f"{p}_kg"][i] for p in POL]) * cut
        got[0] += kg
        got[names.index(county[u])] += kg
        lost += cut * lines["output_value_yuan"][i]
    return names, req, got, lost


def test_every_city_and_county_target_from_the_actions(plan, region):
    phi = load_pooling().floor_share
    sep_lost = joint_lost = 0.0
    joint_total, need_total = np.zeros(4), np.zeros(4)
    for t, s, j in zip(region, plan.separate.cities, plan.joint.cities):
        names, req, got, lost = _recompute(t, s.actions())
        assert np.all(got >= req * (1 - 1e-9) - 1e-6), f"{t.version['city']} alone misses a row"
        assert lost == pytest.approx(s.lost_output, rel=1e-9)
        sep_lost += lost
        names, req, got, lost = _recompute(t, j.actions())
        assert np.all(got >= phi * req * (1 - 1e-9) - 1e-6), f"{t.version['city']} jointly below its floor share"
        assert lost == pytest.approx(j.lost_output, rel=1e-9)
        joint_lost += lost
        joint_total += got[0]
        need_total += req[0]
    # the regional sum: at least what the cities would deliver alone
    assert np.all(joint_total >= need_total * (1 - 1e-9))
    assert plan.joint.regional_achieved[:4] == pytest.approx(joint_total, rel=1e-9)
    # the claimed saving, recomputed from the cities' own figures
    assert plan.saving == pytest.approx(sep_lost - joint_lost, rel=1e-9, abs=1e-3)
    assert plan.saving > 0 and plan.proven_saving > 0  # pooling moved reduction here: a real saving
    assert min(c.coverage() for c in plan.joint.cities) < 0.99  # some city leans on the others
    assert plan.separate.objective == pytest.approx(sep_lost, rel=1e-9)
    for m in (plan.separate, plan.joint):
        assert m.bound <= m.objective + 1e-6
        assert m.status.value == ("optimal" if m.gap <= 5e-4 else "feasible")  # time-limited MIPs on a busy machine


def test_report_rows_agree(plan, tmp_path):
    from openpyxl import load_workbook

    from emergency.joint import report

    data = report.to_json(plan)
    rows = {r["city"]: r for r in data["by_city"]}
    assert sum(r["saving_yuan"] for r in rows.values()) == pytest.approx(plan.saving, rel=1e-9, abs=1e-3)
    assert data["separate"]["relative_gap"] is not None and data["joint"]["bound_yuan"] is not None
    shares = np.array([r["joint_share_of_region"] for r in rows.values()])
    assert shares.sum(axis=0) == pytest.approx(np.ones(4), rel=1e-9)  # who carries what adds up to the region
    path = report.write_workbook(plan, tmp_path / "r.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["汇总", "城市", "区县", "措施变化"]
    moved = {(row[0].value, row[1].value) for row in wb["措施变化"].iter_rows(min_row=2)}
    expected = {(s.city, lid) for s, j in zip(plan.separate.cities, plan.joint.cities)
                for lid, cut in s.actions().items() if abs(j.actions()[lid] - cut) > 1e-12}
    assert moved == expected and expected
    assert [c.value for c in wb["城市"][1]] == list(report.CITY_HEADERS)
    assert wb["城市"].max_row == 1 + len(CITIES)
    assert not any(isinstance(c.value, str) and c.value.startswith("=") for row in wb["区县"].iter_rows() for c in row)
