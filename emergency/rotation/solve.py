"""Solve a rotation problem; explain it when the rules cannot all hold.

1. The hard model (:func:`emergency.rotation.model.build_model`). A calendar found is
   OPTIMAL or FEASIBLE with its objective, best bound and gap.
2. Proven infeasible: a relaxation is solved, its positive named slacks become
   :class:`Violation` rows — which rule, which area and industry (or line), which
   days, by how much — and its calendar is attached, so a planner sees the nearest
   calendar and what it breaks. First only the groups' daily shares are relaxed (each
   line's quota, blocks and exemption stay hard: the calendar still binds every firm);
   if that is still infeasible, the lines' quotas and period minimums are relaxed too.
3. No answer within the time limit: NOT_SOLVED.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from emergency.errors import OptimizationError
from emergency.rotation.heuristic import staggered_calendar
from emergency.rotation.model import GROUP_RULES, PPM, RELAXABLE, RotationModel, build_model
from emergency.rotation.problem import Role, RotationProblem
from emergency.rotation.result import (
    RotationCalendar,
    RotationResult,
    RotationStatus,
    SoftMiss,
    Violation,
    runs,
)

MAX_WORKERS = 2  # the machine is shared


@dataclass
class _Solution:
    """Values of every model variable (by proto index), with objective and bound."""

    values: list[int]
    objective: float
    bound: float
    optimal: bool
    source: str  # "cp-sat" or "hint"

    def value(self, var) -> int:
        return int(self.values[var.index])


def _solver(time_limit: float, workers: int, seed: int, log: bool) -> cp_model.CpSolver:
    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds = float(time_limit)
    s.parameters.num_workers = max(1, min(int(workers), MAX_WORKERS))
    s.parameters.random_seed = int(seed)
    s.parameters.log_search_progress = bool(log)
    s.parameters.max_presolve_iterations = 1  # large calendars: presolve to a fixpoint costs more than it gains
    return s


def _calendar(p: RotationProblem, rm: RotationModel, sol: _Solution) -> RotationCalendar:
    stops = np.zeros((p.n_lines, p.n_days), dtype=bool)
    for (l, t), c in np.ndenumerate(rm.x):
        stops[l, t] = bool(c) if isinstance(c, int) else bool(sol.value(c))
    return RotationCalendar(p, stops)


def _violations(p: RotationProblem, rm: RotationModel, sol: _Solution) -> list[Violation]:
    out: list[Violation] = []
    by_group: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    for s in rm.slacks:
        v = sol.value(s.var)
        if v <= 0:
            continue
        if s.rule in ("quota_short", "quota_over", "period_short"):
            l = s.line
            label = "" if s.period is None else f"（{p.periods[s.period].label}）"
            if s.period is not None:
                ds = [p.days[t] for t in np.nonzero(p.periods[s.period].days)[0]]
                span = ((ds[0], ds[-1]),) if ds else ()
            else:
                span = ((p.days[0], p.days[-1]),)
            verb = {"quota_short": "少停", "quota_over": "多停", "period_short": "少停"}[s.rule]
            out.append(Violation(
                rule=s.rule, area=p.county[l], industry=p.industry_zh.get(p.industry[l], p.industry[l]), line_id=p.line_id[l],
                enterprise=p.enterprise[l], days=span, amount=float(v), share_points=None, unit="天",
                message_zh=f"{p.enterprise[l]} {p.line_name[l]}{label}须{verb}{v}天方能满足其余规则",
                industry_code=p.industry[l],
            ))
        else:
            by_group[(s.rule, s.group)].append((s.day, v))
    for (rule, gi), items in sorted(by_group.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        g = p.groups[gi]
        ind_zh = p.industry_zh.get(g.industry, g.industry) + (f"（{g.unit}）" if g.split_unit else "")
        worst = max(v for _, v in items)
        cap_units = worst / PPM * g.capacity
        unit = g.unit
        days = runs([p.days[t] for t, _ in items])
        what = "停产产能不足下限" if rule == "share_short" else "停产产能超过上限"
        spans = "、".join(a.isoformat() if a == b else f"{a.isoformat()}至{b.isoformat()}" for a, b in days)
        lo, hi = p.rules.daily_stop_share_min, p.rules.daily_stop_share_max
        role = p.role[g.lines]
        whole = float(p.capacity[g.lines][role == Role.WHOLE].sum()) / g.capacity if g.capacity else 0.0
        movable = float(p.capacity[g.lines][role == Role.ROTATE].sum()) / g.capacity if g.capacity else 0.0
        if rule == "share_excess":
            why = f"上限{hi:.0%}" + (f"，全时段停产的生产线已占{whole:.1%}" if whole > 0 else "") + \
                (f"，单条轮停生产线最大占{float(p.capacity[g.lines][role == Role.ROTATE].max()) / g.capacity:.1%}"
                 if (role == Role.ROTATE).any() else "")
        else:
            volume = (float((p.capacity[g.lines] * np.where(role == Role.ROTATE, p.quota[g.lines], 0)).sum())
                      / g.capacity / max(p.n_days, 1) + whole) if g.capacity else 0.0
            why = f"下限{lo:.0%}，可轮停产能占{movable:.1%}，按应停天数全季平均仅能停{volume:.1%}"
        out.append(Violation(
            rule=rule, area=g.area, industry=ind_zh, line_id=None, enterprise=None, days=days,
            amount=round(cap_units, 3), share_points=round(worst / 1e4, 3), unit=unit,
            message_zh=(f"{g.area} {ind_zh}：{len(items)}天{what}，最多差{cap_units:,.1f}{unit}"
                        f"（{worst / 1e4:.2f}个百分点；{why}）；日期：{spans}"),
        ))
    return out


def _soft_misses(p: RotationProblem, cal: RotationCalendar) -> list[SoftMiss]:
    out: list[SoftMiss] = []
    against = ((p.preference > 0) & ~cal.stops) | ((p.preference < 0) & cal.stops)
    against[:, : p.frozen_days] = False
    for l in np.nonzero(against.any(axis=1))[0]:
        ds = [p.days[t] for t in np.nonzero(against[l])[0]]
        prefer = p.preference[l, np.nonzero(against[l])[0][0]] > 0
        out.append(SoftMiss(
            "preference", p.line_id[l], runs(ds),
            f"{p.enterprise[l]} {p.line_name[l]}：{len(ds)}天未按{'希望停产' if prefer else '希望生产'}的时段安排",
        ))
    return out


def _add_hint(rm: RotationModel, hint: np.ndarray, time_limit: float, workers: int, seed: int) -> _Solution | None:
    """Hint every variable: fix the stops to ``hint`` in a copy of the model and solve it
    (slacks and peaks follow); a complete hint lets CP-SAT start from a solution, and
    that solution is kept as a fall-back should the search find none in its time. If
    the hint breaks a hard rule, only the stop variables are hinted (returns None)."""
    cells = [(c, bool(hint[l, t])) for (l, t), c in np.ndenumerate(rm.x) if not isinstance(c, int)]
    fixed = rm.model.clone()
    for c, v in cells:
        fixed.add(fixed.get_bool_var_from_proto_index(c.index) == int(v))
    s = _solver(min(time_limit, 30.0), workers, seed, False)
    if s.solve(fixed) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = list(s.response_proto.solution)[: len(rm.model.proto.variables)]
        for i, v in enumerate(values):
            rm.model.proto.solution_hint.vars.append(i)
            rm.model.proto.solution_hint.values.append(v)
        obj = float(s.objective_value) if rm.model.has_objective() else 0.0
        return _Solution(values, obj, -np.inf, False, "hint")
    for c, v in cells:
        rm.model.add_hint(c, v)
    return None


def _run(rm: RotationModel, time_limit: float, workers: int, seed: int, log: bool, hint: np.ndarray | None):
    """Solve; returns (solution or None, CP-SAT code, proven infeasible, seconds)."""
    t0 = time.perf_counter()
    fallback = _add_hint(rm, hint, time_limit, workers, seed) if hint is not None else None
    rm.hint_complete = fallback is not None
    solver = _solver(max(time_limit - (time.perf_counter() - t0), 1.0), workers, seed, log)
    code = solver.solve(rm.model)
    seconds = time.perf_counter() - t0
    has_obj = rm.model.has_objective()
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        sol = _Solution(list(solver.response_proto.solution), float(solver.objective_value) if has_obj else 0.0,
                        float(solver.best_objective_bound) if has_obj else 0.0, code == cp_model.OPTIMAL, "cp-sat")
        return sol, solver, code, seconds
    if code == cp_model.MODEL_INVALID:  # pragma: no cover - a bug, not a user error
        raise OptimizationError(f"rotation model invalid: {rm.model.validate()}")
    if fallback is not None and code != cp_model.INFEASIBLE:
        fallback.bound = float(solver.best_objective_bound) if has_obj else fallback.bound
        return fallback, solver, code, seconds
    return None, solver, code, seconds


def solve(
    problem: RotationProblem,
    *,
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    explain: bool = True,
    relax_time_limit: float | None = None,
    hint: np.ndarray | None = None,
    log: bool = False,
) -> RotationResult:
    """Solve ``problem``; when it is infeasible and ``explain``, solve the relaxation.

    ``hint``: a starting calendar (bool L × T); default the staggered greedy one.
    ``time_limit`` bounds each phase (the model, then each relaxation stage)."""
    t0 = time.perf_counter()
    if hint is None:
        hint = staggered_calendar(problem)
    rm = build_model(problem)
    t_build = time.perf_counter() - t0
    sol, solver, code, t_solve = _run(rm, time_limit, workers, seed, log, hint)
    info = {
        "build_seconds": round(t_build, 3),
        "solve_seconds": round(t_solve, 3),
        "variables": len(rm.model.proto.variables),
        "constraints": len(rm.model.proto.constraints),
        "workers": solver.parameters.num_workers,
        "hint_complete": rm.hint_complete,
        "solution_from": None if sol is None else sol.source,
        "branches": solver.num_branches,
        "conflicts": solver.num_conflicts,
    }
    if sol is not None:
        cal = _calendar(problem, rm, sol)
        bound = None if not np.isfinite(sol.bound) else sol.bound
        return RotationResult(
            status=RotationStatus.OPTIMAL if sol.optimal else RotationStatus.FEASIBLE,
            objective=sol.objective, best_bound=bound, seconds=time.perf_counter() - t0, calendar=cal,
            soft_misses=_soft_misses(problem, cal), info=info,
        )
    if code == cp_model.INFEASIBLE and explain:
        for stage, relax in enumerate((GROUP_RULES, RELAXABLE), start=1):
            t1 = time.perf_counter()
            rx = build_model(problem, relax=relax)
            t_rb = time.perf_counter() - t1
            rsol, rsolver, rcode, r_solve = _run(rx, relax_time_limit or time_limit, workers, seed, log, hint)
            info[f"relaxation{stage}"] = {
                "relaxed": sorted(relax),
                "build_seconds": round(t_rb, 3),
                "solve_seconds": round(r_solve, 3),
                "status": "infeasible" if rcode == cp_model.INFEASIBLE else
                ("not_solved" if rsol is None else ("optimal" if rsol.optimal else "feasible")),
                "solution_from": None if rsol is None else rsol.source,
                "violation": None if rsol is None else rsol.objective,
                "violation_bound": None if rsol is None or not np.isfinite(rsol.bound) else rsol.bound,
            }
            if rsol is not None:
                cal = _calendar(problem, rx, rsol)
                return RotationResult(
                    status=RotationStatus.INFEASIBLE, objective=None, best_bound=None,
                    seconds=time.perf_counter() - t0, calendar=cal,
                    violations=_violations(problem, rx, rsol), soft_misses=_soft_misses(problem, cal), info=info,
                )
            if rcode != cp_model.INFEASIBLE:
                break
        return RotationResult(RotationStatus.INFEASIBLE, None, None, time.perf_counter() - t0, None, info=info)
    status = RotationStatus.INFEASIBLE if code == cp_model.INFEASIBLE else RotationStatus.NOT_SOLVED
    return RotationResult(status, None, None, time.perf_counter() - t0, None, info=info)
