"""Solve a rotation problem; explain it when the rules cannot all hold.

1. The hard model (:func:`emergency.rotation.model.build_model`), started from the
   better of two calendars: the staggered heuristic and the slot calendar
   (:mod:`emergency.rotation.slots`, whole slots of 7–8 days solved first). A calendar
   found is OPTIMAL or FEASIBLE with its objective, best bound and gap; the bound is
   CP-SAT's, the peaks' own (configuration LP, average day) and, where the city's peak
   is coupled to its counties', the joint bound (:mod:`emergency.rotation.joint_bound`).
2. Proven infeasible: a relaxation is solved, its positive named slacks become
   :class:`Violation` rows — which rule, which area and industry (or line), which
   days, by how much — and its calendar is attached, so a planner sees the nearest
   calendar and what it breaks. First only the groups' daily shares are relaxed (each
   line's quota, blocks and exemption stay hard: the calendar still binds every firm);
   if that is still infeasible, the lines' quotas and period minimums are relaxed too.
3. No answer within the time limit: NOT_SOLVED.

The problem is solved part by part (:meth:`RotationProblem.components`: lines share a
rule only within one industry and capacity unit): the parts are independent, so the
calendar is the union of their calendars, the objective and the proven bound are
sums, and each part gets a share of the time limit by its size (time a part does not
use goes to the next). One CP-SAT model per industry proves far tighter bounds in
the same time than one model of the whole season. A share of the time limit
(:data:`JOINT_RESERVE`) is held back for the joint bounds of the parts whose city is
not proven free of its counties, shared by their gaps in rounds (a search that
settles early returns its time to the others); what they leave goes to a second search
of the parts with the largest gaps, from their calendars.

Each phase gets at least one second of the time limit (a phase left with less still
gets a try), but never more than the whole limit: a limit below a second is kept.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from emergency.errors import OptimizationError
from emergency.rotation.heuristic import staggered_calendar
from emergency.rotation.model import GROUP_RULES, PPM, RELAXABLE, RotationModel, build_model, share_bounds
from emergency.rotation.problem import Role, RotationProblem
from emergency.rotation.joint_bound import joint_lift
from emergency.rotation.slots import slot_calendar, spread_value
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


JOINT_SHARE = 0.3  # of what is left after the hint, for the joint bound of the city and its counties
JOINT_RESERVE = 0.15  # of the whole time limit, held back from the parts for their joint bounds (coupled parts only)
MIN_LIFT = 0.05  # seconds: the least slice of the held-back time a joint bound is given
SECOND_SEARCH_MIN = 2.0  # seconds: the least time left worth a second search of a part
SLOT_SHARE = 0.7  # of a part's time limit for the slot calendar (emergency.rotation.slots)
LNS_LINES = 50  # a part with this many rotating lines, started from a complete hint, is searched by LNS only


def _solver(time_limit: float, workers: int, seed: int, log: bool, lns_only: bool = False) -> cp_model.CpSolver:
    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds = float(time_limit)
    s.parameters.num_workers = max(1, min(int(workers), MAX_WORKERS))
    s.parameters.random_seed = int(seed)
    s.parameters.log_search_progress = bool(log)
    s.parameters.max_presolve_iterations = 1  # large calendars: presolve to a fixpoint costs more than it gains
    # Large parts: the peaks' proven lower bounds (model.peak_lower_bound) already give the
    # bound, so both workers improve the calendar (2.4 % → 2.1 % gap on the 500-line benchmark at 30 s)
    s.parameters.use_lns_only = bool(lns_only)
    return s


def _calendar(p: RotationProblem, rm: RotationModel, sol: _Solution) -> RotationCalendar:
    stops = np.zeros((p.n_lines, p.n_days), dtype=bool)
    for (l, t), c in np.ndenumerate(rm.x):
        stops[l, t] = bool(c) if isinstance(c, int) else bool(sol.value(c))
    return RotationCalendar(p, stops)


def _share_breaches(p: RotationProblem, stops: np.ndarray) -> dict[tuple[str, int], list[tuple[int, float]]]:
    """(rule, group) -> [(day, ppm)] where the calendar's real daily share breaks its
    bounds (computed from the capacities, not from the model's rounded coefficients)."""
    out: dict[tuple[str, int], list[tuple[int, float]]] = defaultdict(list)
    fixed = p.fixed_stops()
    for gi, g in enumerate(p.groups):
        if g.capacity <= 0:
            continue
        cap = p.capacity[g.lines]
        share = (stops[g.lines] * cap[:, None]).sum(axis=0) / g.capacity
        fixed_share = (fixed[g.lines] * cap[:, None]).sum(axis=0) / g.capacity
        for t in range(p.frozen_days, p.n_days):
            lo, hi = share_bounds(p, g, float(fixed_share[t]))
            if share[t] < lo - 1e-9:
                out[("share_short", gi)].append((t, (lo - share[t]) * PPM))
            elif share[t] > hi + 1e-9:
                out[("share_excess", gi)].append((t, (share[t] - hi) * PPM))
    return out


def _violations(p: RotationProblem, rm: RotationModel, sol: _Solution, stops: np.ndarray) -> list[Violation]:
    out: list[Violation] = []
    by_group = _share_breaches(p, stops)
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
            industry_code=g.industry, scope=g.scope,
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
    for c, v in cells:  # fix by the variable's domain: no constraint added per cell
        dom = fixed.proto.variables[c.index].domain
        dom[0] = dom[1] = int(v)
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


class _StopAtZeroSlack(cp_model.CpSolverSolutionCallback):
    """Stops a relaxation's search at the first solution breaking no rule."""

    def __init__(self, slacks):
        super().__init__()
        self._slacks = [sl.var for sl in slacks]

    def on_solution_callback(self) -> None:
        if all(self.value(v) == 0 for v in self._slacks):
            self.stop_search()


def _solve_model(rm: RotationModel, budget: float, workers: int, seed: int, log: bool, fallback: "_Solution | None",
                 stop_at_zero_slack: bool = False, floor: float = 1.0, lns_only: bool = False):
    """Solve ``rm`` (hint already attached) for ``budget`` seconds, at least ``floor``;
    returns (solution or None, solver, code, seconds)."""
    solver = _solver(max(budget, floor), workers, seed, log, lns_only and fallback is not None)
    t0 = time.perf_counter()
    if stop_at_zero_slack and rm.slacks:
        code = solver.solve(rm.model, _StopAtZeroSlack(rm.slacks))
    else:
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


def _hinted(problem: RotationProblem, hint: np.ndarray, time_limit: float, workers: int, seed: int,
            relax: frozenset = frozenset(), soft: bool = True) -> tuple[RotationModel, "_Solution | None"]:
    rm = build_model(problem, relax=relax, soft=soft)
    fallback = _add_hint(rm, hint, time_limit, workers, seed)
    rm.hint_complete = fallback is not None
    return rm, fallback


def _zero_slack(rm: RotationModel, sol: "_Solution") -> bool:
    return all(sol.value(sl.var) == 0 for sl in rm.slacks)


def _city_peak(problem: RotationProblem, rm: RotationModel, sol: "_Solution") -> int | None:
    """The city group's peak in a solution (ppm), if the part has one."""
    for pen in rm.penalties:
        if pen.group is not None and problem.groups[pen.group].scope == "city":
            return sol.value(pen.expr)
    return None


def _feasible_result(problem, rm, sol, t0, info, floor: float | None = None) -> RotationResult:
    cal = _calendar(problem, rm, sol)
    floor = rm.objective_floor if floor is None else max(floor, rm.objective_floor)
    bound = max(sol.bound, floor) if np.isfinite(sol.bound) else floor
    return RotationResult(
        status=RotationStatus.OPTIMAL if sol.optimal else RotationStatus.FEASIBLE,
        objective=sol.objective, best_bound=bound, seconds=time.perf_counter() - t0, calendar=cal,
        soft_misses=_soft_misses(problem, cal), info=info,
    )


def _relaxed_result(problem, rx, rsol, status, t0, info) -> RotationResult:
    cal = _calendar(problem, rx, rsol)
    return RotationResult(
        status=status, objective=None, best_bound=None, seconds=time.perf_counter() - t0, calendar=cal,
        violations=_violations(problem, rx, rsol, cal.stops), soft_misses=_soft_misses(problem, cal), info=info,
    )


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
    """Solve ``problem`` part by part (see the module docstring) and join the parts."""
    parts = problem.components()
    kw = dict(workers=workers, seed=seed, explain=explain, relax_time_limit=relax_time_limit, log=log)
    if len(parts) <= 1:
        result = _solve_part(problem, time_limit=time_limit, hint=hint, **kw)
        result.joint = None  # its columns and certificates are not kept with the result
        return result
    t0 = time.perf_counter()
    free = problem.is_free()
    size = np.array([max(int(free[idx].sum()), 1) for idx in parts], dtype=float)
    order = np.argsort(size, kind="stable")  # small parts first: the time they leave goes to the large ones
    results: dict[int, RotationResult] = {}
    left_size = float(size.sum())
    reserve = JOINT_RESERVE * time_limit
    for k in order:
        idx = parts[k]
        remaining = max(time_limit - reserve - (time.perf_counter() - t0), 0.0)
        budget = remaining * size[k] / left_size if left_size > 0 else remaining
        left_size -= size[k]
        sub = problem.restrict(idx)
        results[int(k)] = _solve_part(sub, time_limit=max(budget, min(0.5, time_limit)),
                                      hint=None if hint is None else hint[idx], **kw)
    _lift_coupled(results, t0 + time_limit)
    _second_search(problem, parts, results, t0 + time_limit, kw)
    for r in results.values():
        r.joint = None
    return _join(problem, parts, results, t0)


def _lift_coupled(results: dict[int, RotationResult], deadline: float) -> None:
    """Spend the time held back on the joint bounds of the parts not proven free of
    their counties, in rounds: each part gets its share of what is left by its gap
    (those not yet proven coupled first: most settle at once and return their time),
    and time a settled search returns goes round again."""
    while True:
        open_ = [r for r in results.values()
                 if r.joint is not None and r.joint.coupled and not r.joint.settled and r.objective is not None]
        left = deadline - time.perf_counter()
        if not open_ or left < MIN_LIFT:
            return
        gap = {id(r): max(r.objective - (r.best_bound or 0.0), 1.0) for r in open_}
        total = sum(gap.values())
        for r in sorted(open_, key=lambda r: (r.joint.lifted, -gap[id(r)])):
            left = deadline - time.perf_counter()
            if left < MIN_LIFT:
                return
            r.best_bound = max(r.best_bound or 0.0, r.joint.run(max(left * gap[id(r)] / total, MIN_LIFT)))
            r.info["joint_bound"] = r.joint.info()
            total -= gap[id(r)]


def _second_search(problem: RotationProblem, parts: list[np.ndarray], results: dict[int, RotationResult],
                   deadline: float, kw: dict) -> None:
    """Time the joint bounds did not need (they settled early) goes to a second search
    of the parts with the largest gaps, each started from its calendar: the better
    calendar is kept, and the larger of the two proven bounds."""
    tried: set[int] = set()
    while True:
        left = deadline - time.perf_counter()
        if left < SECOND_SEARCH_MIN:
            return
        open_ = [(r.objective - r.best_bound, k) for k, r in results.items()
                 if k not in tried and r.status is RotationStatus.FEASIBLE and r.best_bound is not None
                 and r.objective - r.best_bound > 0.5]
        if not open_:
            return
        _, k = max(open_)
        tried.add(k)
        r = results[k]
        again = _solve_part(problem.restrict(parts[k]), time_limit=left, hint=r.calendar.stops, joint=False, **kw)
        before = r.objective
        if again.feasible and again.objective < r.objective:
            r.status, r.objective, r.calendar, r.soft_misses = again.status, again.objective, again.calendar, again.soft_misses
        r.best_bound = max(r.best_bound, again.best_bound if again.best_bound is not None else -np.inf)
        if r.best_bound >= r.objective:
            r.status = RotationStatus.OPTIMAL
        r.seconds += again.seconds
        r.info["phases"] = r.info.get("phases", []) + [
            {**ph, "phase": f"second search: {ph['phase']}"} for ph in again.info.get("phases", [])]
        r.info["second_search"] = {"seconds": round(again.seconds, 3), "objective_before": before,
                                   "objective_after": r.objective}


def _join(problem: RotationProblem, parts: list[np.ndarray], results: dict[int, RotationResult], t0: float) -> RotationResult:
    """The result of the whole problem from its parts' results."""
    rs = [results[k] for k in range(len(parts))]
    if all(r.feasible for r in rs):
        status = RotationStatus.OPTIMAL if all(r.status is RotationStatus.OPTIMAL for r in rs) else RotationStatus.FEASIBLE
    elif any(r.status is RotationStatus.INFEASIBLE for r in rs):
        status = RotationStatus.INFEASIBLE
    else:
        status = RotationStatus.NOT_SOLVED
    cal = None
    if all(r.calendar is not None for r in rs):
        stops = np.zeros((problem.n_lines, problem.n_days), dtype=bool)
        for idx, r in zip(parts, rs):
            stops[idx] = r.calendar.stops
        cal = RotationCalendar(problem, stops)
    feasible = status in (RotationStatus.OPTIMAL, RotationStatus.FEASIBLE)
    objective = sum(r.objective for r in rs) if feasible else None
    bound = sum(r.best_bound for r in rs) if feasible and all(r.best_bound is not None for r in rs) else None
    info = {
        "variables": sum(r.info.get("variables", 0) for r in rs),
        "constraints": sum(r.info.get("constraints", 0) for r in rs),
        "workers": rs[0].info.get("workers"),
        "hint_complete": all(r.info.get("hint_complete") for r in rs),
        "build_seconds": round(sum(r.info.get("build_seconds", 0.0) for r in rs), 3),
        "phases": [{**ph, "part": f"{problem.industry[idx[0]]}/{problem.unit[idx[0]]}"}
                   for idx, r in zip(parts, rs) for ph in r.info.get("phases", [])],
        "parts": [
            {"industry": problem.industry[idx[0]], "unit": problem.unit[idx[0]], "lines": int(len(idx)),
             "status": r.status.value, "objective": r.objective, "best_bound": r.best_bound, "gap": r.gap,
             "seconds": round(r.seconds, 3), "hint": r.info.get("hint"), "joint_bound": r.info.get("joint_bound"),
             "second_search": r.info.get("second_search")}
            for idx, r in zip(parts, rs)
        ],
    }
    return RotationResult(
        status=status, objective=objective, best_bound=bound, seconds=time.perf_counter() - t0, calendar=cal,
        violations=[v for r in rs for v in r.violations],
        soft_misses=_soft_misses(problem, cal) if cal is not None else [], info=info,
    )


def _solve_part(
    problem: RotationProblem,
    *,
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    explain: bool = True,
    relax_time_limit: float | None = None,
    hint: np.ndarray | None = None,
    log: bool = False,
    joint: bool = True,
) -> RotationResult:
    """Solve one part; when it is infeasible and ``explain``, solve the relaxation.

    Phases: the model from a complete hint when the starting calendar (``hint``,
    default the staggered greedy one) meets every rule. Otherwise a short attempt at
    the model itself (it may prove infeasibility at once), then a repair: the
    relaxation of the groups' shares from the hint, stopped at the first calendar
    breaking no rule, which then hints the model for the rest of ``time_limit``.
    A repair that ends with a proven positive violation proves the rules infeasible.
    ``relax_time_limit`` (default ``time_limit``) bounds each explaining relaxation.
    ``joint``: compute the joint bound of the city and its counties (a second search
    of a part whose joint bound is known does without)."""
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    floor = min(1.0, time_limit)  # the least a phase gets
    rm = fallback = None
    hint_source = "given"
    slot_seconds = 0.0
    if hint is None:
        staggered = staggered_calendar(problem, improve_seconds=min(0.1 * time_limit, 5.0))
        t1 = time.perf_counter()
        slots = slot_calendar(problem, SLOT_SHARE * time_limit, workers, seed, start=staggered)
        slot_seconds = time.perf_counter() - t1
        hint, hint_source = staggered, "staggered (no slot calendar)"
        if slots is not None and spread_value(problem, slots) <= spread_value(problem, staggered):
            rm, fallback = _hinted(problem, slots, time_limit, workers, seed)
            hint, hint_source = slots, "slots" if fallback is not None else "staggered (the slot calendar breaks a rule)"
            if fallback is None:
                hint, rm = staggered, None
        elif slots is not None:
            hint_source = "staggered (better than the slot calendar)"
    if rm is None:
        rm, fallback = _hinted(problem, hint, time_limit, workers, seed)
    lift = joint_lift(problem, rm, _city_peak(problem, rm, fallback)) if fallback is not None and joint else None
    if lift is not None:
        lift.run(JOINT_SHARE * max(deadline - time.perf_counter(), 0.0))
    info: dict = {
        "variables": len(rm.model.proto.variables),
        "constraints": len(rm.model.proto.constraints),
        "workers": max(1, min(int(workers), MAX_WORKERS)),
        "hint_complete": rm.hint_complete,
        "hint": hint_source,
        "build_seconds": round(time.perf_counter() - t0 - slot_seconds, 3),
        "phases": [{"phase": "slot calendar", "seconds": round(slot_seconds, 3), "status": "feasible" if hint_source == "slots"
                    else "unknown", "solution_from": None, "branches": 0, "conflicts": 0}] if slot_seconds else [],
    }

    def phase(name, solver, code, seconds, sol):
        info["phases"].append({
            "phase": name, "seconds": round(seconds, 3),
            "status": {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible",
                       cp_model.INFEASIBLE: "infeasible"}.get(code, "unknown"),
            "solution_from": None if sol is None else sol.source,
            "branches": solver.num_branches, "conflicts": solver.num_conflicts,
        })

    repaired = None
    if rm.hint_complete:
        sol, solver, code, secs = _solve_model(rm, time_limit - (time.perf_counter() - t0), workers, seed, log, fallback,
                                               floor=floor, lns_only=len(problem.rotating) >= LNS_LINES)
        phase("model", solver, code, secs, sol)
    else:
        sol, solver, code, secs = _solve_model(rm, 0.3 * time_limit, workers, seed, log, None, floor=floor)
        phase("model (first attempt)", solver, code, secs, sol)
        if sol is None and code != cp_model.INFEASIBLE:
            rx, rfb = _hinted(problem, hint, time_limit, workers, seed, GROUP_RULES, soft=False)
            rsol, rsolver, rcode, rsecs = _solve_model(rx, max(deadline - time.perf_counter(), floor) * 0.75, workers,
                                                       seed, log, rfb, stop_at_zero_slack=True, floor=floor)
            phase("repair (shares relaxed)", rsolver, rcode, rsecs, rsol)
            if rsol is not None and _zero_slack(rx, rsol):
                cal = _calendar(problem, rx, rsol).stops
                rm, fallback = _hinted(problem, cal, time_limit, workers, seed)
                sol, solver, code, secs = _solve_model(rm, deadline - time.perf_counter(), workers, seed, log, fallback,
                                                            floor=floor)
                phase("model (from the repaired calendar)", solver, code, secs, sol)
            elif rsol is not None and rsol.optimal:
                code = cp_model.INFEASIBLE  # the least violation is positive: proven
                repaired = (rx, rsol)
            elif rsol is not None:
                repaired = (rx, rsol)
    if sol is not None:
        result = _feasible_result(problem, rm, sol, t0, info, None if lift is None else lift.floor)
        result.joint = lift
        if lift is not None:
            info["joint_bound"] = lift.info()
        return result
    if code == cp_model.INFEASIBLE and explain:
        if repaired is not None:
            info["relaxation1"] = {"relaxed": sorted(GROUP_RULES), "status": "optimal", "violation": repaired[1].objective}
            return _relaxed_result(problem, *repaired, RotationStatus.INFEASIBLE, t0, info)
        for stage, relax in enumerate((GROUP_RULES, RELAXABLE), start=1):
            t1 = time.perf_counter()
            rx, rfb = _hinted(problem, hint, relax_time_limit or time_limit, workers, seed, relax)
            rsol, rsolver, rcode, r_solve = _solve_model(rx, relax_time_limit or time_limit, workers, seed, log, rfb,
                                                         floor=min(1.0, relax_time_limit or time_limit))
            info[f"relaxation{stage}"] = {
                "relaxed": sorted(relax),
                "seconds": round(time.perf_counter() - t1, 3),
                "status": "infeasible" if rcode == cp_model.INFEASIBLE else
                ("not_solved" if rsol is None else ("optimal" if rsol.optimal else "feasible")),
                "solution_from": None if rsol is None else rsol.source,
                "violation": None if rsol is None else rsol.objective,
                "violation_bound": None if rsol is None or not np.isfinite(rsol.bound) else rsol.bound,
            }
            if rsol is not None:
                return _relaxed_result(problem, rx, rsol, RotationStatus.INFEASIBLE, t0, info)
            if rcode != cp_model.INFEASIBLE:
                break
        return RotationResult(RotationStatus.INFEASIBLE, None, None, time.perf_counter() - t0, None, info=info)
    if repaired is not None:
        # not proven either way: the nearest calendar found, with what it breaks
        return _relaxed_result(problem, *repaired, RotationStatus.NOT_SOLVED, t0, info)
    status = RotationStatus.INFEASIBLE if code == cp_model.INFEASIBLE else RotationStatus.NOT_SOLVED
    return RotationResult(status, None, None, time.perf_counter() - t0, None, info=info)
