"""The joint bound of a city and its counties, and the slot calendar, against hand
computations, enumeration and an optimum proven by CP-SAT."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from emergency.rotation import joint_bound as J
from emergency.rotation.model import PPM, build_model
from emergency.rotation.problem import build_problem
from emergency.rotation.rules import RotationRules
from emergency.rotation.slots import slot_calendar, slot_lengths, spread_value
from emergency.rotation.solve import solve
from tests.rotation.factory import firm, tables


def _lumpy_city():
    """甲县: kilns of 60 and 40 (each 2 of 4 days); 乙县: one kiln of 100 (2 of 4 days).

    By hand: 甲县 peaks at 60 % only with its kilns apart (its own bound), and then one
    of them stops on each day; 乙县 is 100 % on its two days. The city (200) on 乙县's
    days carries 50 % plus a 甲县 kiln: at least 50 + 20 = 70 %. With 甲县's kilns
    together (100 %) the city can be flat at 50 %. Optimum 0.6 + 1.0 + 0.7 = 2.3 against
    0.6 + 1.0 + 1.0 + 0.5 = 2.5; the groups' own bounds sum to 0.6 + 1.0 + 0.5 = 2.1."""
    r = RotationRules(window_start="12-01", window_end="12-04", industries=["brick"], stop_days={"C": 2},
                      min_block_days=1, spread_areas=["city", "county"])
    t = tables([firm("1", county="甲县", capacity=60), firm("2", county="甲县", capacity=40),
                firm("3", county="乙县", capacity=100)])
    return build_problem(t, r, "2026-2027")


def _brute_force(p) -> float:
    """The least Σ of group peaks over every calendar (each line: any 2 of the 4 days)."""
    choices = list(itertools.combinations(range(p.n_days), 2))
    best = np.inf
    for pick in itertools.product(choices, repeat=p.n_lines):
        stops = np.zeros((p.n_lines, p.n_days))
        for l, days in enumerate(pick):
            stops[l, list(days)] = 1
        total = 0.0
        for g in p.groups:
            total += float((stops[g.lines] * p.capacity[g.lines][:, None]).sum(axis=0).max() / g.capacity)
        best = min(best, total)
    return best


def test_joint_bound_by_hand_and_against_the_optimum():
    p = _lumpy_city()
    assert abs(_brute_force(p) - 2.3) < 1e-9
    rm = build_model(p)
    assert rm.objective_floor == pytest.approx(2.1 * PPM, abs=10)  # the groups one by one
    lift = J.joint_lift(p, rm)
    assert lift is not None
    floor = lift.run(10.0)
    # proven: within the bisection's tolerance of the optimum, never above it
    assert 2.3 * PPM - J.TOLERANCE - 10 <= floor <= 2.3 * PPM + 10
    assert lift.coupled
    res = solve(p, time_limit=10)
    assert res.feasible and res.objective == pytest.approx(2.3 * PPM, abs=10)
    assert res.best_bound is not None and res.best_bound <= res.objective + 1e-6
    assert res.best_bound >= 2.3 * PPM - J.TOLERANCE - 10  # the joint bound reached the result


def test_joint_bound_never_above_the_optimum():
    """Random small cities (four kilns in two counties, 2 of 4 days each): the joint
    bound is a bound — never above the least Σ of peaks over every calendar — and it
    lifts the groups' own bounds in some of them."""
    r = RotationRules(window_start="12-01", window_end="12-04", industries=["brick"], stop_days={"C": 2},
                      min_block_days=1, spread_areas=["city", "county"])
    lifted = 0
    for seed in range(12):
        rng = np.random.default_rng(seed)
        caps = rng.integers(5, 100, 4)
        counties = ["甲县", "甲县", "乙县", "乙县"] if seed % 2 else ["甲县", "甲县", "甲县", "乙县"]
        firms = [firm(str(i), county=c, capacity=int(v)) for i, (c, v) in enumerate(zip(counties, caps))]
        p = build_problem(tables(firms), r, "2026-2027")
        rm = build_model(p)
        lift = J.joint_lift(p, rm)
        floor = lift.run(5.0)
        assert lift.settled
        # model ppm: each group's peak is off by at most (n + 1) / 2 of the real one
        assert rm.objective_floor <= floor <= _brute_force(p) * PPM + 2 * len(p.groups), (seed, caps)
        lifted += floor > rm.objective_floor + J.TOLERANCE
    assert lifted >= 2


def test_no_coupling_leaves_the_bound_alone():
    """Two counties of one kiln each, 2 of 4 days: apart, every group sits at its own bound."""
    r = RotationRules(window_start="12-01", window_end="12-04", industries=["brick"], stop_days={"C": 2},
                      min_block_days=1, spread_areas=["city", "county"])
    p = build_problem(tables([firm("1", county="甲县"), firm("2", county="乙县")]), r, "2026-2027")
    rm = build_model(p)
    lift = J.joint_lift(p, rm)
    assert lift.run(5.0) == rm.objective_floor
    assert not lift.coupled  # settled: no more time is spent on it


def test_knapsack_is_exact_on_the_rounded_rooms(monkeypatch):
    forms = []  # the convolution over the units used (rising tables) and over the units left unused
    max_plus = J._max_plus
    monkeypatch.setattr(J, "_max_plus", lambda a, b, limit, rising: forms.append(rising) or max_plus(a, b, limit, rising))
    rng = np.random.default_rng(3)
    for _ in range(60):
        n, k = int(rng.integers(3, 11)), int(rng.integers(1, 5))
        cap = rng.uniform(1, 50, n)
        county = rng.integers(0, k, n)
        county_cap = np.array([cap[county == c].sum() + 1.0 for c in range(k)])
        inst = J.JointInstance(
            need=np.ones(n, dtype=np.int64), capacity=cap, county=county, days=10, city_capacity=float(cap.sum()),
            city_const=0.0, city_lines=n, county_capacity=county_cap, county_const=np.zeros(k),
            county_lines=np.bincount(county, minlength=k), county_floor=np.zeros(k, dtype=np.int64), city_floor=0)
        county_caps = rng.uniform(0.1, 0.9, k) * PPM
        # half the cases: the city's room a little under the counties' together (a few units left unused)
        near = float((county_caps / PPM * county_cap).sum() / inst.city_capacity) * float(rng.uniform(0.9, 1.0))
        city_cap = (near if _ % 2 else float(rng.uniform(0.1, 0.9))) * PPM
        rooms = J._rooms(inst, city_cap, county_caps)
        value = rng.uniform(0, 1, n)
        got, chosen = J.knapsack(inst, rooms, value)
        best_rounded = best_real = 0.0
        for bits in itertools.product((0, 1), repeat=n):
            y = np.array(bits, dtype=bool)
            w = rooms.weight[y]
            if w.sum() <= rooms.city and all(w[county[y] == c].sum() <= rooms.county[c] for c in range(k)):
                best_rounded = max(best_rounded, float(value[y].sum()))
            real_city = cap[y].sum() / inst.city_capacity <= city_cap / PPM
            real_county = all(cap[y & (county == c)].sum() / county_cap[c] <= county_caps[c] / PPM for c in range(k))
            if real_city and real_county:
                best_real = max(best_real, float(value[y].sum()))
        assert got == pytest.approx(best_rounded)
        assert float(value[chosen].sum()) == pytest.approx(got)  # the set returned is the optimum
        assert J._allowed(inst, rooms, chosen)  # … and fits the rooms
        assert got >= best_real - 1e-12  # a relaxation of the real rule: certificates stay proofs
    assert True in forms and False in forms


@pytest.mark.parametrize("unused", [1, 3, 12, 40, 400])
def test_knapsack_over_units_used_and_unused(unused, monkeypatch):
    """Rooms in units given directly: the city's room ``unused`` units under the counties'
    together, so both convolutions are taken (few units left: over the unused ones)."""
    forms = []
    max_plus = J._max_plus
    monkeypatch.setattr(J, "_max_plus", lambda a, b, limit, rising: forms.append(rising) or max_plus(a, b, limit, rising))
    rng = np.random.default_rng(unused)
    for _ in range(15):
        n, k = 11, 3
        county = np.arange(n) % k
        weight = rng.integers(1, 25, n)
        inst = J.JointInstance(
            need=np.ones(n, dtype=np.int64), capacity=weight.astype(float), county=county, days=10,
            city_capacity=float(weight.sum()), city_const=0.0, city_lines=n, county_capacity=np.ones(k),
            county_const=np.zeros(k), county_lines=np.bincount(county), county_floor=np.zeros(k, dtype=np.int64),
            city_floor=0)
        county_room = np.array([int(weight[county == c].sum()) * 2 // 3 for c in range(k)])
        rooms = J._Rooms(weight=weight, city=max(int(county_room.sum()) - unused, 1), county=county_room)
        value = rng.uniform(0, 1, n)
        got, chosen = J.knapsack(inst, rooms, value)
        best = max(float(value[np.array(bits, dtype=bool)].sum()) for bits in itertools.product((0, 1), repeat=n)
                   if J._allowed(inst, rooms, np.array(bits, dtype=bool)))
        assert got == pytest.approx(best)
        assert float(value[chosen].sum()) == pytest.approx(got) and J._allowed(inst, rooms, chosen)
    assert (False in forms) == (unused <= 12)  # few units left unused: the convolution runs over them


def test_slot_lengths():
    assert slot_lengths(120, 7) == [7, 8] * 8  # 8 × 7 + 8 × 8 = 120
    assert sum(slot_lengths(121, 7)) == 121 and min(slot_lengths(121, 7)) >= 7
    assert slot_lengths(5, 7) == []


def test_slot_calendar_keeps_quotas_and_blocks():
    r = RotationRules(window_start="11-15", window_end="03-14", industries=["brick"], stop_days={"C": 45, "B": 30},
                      min_block_days=7, spread_areas=["city", "county"])
    firms = [firm(str(i), county="甲县乙县丙县"[i % 3 * 2: i % 3 * 2 + 2], capacity=20 + 7 * i,
                  grade="C" if i % 2 else "B") for i in range(12)]
    p = build_problem(tables(firms), r, "2026-2027")
    cal = slot_calendar(p, 3.0, seed=1)
    assert cal is not None
    for l in p.rotating:
        assert int(cal[l].sum()) == int(p.quota[l])
        runs = np.diff(np.concatenate([[0], cal[l].astype(int), [0]]))
        assert (np.nonzero(runs == -1)[0] - np.nonzero(runs == 1)[0] >= 7).all()
    res = solve(p, time_limit=5, seed=1)
    assert res.feasible and res.info["hint"] == "slots"
    # the objective computed from the days, independently of the model's variables
    assert spread_value(p, res.calendar.stops) == pytest.approx(res.objective, abs=len(p.groups))
