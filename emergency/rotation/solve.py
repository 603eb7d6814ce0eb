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

import numpy as np
from ortools.sat.python import cp_model

from emergency.errors import OptimizationError
from emergency.rotation.heuristic import staggered_calendar
from emergency.rotation.model import GROUP_RULES, PPM, RELAXABLE, RotationModel, build_model
from emergency.rotation.problem import RotationProblem
from emergency.rotation.result import (
    RotationCalendar,
    RotationResult,
    RotationStatus,
    SoftMiss,
    Violation,
    runs,
)

MAX_WORKERS = 2  # the machine is shared


def _solver(time_limit: float, workers: int, seed: int, log: bool) -> cp_model.CpSolver:
    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds = float(time_limit)
    s.parameters.num_workers = max(1, min(int(workers), MAX_WORKERS))
    s.parameters.random_seed = int(seed)
    s.parameters.log_search_progress = bool(log)
    return s


def _calendar(p: RotationProblem, rm: RotationModel, solver: cp_model.CpSolver) -> RotationCalendar:
    stops = np.zeros((p.n_lines, p.n_days), dtype=bool)
    for (l, t), c in np.ndenumerate(rm.x):
        stops[l, t] = bool(c) if isinstance(c, int) else solver.boolean_value(c)
    return RotationCalendar(p, stops)


def _violations(p: RotationProblem, rm: RotationModel, solver: cp_model.CpSolver) -> list[Violation]:
    out: list[Violation] = []
    by_group: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    for s in rm.slacks:
        v = int(solver.value(s.var))
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
        out.append(Violation(
            rule=rule, area=g.area, industry=ind_zh, line_id=None, enterprise=None, days=days,
            amount=round(cap_units, 3), share_points=round(worst / 1e4, 3), unit=unit,
            message_zh=(f"{g.area} {ind_zh}：{len(items)}天{what}，最多差{cap_units:,.1f}{unit}"
                        f"（{worst / 1e4:.2f}个百分点）；日期：{spans}"),
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


def _add_hint(rm: RotationModel, hint: np.ndarray, time_limit: float, workers: int, seed: int) -> bool:
    """Hint every variable: fix the stops to ``hint`` in a copy of the model and solve it
    (slacks, ranges follow); a complete hint lets CP-SAT start from a solution. If the
    hint breaks a hard rule, only the stop variables are hinted. Returns completeness."""
    cells = [(c, bool(hint[l, t])) for (l, t), c in np.ndenumerate(rm.x) if not isinstance(c, int)]
    fixed = rm.model.clone()
    for c, v in cells:
        fixed.add(fixed.get_bool_var_from_proto_index(c.index) == int(v))
    fixed.clear_objective()
    s = _solver(min(time_limit, 30.0), workers, seed, False)
    if s.solve(fixed) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = s.response_proto.solution
        for i in range(len(rm.model.proto.variables)):
            rm.model.proto.solution_hint.vars.append(i)
            rm.model.proto.solution_hint.values.append(values[i])
        return True
    for c, v in cells:
        rm.model.add_hint(c, v)
    return False


def _run(rm: RotationModel, time_limit: float, workers: int, seed: int, log: bool, hint: np.ndarray | None):
    if hint is not None:
        rm.hint_complete = _add_hint(rm, hint, time_limit, workers, seed)
    solver = _solver(time_limit, workers, seed, log)
    t0 = time.perf_counter()
    code = solver.solve(rm.model)
    return solver, code, time.perf_counter() - t0


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

    ``hint``: a starting calendar (bool L × T); default the staggered greedy one."""
    t0 = time.perf_counter()
    if hint is None:
        hint = staggered_calendar(problem)
    rm = build_model(problem)
    t_build = time.perf_counter() - t0
    solver, code, t_solve = _run(rm, time_limit, workers, seed, log, hint)
    info = {
        "build_seconds": round(t_build, 3),
        "solve_seconds": round(t_solve, 3),
        "variables": len(rm.model.proto.variables),
        "constraints": len(rm.model.proto.constraints),
        "workers": solver.parameters.num_workers,
        "branches": solver.num_branches,
        "conflicts": solver.num_conflicts,
    }
    if code == cp_model.MODEL_INVALID:  # pragma: no cover - a bug, not a user error
        raise OptimizationError(f"rotation model invalid: {rm.model.validate()}")
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        cal = _calendar(problem, rm, solver)
        has_obj = rm.model.has_objective()
        return RotationResult(
            status=RotationStatus.OPTIMAL if code == cp_model.OPTIMAL else RotationStatus.FEASIBLE,
            objective=float(solver.objective_value) if has_obj else 0.0,
            best_bound=float(solver.best_objective_bound) if has_obj else 0.0,
            seconds=time.perf_counter() - t0,
            calendar=cal,
            soft_misses=_soft_misses(problem, cal),
            info=info,
        )
    if code == cp_model.INFEASIBLE and explain:
        for stage, relax in enumerate((GROUP_RULES, RELAXABLE), start=1):
            t1 = time.perf_counter()
            rx = build_model(problem, relax=relax)
            rsolver, rcode, r_solve = _run(rx, relax_time_limit or time_limit, workers, seed, log, hint)
            info[f"relaxation{stage}"] = {
                "relaxed": sorted(relax),
                "build_seconds": round(time.perf_counter() - t1 - r_solve, 3),
                "solve_seconds": round(r_solve, 3),
                "status": {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible",
                           cp_model.INFEASIBLE: "infeasible"}.get(rcode, "not_solved"),
                "violation": float(rsolver.objective_value) if rcode in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None,
                "violation_bound": float(rsolver.best_objective_bound) if rcode in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None,
            }
            if rcode in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                cal = _calendar(problem, rx, rsolver)
                return RotationResult(
                    status=RotationStatus.INFEASIBLE, objective=None, best_bound=None,
                    seconds=time.perf_counter() - t0, calendar=cal,
                    violations=_violations(problem, rx, rsolver), soft_misses=_soft_misses(problem, cal), info=info,
                )
            if rcode != cp_model.INFEASIBLE:
                break
        return RotationResult(RotationStatus.INFEASIBLE, None, None, time.perf_counter() - t0, None, info=info)
    status = RotationStatus.INFEASIBLE if code == cp_model.INFEASIBLE else RotationStatus.NOT_SOLVED
    return RotationResult(status, None, None, time.perf_counter() - t0, None, info=info)
