"""When the targets cannot be met without spared firms: which spared firms, fewest first.

Every non-spared line is assumed at its strongest allowed option (the most the
list can give without spared firms); the shortfall left per (area, pollutant) must
be covered by spared firms' measures (each approved firm's lines at their strongest
option). Lexicographic objective, solved with CP-SAT: first the fewest firms, then,
with that many, the least lost output value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emergency.optimization.problem import MeasureProblem


@dataclass(frozen=True)
class SparedSuggestion:
    groups: list[int]  # enterprise indices (MeasureProblem.group values)
    lost_value: float  # yuan/day of their strongest measures
    closes_shortfall: bool


def suggest_spared(
    base: MeasureProblem, with_spared: MeasureProblem, spared_groups: np.ndarray, time_limit: float = 10.0
) -> SparedSuggestion:
    """``base``: the plan's problem; ``with_spared``: the same lines with spared firms' options opened."""
    from ortools.sat.python import cp_model  # imports pandas: only when a plan falls short

    shortfall = np.maximum(base.required - base.max_achievable(), 0.0)
    last = with_spared.line_start[1:] - 1
    first = with_spared.line_start[:-1]
    line_groups = with_spared.group
    cand = np.isin(line_groups, spared_groups)
    gain = with_spared.reduction[last] - with_spared.reduction[first]  # (L, P)
    cost = with_spared.cost[last] - with_spared.cost[first]
    groups = np.unique(line_groups[cand])
    gidx = {g: i for i, g in enumerate(groups.tolist())}
    A, P = base.required.shape
    lines = np.nonzero(cand)[0]
    gi = np.array([gidx[g] for g in line_groups[lines].tolist()], dtype=np.int64)
    gcost = np.zeros(len(groups))
    np.add.at(gcost, gi, cost[lines])
    contrib = np.zeros((len(groups), A, P))  # what each group's strongest measures add to each row
    pos, area = with_spared.memberships(lines)
    np.add.at(contrib, (gi[pos], area), gain[lines[pos]])
    need = np.ceil(shortfall * 1000).astype(np.int64)
    cg = np.floor(contrib * 1000).astype(np.int64)
    if len(groups) == 0 or np.any(cg.sum(axis=0) < need):
        return SparedSuggestion(groups.tolist(), float(gcost.sum()), False)

    def model_with(max_count: int | None):
        m = cp_model.CpModel()
        y = [m.new_bool_var(f"y{g}") for g in groups]
        for a in range(A):
            for p in range(P):
                if need[a, p] > 0:
                    m.add(cp_model.LinearExpr.weighted_sum(y, cg[:, a, p].tolist()) >= int(need[a, p]))
        if max_count is None:
            m.minimize(sum(y))
        else:
            m.add(sum(y) <= max_count)
            m.minimize(cp_model.LinearExpr.weighted_sum(y, np.round(gcost).astype(np.int64).tolist()))
        return m, y

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit / 2
    solver.parameters.num_workers = 2
    m1, y1 = model_with(None)
    if solver.solve(m1) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return SparedSuggestion(groups.tolist(), float(gcost.sum()), False)
    k = int(round(solver.objective_value))
    m2, y2 = model_with(k)
    solver.solve(m2)
    chosen = [int(g) for g, v in zip(groups, y2) if solver.boolean_value(v)]
    return SparedSuggestion(chosen, float(sum(gcost[gidx[g]] for g in chosen)), True)
