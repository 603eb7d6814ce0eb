"""Lost value as a function of the required reduction share — "can the list meet red?".

For each share s the requirement of every area and pollutant is s × whole-society
base × share assigned to the list, with the floors and options of one level. Each
point is solved by the engine (objective and proven LP bound); a point beyond what
the list can give without spared firms is marked infeasible. A plan for a larger
share also meets a smaller one, so each point's objective is the best plan found at
that share or above: the curve is non-decreasing by construction, every point a
real plan.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from config.policy import Policy
from emergency.optimization.builder import build_problem
from emergency.optimization.solver import solve
from enterprise_registry.columns import RegistryTables
from emergency.vocabulary import POLLUTANTS, WarningLevel


@dataclass
class CurvePoint:
    share: float
    feasible: bool
    lost_value_yuan: float | None
    lower_bound_yuan: float | None
    shortfall_kg: float  # total over rows when infeasible


@dataclass
class CostCurve:
    level: WarningLevel
    points: list[CurvePoint]
    max_feasible_share: float  # the largest share every row can reach without spared firms


def cost_curve(tables: RegistryTables, policy: Policy, level: WarningLevel, shares: list[float]) -> CostCurve:
    problem, _ = build_problem(tables, policy, level)
    ratio = np.array([policy.reduction.ratio(level, p) for p in POLLUTANTS])
    unit = problem.required / np.where(ratio > 0, ratio, 1.0)  # requirement per unit share
    most = problem.max_achievable()
    with np.errstate(divide="ignore", invalid="ignore"):
        caps = np.where(unit > 0, most / unit, np.inf)
    max_share = float(np.min(caps))
    results = []
    for s in sorted(shares):
        p = replace(problem, required=unit * s)
        r = solve(p)
        if r.feasible:
            results.append([s, True, r.objective, r.lower_bound, 0.0, r.choice])
        else:
            short = float(np.maximum(p.required - most, 0).sum())
            results.append([s, False, None, None, short, None])
    # monotone: a plan for a larger share serves a smaller one
    best = None
    for row in reversed(results):
        if row[1]:
            best = row[2] if best is None else min(best, row[2])
            row[2] = best
    points = [CurvePoint(s, f, obj, lb, short) for s, f, obj, lb, short, _ in results]
    return CostCurve(level, points, max_share)
