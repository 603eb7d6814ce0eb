"""The engine against brute force and an independent exact MIP, on small instances."""

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emergency.optimization import baselines
from emergency.optimization.formulation import write_mps
from emergency.optimization.problem import MeasureProblem
from emergency.optimization.result import SolveStatus
from emergency.optimization.solver import solve


def make(cuts_per_line, values, emissions, county, required, counties=2):
    lens = [len(c) for c in cuts_per_line]
    start = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    cut = np.concatenate([np.asarray(c, float) for c in cuts_per_line])
    line = np.repeat(np.arange(len(lens)), lens)
    values, emissions = np.asarray(values, float), np.asarray(emissions, float)
    return MeasureProblem(
        line_ids=np.array([f"L{i}" for i in range(len(lens))], dtype=object),
        line_start=start,
        cost=cut * values[line],
        reduction=cut[:, None] * emissions[line],
        output_cut=cut,
        option_code=np.array(["x"] * len(cut), dtype=object),
        line_areas=np.column_stack([np.asarray(county) + 1, np.zeros(len(lens), int)]),
        area_names=tuple(["city"] + [f"c{i}" for i in range(counties)]),
        required=np.asarray(required, float),
    )


def brute_force(p: MeasureProblem):
    blocks = [range(s, e) for s, e in zip(p.line_start[:-1], p.line_start[1:])]
    best = None
    for combo in itertools.product(*blocks):
        c = np.array(combo)
        if np.all(p.achieved(c) >= p.required - 1e-6 * (1 + p.required)):
            v = p.cost_of(c)
            best = v if best is None or v < best else best
    return best


@st.composite
def instances(draw):
    n = draw(st.integers(2, 7))
    cuts = []
    for _ in range(n):
        floor = draw(st.sampled_from([0.0, 0.0, 0.2, 0.5]))
        ladder = [c for c in (0.3, 0.5, 1.0) if c > floor and draw(st.booleans())]
        cuts.append([floor] + ladder)
    values = draw(st.lists(st.floats(1e3, 1e6, allow_subnormal=False), min_size=n, max_size=n))
    kg = st.one_of(st.just(0.0), st.floats(0.01, 100))  # kg/day: zero or a measurable amount
    emissions = draw(st.lists(st.lists(kg, min_size=4, max_size=4), min_size=n, max_size=n))
    county = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    share = draw(st.floats(0.0, 0.9))
    p0 = make(cuts, values, emissions, county, np.zeros((3, 4)))
    req = share * p0.max_achievable()
    return make(cuts, values, emissions, county, req)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_engine_matches_brute_force(p):
    opt = brute_force(p)
    r = solve(p, gap_tolerance=1e-9)
    assert opt is not None and r.feasible
    assert r.lower_bound <= opt + 1e-6 * (1 + opt)  # the bound is a lower bound
    assert r.objective >= opt - 1e-6 * (1 + opt)
    assert r.objective <= opt * (1 + 1e-6) + 1e-6  # small instances: exact
    assert np.all(p.achieved(r.choice) >= p.required - 1e-6)
    p.check_choice(r.choice)


def test_infeasible_reports_shortfall():
    # one county line can cut at most 50 kg SO2; 80 kg are required in county 0
    p = make([[0.0, 0.5]], [1e5], [[100, 0, 0, 0]], [0], [[0, 0, 0, 0], [80, 0, 0, 0], [0, 0, 0, 0]])
    r = solve(p)
    assert r.status is SolveStatus.INFEASIBLE and r.choice is None
    assert r.shortfall[1, 0] == pytest.approx(30.0)
    assert r.shortfall.sum() == pytest.approx(30.0)


def test_hand_built_trade_off_and_duals():
    # Two lines in county 0, SO2 only. Need 60 kg.
    # A: 100 kg, value 1000 -> 10 yuan/kg. B: 100 kg, value 3000 -> 30 yuan/kg.
    # Options: cut 0, 0.3, 0.5, 1.0. Best: A at 0.5 (50 kg, 500) + B at 0.3? 30 kg for 900 -> 1400.
    # Or A stop (100 kg) 1000. Optimum 1000. LP: A at 0.6 -> 600 (bound), dual 10 yuan/kg.
    cuts = [[0.0, 0.3, 0.5, 1.0], [0.0, 0.3, 0.5, 1.0]]
    p = make(cuts, [1000, 3000], [[100, 0, 0, 0], [100, 0, 0, 0]], [0, 0], [[0] * 4, [60, 0, 0, 0], [0] * 4])
    r = solve(p, gap_tolerance=1e-9)
    assert r.objective == pytest.approx(1000.0)
    assert r.lower_bound == pytest.approx(600.0)
    assert r.duals[1, 0] == pytest.approx(10.0)  # the marginal price of county 0's SO2
    assert r.status is SolveStatus.FEASIBLE  # 40 % above the LP bound: not claimed optimal


def test_floor_is_respected_and_spared_line_untouched():
    # line 0 is spared (only its no-measure option); line 1's floor is a 50 % cut
    p = make([[0.0], [0.5, 1.0]], [1e6, 10], [[500, 0, 0, 0], [10, 0, 0, 0]], [0, 0], [[0] * 4, [0] * 4, [0] * 4])
    r = solve(p)
    assert r.choice[0] == 0 and r.choice[1] == 1  # line 1 stays at its floor (index 1 = first of its block)
    assert r.objective == pytest.approx(5.0)


def test_baselines_on_the_same_instance():
    rng = np.random.default_rng(3)
    n = 40
    cuts = [[0.0, 0.3, 0.5, 1.0] for _ in range(n)]
    values = rng.uniform(1e3, 1e5, n)
    em = rng.uniform(0, 50, (n, 4))
    county = rng.integers(0, 2, n)
    p0 = make(cuts, values, em, county, np.zeros((3, 4)))
    p = make(cuts, values, em, county, 0.4 * p0.max_achievable())
    engine = solve(p)
    assert baselines.rules_only(p).status is SolveStatus.TARGETS_NOT_MET
    g = baselines.greedy(p)
    mip = baselines.plain_mip(p, time_limit=20)
    assert g.feasible and mip.feasible
    assert engine.lower_bound <= mip.objective + 1e-6
    assert engine.objective <= g.objective + 1e-6
    assert engine.objective <= mip.objective * (1 + 5e-4) + 1e-6


def test_mps_resolved_independently_gives_the_same_optimum(tmp_path):
    from ortools.linear_solver.python import model_builder_helper as mbh

    rng = np.random.default_rng(5)
    n = 7
    cuts = [[0.0, 0.3, 0.5, 1.0] for _ in range(n)]
    values, em, county = rng.uniform(1e3, 1e5, n), rng.uniform(0, 50, (n, 4)), rng.integers(0, 2, n)
    p0 = make(cuts, values, em, county, np.zeros((3, 4)))
    p = make(cuts, values, em, county, 0.35 * p0.max_achievable())
    path = write_mps(p, tmp_path / "m.mps")
    text = path.read_text(encoding="utf-8")
    assert "x#L0#0" in text and "target[c0,SO2]" in text
    model = mbh.ModelBuilderHelper()
    model.import_from_mps_file(str(path))
    assert model.num_variables() == p.n_options
    solver = mbh.ModelSolverHelper("scip")
    solver.solve(model)
    assert solver.status() == mbh.SolveStatus.OPTIMAL
    assert brute_force(p) == pytest.approx(solver.objective_value(), rel=1e-6)
    assert solve(p, gap_tolerance=1e-9).objective == pytest.approx(solver.objective_value(), rel=1e-6)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_default_tolerance_is_kept_whether_or_not_the_mip_runs(p):
    """The neighbourhood MIP is skipped only when the rounded LP choice is already within half
    the gap tolerance; either way a plan claimed optimal is within the tolerance of the optimum."""
    opt = brute_force(p)
    r = solve(p)  # gap tolerance 5e-4
    assert r.feasible and np.all(p.achieved(r.choice) >= p.required - 1e-6)
    if r.info["neighbourhood_skipped"]:
        assert r.objective <= r.lower_bound / (1 - 2.5e-4) + 1e-6
    if r.status is SolveStatus.OPTIMAL:
        assert r.objective <= opt / (1 - 5e-4) + 1e-6


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_a_tighter_tolerance_never_gives_a_dearer_plan(p):
    """Asking for a smaller gap runs the neighbourhood MIP where the default may skip it; its
    answer is kept only if it is no dearer than the rounded LP choice it started from. (The
    MIP counts whole yuan: within that rounding, one yuan a line.)"""
    loose, tight = solve(p), solve(p, gap_tolerance=0.0)
    assert loose.feasible and tight.feasible
    assert tight.objective <= loose.objective + p.n_lines
