"""The joint model against answers computed by hand and by brute force (hand-built problems)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from emergency.errors import OptimizationError
from emergency.joint.model import CityProblem, Mode, build_joint, define_columns
from emergency.joint.solve import solve_joint, solve_separate
from emergency.optimization.problem import MeasureProblem


def city(name: str, lines: list[list[tuple[float, float]]], county_of: list[int], counties: list[str],
         required: list[float], pollutant: int = 0) -> CityProblem:
    """A city whose lines have options (cost, kg of one pollutant); rows: the city, then its
    counties, each requiring ``required`` (city first) of that pollutant."""
    starts = np.cumsum([0] + [len(o) for o in lines])
    cost = np.array([c for opts in lines for c, _ in opts], dtype=float)
    red = np.zeros((len(cost), 4))
    red[:, pollutant] = [r for opts in lines for _, r in opts]
    cut = np.array([k / max(len(o) - 1, 1) for o in lines for k in range(len(o))])
    areas = (name, *counties)
    req = np.zeros((len(areas), 4))
    req[:, pollutant] = required
    problem = MeasureProblem(
        line_ids=np.array([f"{name}#{i}" for i in range(len(lines))], dtype=object),
        line_start=starts.astype(np.int64), cost=cost, reduction=red, output_cut=cut,
        option_code=np.array(["floor"] * len(cost), dtype=object),
        line_areas=np.array([[1 + c, 0] for c in county_of], dtype=np.int64),
        area_names=areas, required=req,
    )
    return CityProblem(name, problem, None, "", np.zeros(4))


def test_joint_moves_reduction_to_the_cheap_city_worked_by_hand():
    # A: two lines losing 100 each for 10 kg; B: two lines losing 1000 each for 10 kg; each
    # city (and its one county) must remove 15 kg: alone both stop everything (200 + 2000).
    # Jointly at φ = 0.5 each keeps ≥ 7.5 kg (one line) and the region ≥ 30 kg (three lines):
    # A's two lines and one of B's: 200 + 1000 = 1200; the saving is 1000 yuan/day.
    a = city("甲市", [[(0, 0), (100, 10)]] * 2, [0, 0], ["城区"], [15, 15])
    b = city("乙市", [[(0, 0), (1000, 10)]] * 2, [0, 0], ["城区"], [15, 15])
    columns, _ = define_columns([a, b])
    sep = solve_separate([a, b], columns)
    model = build_joint([a, b], Mode.JOINT, floor_share=0.5)
    joint = solve_joint(model)
    assert sep.objective == pytest.approx(2200)
    assert joint.objective == pytest.approx(1200)
    assert [c.lost_output for c in joint.cities] == pytest.approx([200, 1000])
    assert joint.regional_required[0] == pytest.approx(30)
    assert joint.regional_achieved[0] == pytest.approx(30)
    # the county names repeat across cities; the model keeps them apart
    assert set(model.problem.area_names) == {"甲市", "甲市/城区", "乙市", "乙市/城区", "区域:区域"}
    # LP bounds: jointly A's 20 kg (200) and B's 10 kg (1000) = 1200, the plan is optimal; alone
    # each city's 15 kg of 20 at its price: 150 + 1500 = 1650 (a real integrality gap)
    assert joint.bound == pytest.approx(1200) and sep.bound == pytest.approx(1650)


def test_a_city_that_does_not_pool_keeps_its_whole_target():
    a = city("甲市", [[(0, 0), (100, 10)]] * 2, [0, 0], ["城区"], [15, 15])
    b = city("乙市", [[(0, 0), (1000, 10)]] * 2, [0, 0], ["城区"], [15, 15])
    joint = solve_joint(build_joint([a, b], Mode.JOINT, floor_share=0.5, pooled={"甲市"}))
    # 乙市 keeps its 15 kg: both lines (20 kg, 2000); 甲市 keeps ≥ 7.5 kg (one line, 100), and
    # the region's 30 kg is then met (20 + 10): 2100 — not 1200 as when both pool
    assert joint.objective == pytest.approx(2100)


def test_regional_share_raises_the_regional_row():
    a = city("甲市", [[(0, 0), (100, 10)]] * 3, [0, 0, 0], ["城区"], [5, 5])
    a = CityProblem(a.city, a.problem, None, "", np.array([100.0, 0, 0, 0]))
    model = build_joint([a], Mode.JOINT, floor_share=1.0, targets={"SO2": 0.25})
    assert model.regional_required[0] == pytest.approx(25)  # max(5, 0.25 × 100)
    assert solve_joint(model).objective == pytest.approx(300)


def _brute(cities: list[CityProblem], phi: float, joint: bool) -> float:
    best = np.inf
    opts = [range(cp.problem.line_start[l], cp.problem.line_start[l + 1]) for cp in cities for l in range(cp.problem.n_lines)]
    sizes = np.cumsum([0] + [cp.problem.n_lines for cp in cities])
    for pick in itertools.product(*opts):
        total_red, total_req, cost, ok = np.zeros(4), np.zeros(4), 0.0, True
        for c, cp in enumerate(cities):
            p = cp.problem
            choice = np.array(pick[sizes[c]:sizes[c + 1]])
            cost += p.cost[choice].sum()
            got = np.zeros_like(p.required)
            for l, j in enumerate(choice):
                for a in p.line_areas[l]:
                    if a >= 0:
                        got[a] += p.reduction[j]
            ok &= bool(np.all(got >= (phi if joint else 1.0) * p.required - 1e-9))
            total_red += got[0]
            total_req += p.required[0]
        if joint:
            ok &= bool(np.all(total_red >= total_req - 1e-9))
        if ok:
            best = min(best, cost)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_joint_and_separate_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    cities = []
    for c in range(2):
        n = int(rng.integers(3, 5))
        lines = [[(0.0, 0.0)] + sorted((float(rng.integers(10, 200)) * s, float(rng.integers(1, 20)) * s) for s in (0.5, 1.0))
                 for _ in range(n)]
        county_of = rng.integers(0, 2, n).tolist()
        cap = np.zeros(3)
        for l, k in zip(lines, county_of):
            cap[0] += l[-1][1]
            cap[1 + k] += l[-1][1]
        cities.append(city(f"城{c}", lines, county_of, ["城区", "郊区"], (cap * rng.uniform(0.2, 0.6)).round(1).tolist()))
    columns, _ = define_columns(cities)
    sep = solve_separate(cities, columns)
    joint = solve_joint(build_joint(cities, Mode.JOINT, floor_share=0.6))
    b_sep, b_joint = _brute(cities, 1.0, False), _brute(cities, 0.6, True)
    assert sep.objective == pytest.approx(b_sep, rel=5e-4) and sep.bound <= b_sep + 1e-6
    assert joint.objective == pytest.approx(b_joint, rel=5e-4) and joint.bound <= b_joint + 1e-6
    assert joint.objective <= sep.objective + 1e-6  # every plan feasible alone is feasible jointly


def test_compare_mode_and_duplicate_cities_are_refused():
    a = city("甲市", [[(0, 0), (100, 10)]], [0], ["城区"], [5, 5])
    with pytest.raises(OptimizationError):
        build_joint([a, a], Mode.JOINT)
    with pytest.raises(OptimizationError):
        build_joint([a], Mode.COMPARE)
    with pytest.raises(OptimizationError):
        build_joint([a], Mode.JOINT, floor_share=1.5)


def test_infeasible_joint_names_the_rows():
    a = city("甲市", [[(0, 0), (100, 10)]], [0], ["城区"], [50, 50])
    joint = solve_joint(build_joint([a], Mode.JOINT, floor_share=1.0))
    assert not joint.feasible
    assert any("target[甲市,SO2]" in u for u in joint.unmet)
