"""The LP relaxation, exploited: one continuous variable per proportional line.

Most lines' options are *proportional*: an option that cuts a share s of output
costs s·v and removes s·e_p of each pollutant (v = daily output value, e = daily
emissions). For such a line every option lies on one segment, so in the LP
relaxation the whole block is one variable s_l ∈ [s_min, s_max] — the LP has one
column per line instead of one per option, and no convexity rows. Lines whose
options are not proportional keep one column per option and a convexity row.
The hybrid LP is exactly the LP relaxation of the multiple-choice problem; GLOP
solves it (primal simplex on few rows) and gives the proven lower bound and the
duals, the marginal prices of the requirements (yuan per kg).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emergency.optimization import mpmodel
from emergency.optimization.problem import MeasureProblem

_TOL = 1e-7


@dataclass
class LineSegments:
    """Per line: whether its options are proportional, and the segment data."""

    proportional: np.ndarray  # (L,) bool
    value: np.ndarray  # (L,) cost per unit of cut
    emission: np.ndarray  # (L, P) reduction per unit of cut
    s_min: np.ndarray  # (L,)
    s_max: np.ndarray  # (L,)


def segments(problem: MeasureProblem) -> LineSegments:
    starts = problem.line_start[:-1]
    cut = problem.output_cut
    opt_line = problem.option_line()
    s_max = np.maximum.reduceat(cut, starts)
    s_min = np.minimum.reduceat(cut, starts)
    J = problem.n_options
    is_max = cut >= s_max[opt_line] - 1e-12
    jmax = np.minimum.reduceat(np.where(is_max, np.arange(J), J), starts)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(s_max > 0, problem.cost[jmax] / np.maximum(s_max, 1e-300), 0.0)
        emission = np.where((s_max > 0)[:, None], problem.reduction[jmax] / np.maximum(s_max, 1e-300)[:, None], 0.0)
    ok_cost = np.abs(problem.cost - cut * value[opt_line]) <= _TOL * (1 + problem.cost)
    ok_red = np.all(
        np.abs(problem.reduction - cut[:, None] * emission[opt_line]) <= _TOL * (1 + problem.reduction), axis=1
    )
    proportional = np.logical_and.reduceat(ok_cost & ok_red, starts)
    return LineSegments(proportional, value, emission, s_min, s_max)


@dataclass
class LpSolution:
    status: str  # "optimal" | "infeasible" | other
    objective: float
    duals: np.ndarray  # (A·P,) yuan per kg
    s: np.ndarray  # (L,) LP cut share of proportional lines (NaN otherwise)
    x: np.ndarray  # (J,) LP value of options of non-proportional lines (NaN otherwise)
    seg: LineSegments


def _incidence(problem: MeasureProblem, lines: np.ndarray, coef: np.ndarray, col: np.ndarray):
    """COO triplets: for each (line, pollutant) coefficient, every area row of the line."""
    P = len(problem.pollutants)
    pos, area = problem.memberships(lines)
    rows = (area[:, None] * P + np.arange(P)).reshape(-1)
    return rows, np.repeat(col[pos], P), coef[pos].reshape(-1)


def solve_lp(problem: MeasureProblem, time_limit: float = 60.0) -> LpSolution:
    seg = segments(problem)
    L, m = problem.n_lines, problem.n_rows
    movable = seg.proportional & (seg.s_max > seg.s_min + 1e-12)
    fixed_prop = seg.proportional & ~movable
    general = ~seg.proportional

    # constants: fixed proportional lines contribute their only cut
    const_cost = float((seg.value[fixed_prop] * seg.s_min[fixed_prop]).sum())
    fx = np.nonzero(fixed_prop)[0]
    const_red = problem.area_sum(seg.emission[fx] * seg.s_min[fx, None], lines=fx)

    s_lines = np.nonzero(movable)[0]
    n_s = len(s_lines)
    opt_line = problem.option_line()
    g_opts = np.nonzero(general[opt_line])[0]
    n_x = len(g_opts)
    g_lines = np.nonzero(general)[0]
    conv_row_of_line = np.full(L, -1)
    conv_row_of_line[g_lines] = m + np.arange(len(g_lines))

    r1, c1, v1 = _incidence(problem, s_lines, seg.emission[s_lines], np.arange(n_s))
    r2, c2, v2 = _incidence(problem, opt_line[g_opts], problem.reduction[g_opts], n_s + np.arange(n_x))
    r3 = conv_row_of_line[opt_line[g_opts]]
    c3 = n_s + np.arange(n_x)
    v3 = np.ones(n_x)
    need = (problem.required - const_red).ravel()
    model = mpmodel.LinearModel.from_coo(
        np.concatenate([r1, r2, r3]), np.concatenate([c1, c2, c3]), np.concatenate([v1, v2, v3]), m + len(g_lines),
        var_lb=np.concatenate([seg.s_min[s_lines], np.zeros(n_x)]),
        var_ub=np.concatenate([seg.s_max[s_lines], np.ones(n_x)]),
        obj=np.concatenate([seg.value[s_lines], problem.cost[g_opts]]),
        row_lb=np.concatenate([need, np.ones(len(g_lines))]),
        row_ub=np.concatenate([np.full(m, np.inf), np.ones(len(g_lines))]),
    )
    sol = mpmodel.solve(model, mpmodel.GLOP, time_limit)
    s = np.full(L, np.nan)
    x = np.full(problem.n_options, np.nan)
    if sol.status != "optimal":
        return LpSolution(sol.status, float("nan"), np.zeros(m), s, x, seg)
    s[s_lines] = sol.values[:n_s]
    s[fx] = seg.s_min[fx]
    x[g_opts] = sol.values[n_s:]
    duals = np.maximum(sol.duals[:m], 0.0)
    return LpSolution("optimal", sol.objective + const_cost, duals, s, x, seg)
