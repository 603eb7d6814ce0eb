"""Simple baselines, on the same MeasureProblem, returning the same SolveResult.

(a) ``rules_only``: every line at its grade-table floor — what is done by hand today.
(b) ``greedy``: least-cost pass as in the US EPA Control Strategy Tool: from the
    floors, lines' strongest options ranked once by added lost value per weighted kg
    (kg of each pollutant weighted by 1 / requirement of the rows it serves), taken
    in that order while a row is unmet and the line helps an unmet row.
(c) ``plain_cpsat``: CP-SAT on the full model (integer-scaled), time limit.
(d) ``plain_mip``: SCIP (or HiGHS) on the full model through model_builder, time limit.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.linear_solver.python import model_builder_helper as mbh
from ortools.sat.python import cp_model

from emergency.optimization.formulation import build_mip
from emergency.optimization.problem import MeasureProblem
from emergency.optimization.result import SolveResult, SolveStatus


def _finish(problem: MeasureProblem, method: str, choice, t0: float, lower_bound=None, info=None) -> SolveResult:
    if choice is None:
        return SolveResult(method, SolveStatus.NOT_SOLVED, None, None, lower_bound, time.perf_counter() - t0, info=info or {})
    achieved = problem.achieved(choice)
    ok = np.all(achieved >= problem.required - 1e-6 * (1 + problem.required))
    status = SolveStatus.FEASIBLE if ok else SolveStatus.TARGETS_NOT_MET
    return SolveResult(
        method, status, choice, problem.cost_of(choice), lower_bound, time.perf_counter() - t0,
        achieved=achieved, shortfall=np.maximum(problem.required - achieved, 0), info=info or {},
    )


def rules_only(problem: MeasureProblem) -> SolveResult:
    t0 = time.perf_counter()
    return _finish(problem, "rules_only", problem.floor_choice(), t0)


def greedy(problem: MeasureProblem) -> SolveResult:
    t0 = time.perf_counter()
    choice = problem.floor_choice()
    achieved = problem.achieved(choice)
    P = len(problem.pollutants)
    last = problem.line_start[1:] - 1  # strongest option of each line (options sorted by cut)
    d_cost = problem.cost[last] - problem.cost[choice]
    d_red = problem.reduction[last] - problem.reduction[choice]  # (L, P)
    weight = 1.0 / np.maximum(problem.required, 1e-9)  # (A, P)
    w = problem.line_sum(weight)
    score_den = (d_red * w).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(score_den > 0, d_cost / score_den, np.inf)
    order = np.argsort(score, kind="stable")
    unmet = achieved < problem.required - 1e-9
    for l in order:
        if not unmet.any() or not np.isfinite(score[l]):
            break
        rows = problem.incidence.areas_of(l)
        if not (unmet[rows] & (d_red[l] > 0)).any():
            continue
        choice[l] = last[l]
        achieved[rows] += d_red[l]
        unmet[rows] = achieved[rows] < problem.required[rows] - 1e-9
    return _finish(problem, "greedy", choice, t0)


def plain_cpsat(problem: MeasureProblem, time_limit: float = 10.0, workers: int = 2) -> SolveResult:
    t0 = time.perf_counter()
    model = cp_model.CpModel()
    J = problem.n_options
    x = [model.new_bool_var("") for _ in range(J)]
    for s, e in zip(problem.line_start[:-1], problem.line_start[1:]):
        model.add_exactly_one(x[s:e])
    M = problem.coupling_matrix().tocsr()
    need = np.ceil(problem.required.ravel() * 1_000_000 - 1.0).astype(np.int64)
    for r in range(problem.n_rows):
        lo, hi = M.indptr[r], M.indptr[r + 1]
        idx, val = M.indices[lo:hi], np.floor(M.data[lo:hi] * 1_000_000 + 1e-6).astype(np.int64)
        if need[r] > 0:
            model.add(cp_model.LinearExpr.weighted_sum([x[i] for i in idx], val.tolist()) >= int(need[r]))
    model.minimize(cp_model.LinearExpr.weighted_sum(x, np.round(problem.cost).astype(np.int64).tolist()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _finish(problem, "plain_cpsat", None, t0, info={"status": solver.status_name(status)})
    values = np.array([solver.boolean_value(v) for v in x])
    choice = problem.option_line()  # placeholder shape
    choice = np.zeros(problem.n_lines, dtype=np.int64)
    choice[problem.option_line()[values]] = np.nonzero(values)[0]
    res = _finish(problem, "plain_cpsat", choice, t0, lower_bound=solver.best_objective_bound, info={"status": solver.status_name(status)})
    return res


def plain_mip(problem: MeasureProblem, time_limit: float = 10.0, solver_name: str = "scip") -> SolveResult:
    t0 = time.perf_counter()
    model = build_mip(problem, integer=True)
    solver = mbh.ModelSolverHelper(solver_name)
    solver.set_time_limit_in_seconds(time_limit)
    solver.solve(model)
    status = solver.status()
    info = {"status": status.name, "solver": solver_name}
    if status not in (mbh.SolveStatus.OPTIMAL, mbh.SolveStatus.FEASIBLE) or not solver.has_solution():
        return _finish(problem, f"plain_mip_{solver_name}", None, t0, info=info)
    x = solver.variable_values() > 0.5
    choice = np.zeros(problem.n_lines, dtype=np.int64)
    choice[problem.option_line()[x]] = np.nonzero(x)[0]
    bound = solver.best_objective_bound()
    return _finish(problem, f"plain_mip_{solver_name}", choice, t0, lower_bound=bound, info=info)
