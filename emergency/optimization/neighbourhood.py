"""Exact MIP over a small set of free lines, the rest fixed (CP-SAT, integer data).

Used by the engine to repair the few fractional lines of the LP optimum together
with the lines whose LP reduced cost is nearly zero, so that lines can trade
measures. Data are scaled conservatively: reductions rounded down to milligrams and
residual requirements rounded up (to within 1 mg), so a CP-SAT-feasible choice is
feasible in reals.
"""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model

from emergency.optimization.problem import MeasureProblem

MG = 1_000_000  # kg -> mg


def solve_free_lines(
    problem: MeasureProblem,
    free: np.ndarray,  # (F,) line indices
    residual: np.ndarray,  # (A, P) requirement left for the free lines
    hint: np.ndarray,  # (F,) option index per free line (a feasible choice)
    time_limit: float,
    workers: int = 2,
    good_enough: float | None = None,
) -> tuple[np.ndarray | None, bool]:
    """Best choice for the free lines; (choice, proven_optimal).

    ``good_enough``: stop as soon as a solution costs at most this (yuan), e.g. the
    value at which the whole plan is within the gap tolerance of the LP bound.
    """
    P = len(problem.pollutants)
    model = cp_model.CpModel()
    starts, ends = problem.line_start[free], problem.line_start[free + 1]
    opts = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends)]) if len(free) else np.zeros(0, int)
    owner = np.repeat(np.arange(len(free)), ends - starts)
    x = [model.new_bool_var(f"x{j}") for j in opts]
    pos = 0
    for f, (s, e) in enumerate(zip(starts, ends)):
        model.add_exactly_one(x[pos : pos + (e - s)])
        pos += e - s
    # milligrams: rounding must not cost a real solution (0.3 × 1.875 kg = 562.5 g ≥ 562.13 g required)
    red_g = np.floor(problem.reduction[opts] * MG + 1e-6).astype(np.int64)
    # requirements in milligrams, rounded up (a residual within 1 mg counts as met)
    need_g = np.ceil(np.maximum(residual, 0.0) * MG - 1.0).astype(np.int64)
    line_of_opt = free[owner]
    for a in range(len(problem.area_names)):
        member = (problem.line_areas[line_of_opt] == a).any(axis=1)
        idx = np.nonzero(member)[0]
        for p in range(P):
            if need_g[a, p] <= 0:
                continue
            coeffs = red_g[idx, p]
            nz = coeffs > 0
            model.add(
                cp_model.LinearExpr.weighted_sum([x[i] for i in idx[nz]], coeffs[nz].tolist()) >= int(need_g[a, p])
            )
    cost = np.round(problem.cost[opts]).astype(np.int64)
    model.minimize(cp_model.LinearExpr.weighted_sum(x, cost.tolist()))
    hinted = set(hint.tolist())
    for i, j in enumerate(opts.tolist()):
        model.add_hint(x[i], j in hinted)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.relative_gap_limit = 1e-6
    callback = _StopWhenGoodEnough(good_enough) if good_enough is not None else None
    status = solver.solve(model, callback) if callback else solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False
    chosen = np.array([solver.boolean_value(v) for v in x], dtype=bool)
    choice = np.empty(len(free), dtype=np.int64)
    choice[owner[chosen]] = opts[chosen]
    return choice, status == cp_model.OPTIMAL


class _StopWhenGoodEnough(cp_model.CpSolverSolutionCallback):
    def __init__(self, threshold: float) -> None:
        super().__init__()
        self.threshold = threshold

    def on_solution_callback(self) -> None:
        if self.objective_value <= self.threshold:
            self.stop_search()
