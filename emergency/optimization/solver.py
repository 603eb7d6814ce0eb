"""The engine's method: exact LP relaxation, then an exact MIP on a small neighbourhood.

1. LP relaxation (``lp``): proven lower bound and duals. A basic optimum has at
   most (areas × pollutants) fractional lines; every other line sits at one of its
   options already.
2. Fix every line at its LP option, except the *free set*: the fractional lines
   plus the lines whose LP reduced cost makes them nearly indifferent (the cheapest
   ones to move, by |reduced cost| × range). Round the fractional lines up — a
   feasible start — and, unless that start is already within half the gap tolerance
   of the bound, solve the free set exactly with CP-SAT against the requirement the
   fixed lines leave: first a small free set (2 % of the lines, 100–1,500), then, if
   the plan is still outside the tolerance, 1,500 lines from the better plan.
3. Report objective, LP bound, gap, status, time per phase and the duals.

If the LP is infeasible, the requirements cannot be met with the allowed options:
the result is INFEASIBLE with the shortfall per (area, pollutant).
"""

from __future__ import annotations

import time

import numpy as np

from emergency.optimization.lp import solve_lp
from emergency.optimization.neighbourhood import solve_free_lines
from emergency.optimization.problem import MeasureProblem
from emergency.optimization.result import SolveResult, SolveStatus

_EPS = 1e-7


def _lp_choice(problem: MeasureProblem, lp) -> tuple[np.ndarray, np.ndarray]:
    """Option per line nearest the LP value (rounded up), and which lines are fractional."""
    seg = lp.seg
    L = problem.n_lines
    starts, ends = problem.line_start[:-1], problem.line_start[1:]
    opt_line = problem.option_line()
    cut = problem.output_cut
    choice = np.empty(L, dtype=np.int64)
    frac = np.zeros(L, dtype=bool)

    prop = seg.proportional
    s = np.where(prop, lp.s, 0.0)
    # smallest-cut option with cut ≥ s − eps (round up): options sorted by line, pick min cut above
    ok = cut >= s[opt_line] - 1e-9
    big = np.where(ok, cut, np.inf)
    best_cut = np.minimum.reduceat(big, starts)
    is_best = ok & (cut == best_cut[opt_line])
    first = np.minimum.reduceat(np.where(is_best, np.arange(problem.n_options), problem.n_options), starts)
    choice[prop] = first[prop]
    frac[prop] = np.abs(best_cut[prop] - s[prop]) > 1e-6

    gen = np.nonzero(~prop)[0]
    for l in gen:  # few lines (non-proportional options); loop is fine
        xs = lp.x[starts[l] : ends[l]]
        k = int(np.argmax(xs))
        if xs[k] > 1 - 1e-6:
            choice[l] = starts[l] + k
        else:
            frac[l] = True
            choice[l] = starts[l] + int(np.argmax(problem.reduction[starts[l] : ends[l]].sum(axis=1)))
    return choice, frac


def solve(
    problem: MeasureProblem,
    *,
    time_limit: float = 20.0,
    gap_tolerance: float = 5e-4,
    neighbourhood: int | None = None,
    workers: int = 2,
) -> SolveResult:
    t0 = time.perf_counter()
    phases: dict[str, float] = {}
    if problem.n_lines == 0:
        return SolveResult("lp+neighbourhood", SolveStatus.OPTIMAL, np.zeros(0, int), 0.0, 0.0, 0.0)

    lp = solve_lp(problem, time_limit=time_limit)
    phases["lp"] = time.perf_counter() - t0
    A, P = problem.required.shape
    if lp.status != "optimal":
        shortfall = np.maximum(problem.required - problem.max_achievable(), 0.0)
        status = SolveStatus.INFEASIBLE if lp.status == "infeasible" or shortfall.max() > 1e-9 else SolveStatus.NOT_SOLVED
        return SolveResult(
            "lp+neighbourhood", status, None, None, None, time.perf_counter() - t0, phases,
            shortfall=shortfall, info={"lp_status": lp.status},
        )

    t1 = time.perf_counter()
    choice, frac = _lp_choice(problem, lp)
    lower_bound = lp.objective
    duals = lp.duals.reshape(A, P)

    # reduced cost of moving a proportional line over its whole range
    seg = lp.seg
    price = problem.line_sum(duals)
    d = seg.value - (seg.emission * price).sum(axis=1)
    move_cost = np.abs(d) * (seg.s_max - seg.s_min)
    movable = (seg.s_max - seg.s_min > 1e-12) | ~seg.proportional
    move_cost = np.where(movable, move_cost, np.inf)
    order = np.argsort(move_cost, kind="stable")
    n_movable = int(movable.sum())
    # neighbourhood sizes: a small one (solved in well under a second), then, if the plan is
    # still outside the tolerance, a wide one started from it — small cities, where a few
    # large lines decide the gap, need the wide one; large ones rarely get past the first
    if neighbourhood is None:
        stages = [(int(np.clip(0.02 * problem.n_lines, 100, 1500)), 1.0), (1500, 4.0)]
    else:
        stages = [(neighbourhood, 5.0)]
    phases["fix"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    target = lower_bound / (1.0 - gap_tolerance / 2.0) if lower_bound > 0 else 0.0
    # the rounded LP choice already within half the tolerance of the bound: the MIP would
    # stop at its hint (its first solution), so it is skipped
    skipped = problem.cost_of(choice) <= target
    proven, n_free_used, tried = False, 0, 0
    for size, seconds in ([] if skipped else stages):
        n_free = min(n_movable, max(size, int(frac.sum())))
        if n_free <= n_free_used:
            continue  # no wider than the stage before
        free_mask = frac.copy()
        free_mask[order[:n_free]] = True
        free_mask &= movable
        free = np.nonzero(free_mask)[0]
        residual = problem.required - _achieved_excluding(problem, choice, free_mask)
        remaining = max(0.2, time_limit - (time.perf_counter() - t0))
        good_enough = target - float(problem.cost[choice[~free_mask]].sum())
        sub, proven = solve_free_lines(problem, free, residual, choice[free], min(remaining, seconds), workers,
                                       good_enough=good_enough)
        tried += 1
        n_free_used = n_free
        if sub is not None:
            candidate = choice.copy()
            candidate[free] = sub
            # the MIP counts whole yuan and milligrams and may stop at its time limit: keep
            # its answer only if it is feasible in reals and no dearer than what it started from
            if (np.all(problem.achieved(candidate) >= problem.required - 1e-6 * (1 + problem.required))
                    and problem.cost_of(candidate) <= problem.cost_of(choice)):
                choice = candidate
        if problem.cost_of(choice) <= target:
            break
    phases["neighbourhood_mip"] = time.perf_counter() - t2
    achieved = problem.achieved(choice)
    objective = problem.cost_of(choice)
    result = SolveResult(
        "lp+neighbourhood", SolveStatus.FEASIBLE, choice, objective, lower_bound,
        time.perf_counter() - t0, phases, duals=duals, achieved=achieved,
        shortfall=np.zeros_like(problem.required),
        info={"fractional_lines": int(frac.sum()), "free_lines": n_free_used, "neighbourhood_proven": proven,
              "neighbourhood_skipped": skipped, "neighbourhood_stages": tried},
    )
    if result.gap is not None and result.gap <= gap_tolerance:
        result.status = SolveStatus.OPTIMAL
    return result


def _achieved_excluding(problem: MeasureProblem, choice: np.ndarray, exclude: np.ndarray) -> np.ndarray:
    """(A, P) reduction of the lines not in ``exclude``."""
    keep = np.nonzero(~exclude)[0]
    return problem.area_sum(problem.reduction[choice[keep]], lines=keep)
