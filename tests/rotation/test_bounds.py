"""The proven lower bounds of a group's heaviest day, against hand computations and a
brute-force optimum."""

from __future__ import annotations

import itertools

import numpy as np

from emergency.rotation.model import configuration_bound
from emergency.rotation.problem import build_problem
from emergency.rotation.rules import RotationRules
from emergency.rotation.solve import solve
from tests.rotation.factory import firm, tables


def test_configuration_bound_by_hand():
    # four lines of 13.2 %, 25 %, 32.7 %, 29.1 % stopping 45 of 121 days: 180 line-days in 121 days, so
    # ≥ 59 days hold two lines; every pair avoiding the two largest contains the smallest (45 days only):
    # the least peak is the pair {25 %, 29.1 %} = 54.1 %
    assert configuration_bound(np.array([0.132, 0.25, 0.327, 0.291]), np.array([45, 45, 45, 45]), 121) == 0.541
    # two halves stopping 45 days each fit apart (50 %); 70 days each must overlap on 19 days (100 %)
    assert configuration_bound(np.array([0.5, 0.5]), np.array([45, 45]), 121) == 0.5
    assert configuration_bound(np.array([0.5, 0.5]), np.array([70, 70]), 121) == 1.0
    # one line of 50 % stopping 60 of 120 days and 60 share-days of small lines poured under P:
    # 60·(P − 0.5) + 60·P ≥ 60  ⇒  P ≥ 0.75
    assert abs(configuration_bound(np.array([0.5]), np.array([60]), 120, rest=60.0) - 0.75) < 1e-5
    # lines of 40 % and 10 % stopping one of two days each, 0.4 share-days poured under P: apart,
    # (P − 0.4) + (P − 0.1) ≥ 0.4 ⇒ P ≥ 0.45 (together needs P ≥ 0.5): the least P lies between
    # the subset sums 0.4 and 0.5, and the bound must not round it up to 0.5
    got = configuration_bound(np.array([0.4, 0.1]), np.array([1, 1]), 2, rest=0.4)
    assert 0.45 - 1e-5 < got <= 0.45


def test_bound_never_exceeds_the_brute_force_optimum():
    """Three lines (capacities 50, 30, 20) each stopping 3 of 8 days, one group, no block rule:
    every calendar enumerated; the solver's objective is the optimum, its bound at most that."""
    r = RotationRules(window_start="12-01", window_end="12-08", industries=["brick"], stop_days={"C": 3},
                      min_block_days=1, spread_areas=["city"])
    t = tables([firm("1", capacity=50), firm("2", capacity=30), firm("3", capacity=20)])
    p = build_problem(t, r, "2026-2027")
    share = p.capacity / p.capacity.sum()
    best = np.inf
    days = list(itertools.combinations(range(8), 3))
    for a, b, c in itertools.product(days, repeat=3):
        load = np.zeros(8)
        load[list(a)] += share[0]
        load[list(b)] += share[1]
        load[list(c)] += share[2]
        best = min(best, load.max())
    assert abs(best - 0.5) < 1e-9  # 9 line-days in 8 days: one day holds two lines, the least pair is 30 % + 20 %
    res = solve(p, time_limit=5)
    assert res.feasible and abs(res.objective / 1e6 - best) < 1e-5
    assert res.best_bound is not None and res.best_bound <= res.objective + 1e-6
