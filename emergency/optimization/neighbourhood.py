"""Exact MIP over a small set of free lines, the rest fixed (CP-SAT, integer data).

Used by the engine to repair the few fractional lines of the LP optimum together
with the lines whose LP reduced cost is nearly zero, so that lines can trade
measures. Data are scaled conservatively: reductions rounded down to milligrams and
residual requirements rounded up (to within 1 mg), so a CP-SAT-feasible choice is
feasible in reals.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache

import numpy as np

from emergency.optimization.problem import MeasureProblem

MG = 1_000_000  # kg -> mg
_INT_MAX = 2**62

# The model is written straight into CP-SAT's (C++-backed) CpModelProto: the free set is
# a flat multiple-choice covering problem, and ``ortools.sat.python.cp_model`` imports
# pandas, which costs `emergency plan` a third of a second of start-up for nothing. The
# CP-SAT helper itself (~0.08 s to import) is loaded only when a neighbourhood is solved:
# most plans are within tolerance once the LP choice is rounded.


@dataclass
class ReproducibleSearch:
    """The neighbourhood searches run under :func:`reproducible_search`, and what they did."""

    work_limit: float  # CP-SAT deterministic time per search
    wall_limit: float  # seconds: a safety net only
    searches: int = 0
    limit_reached: int = 0  # searches stopped by the wall clock: their plan may differ elsewhere
    seconds: float = 0.0


_REPRODUCIBLE: ContextVar[ReproducibleSearch | None] = ContextVar("reproducible_search", default=None)


@contextmanager
def reproducible_search(work_limit: float = 1.0, wall_limit: float = 60.0) -> Iterator[ReproducibleSearch]:
    """Within the block, every neighbourhood search gives the same plan for the same problem,
    on any machine and under any load.

    By default a search uses two threads and stops at its stage's wall-clock limit (or as
    soon as a plan is within half the gap tolerance): which solution comes first, and where
    the clock stops it, depend on thread timing and load, so one plan solved twice may
    differ by a few yuan in 10^8 (measured on a 12-run scenario sweep: 9 runs differed
    between two executions). Here a search has one thread (one order of exploration), a
    limit of ``work_limit`` units of CP-SAT's *deterministic* time (work counted, not
    seconds) instead of the stage's clock, and ``wall_limit`` seconds as a safety net only:
    a search stopped by it is counted in ``limit_reached`` (the caller says so). Scenario
    sweeps run their plans this way (``scenarios.sweep``); the context is per thread."""
    mode = ReproducibleSearch(work_limit, wall_limit)
    token = _REPRODUCIBLE.set(mode)
    try:
        yield mode
    finally:
        _REPRODUCIBLE.reset(token)


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
    from ortools.sat.python import cp_model_helper as cmh

    P = len(problem.pollutants)
    starts, ends = problem.line_start[free], problem.line_start[free + 1]
    opts = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends)]) if len(free) else np.zeros(0, int)
    owner = np.repeat(np.arange(len(free)), ends - starts)
    n = len(opts)
    model = cmh.CpModelProto()
    for _ in range(n):  # variable i = option opts[i], boolean
        model.variables.add().domain.extend((0, 1))
    pos = 0
    for s, e in zip(starts.tolist(), ends.tolist()):  # one measure per line
        model.constraints.add().exactly_one.literals.extend(range(pos, pos + e - s))
        pos += e - s
    # milligrams: rounding must not cost a real solution (0.3 × 1.875 kg = 562.5 g ≥ 562.13 g required)
    red_g = np.floor(problem.reduction[opts] * MG + 1e-6).astype(np.int64)
    # requirements in milligrams, rounded up (a residual within 1 mg counts as met)
    need_g = np.ceil(np.maximum(residual, 0.0) * MG - 1.0).astype(np.int64)
    line_of_opt = free[owner]
    for a in range(len(problem.area_names)):
        idx = np.nonzero(problem.in_area(a, line_of_opt))[0]
        for p in range(P):
            if need_g[a, p] <= 0:
                continue
            coeffs = red_g[idx, p]
            nz = coeffs > 0
            lin = model.constraints.add().linear
            lin.vars.extend(idx[nz].tolist())
            lin.coeffs.extend(coeffs[nz].tolist())
            lin.domain.extend((int(need_g[a, p]), _INT_MAX))
    cost = np.round(problem.cost[opts]).astype(np.int64)
    model.objective.vars.extend(range(n))
    model.objective.coeffs.extend(cost.tolist())
    hinted = np.isin(opts, hint)
    model.solution_hint.vars.extend(range(n))
    model.solution_hint.values.extend(hinted.astype(int).tolist())

    params = cmh.SatParameters()
    mode = _REPRODUCIBLE.get()
    if mode is not None:
        time_limit, workers = mode.wall_limit, 1
        params.max_deterministic_time = mode.work_limit
    params.max_time_in_seconds = max(0.05, time_limit)
    params.num_workers = workers
    params.relative_gap_limit = 1e-6
    wrapper = cmh.SolveWrapper()
    wrapper.set_parameters(params)
    callback = _stop_when_good_enough()(good_enough) if good_enough is not None else None
    if callback is not None:
        wrapper.add_solution_callback(callback)
    t0 = time.perf_counter()
    response = wrapper.solve(model)
    if mode is not None:
        took = time.perf_counter() - t0
        mode.searches += 1
        mode.seconds += took
        mode.limit_reached += took >= 0.95 * time_limit
    if callback is not None:
        wrapper.clear_solution_callback(callback)
    if response.status not in (cmh.CpSolverStatus.OPTIMAL, cmh.CpSolverStatus.FEASIBLE):
        return None, False
    chosen = np.asarray(response.solution, dtype=np.int64).astype(bool)
    choice = np.empty(len(free), dtype=np.int64)
    choice[owner[chosen]] = opts[chosen]
    return choice, response.status == cmh.CpSolverStatus.OPTIMAL


@cache
def _stop_when_good_enough() -> type:
    """The callback class (defined on first use: its base class lives in the CP-SAT helper)."""
    from ortools.sat.python import cp_model_helper as cmh

    class StopWhenGoodEnough(cmh.SolutionCallback):
        def __init__(self, threshold: float) -> None:
            cmh.SolutionCallback.__init__(self)
            self.threshold = threshold

        def OnSolutionCallback(self) -> None:  # noqa: N802 (the C++ binding's name)
            if self.ObjectiveValue() <= self.threshold:
                self.StopSearch()

    return StopWhenGoodEnough
