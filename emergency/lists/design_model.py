"""The list design as a model (清单编制): every line's measure at every level at once.

One :class:`~emergency.optimization.problem.MeasureProblem` per level v (the same lines,
in the same order; each line's options sorted by output cut, the first its base: the
floor carried up from the levels below, or the measure its firm filed and keeps), and
a weight w_v per level (the days expected at it). Choose one option j(v, l) per line and
level:

    min  Σ_v w_v Σ_l cost_{v, j(v, l)}                                  (objective)
    s.t. Σ_{l ∈ a} reduction_{v, j(v, l), k} ≥ required_{v, a, k}      target[<level>,<area>,<column>]
         cut_{v, j(v, l)} ≤ cut_{v+1, j(v+1, l)}                       nest[<line>,<level>]

Every option here is proportional (a cut s costs s × value_l and removes s × emission_lk;
:func:`check_proportional` refuses anything else), so the LP relaxation has one variable
s_vl ∈ [lo_vl, hi_vl] per line and level, the nesting rows are s_vl − s_{v+1,l} ≤ 0, and
its optimum is a proven lower bound.

Method (the plans' method, :mod:`emergency.optimization.solver`, over three levels):

1. :func:`solve_lp` — the LP relaxation with the nesting rows added lazily: solve without
   them (the levels apart), add a row for every line whose LP cut falls at a higher level,
   solve again, until no row is violated. Same optimum as with every row, far fewer rows.
2. :func:`round_nested` — each s_vl rounded up to the line's next option at v, then the
   running maximum over levels (the smallest option ≥ the level below's cut): feasible
   and nested, since rounding up only adds reduction.
3. :func:`solve_neighbourhood` — the lines whose LP reduced costs make them nearly
   indifferent (and the fractional ones) freed at all levels together, the rest fixed,
   solved exactly by CP-SAT with the nesting and target rows, against the requirement the
   fixed lines leave; kept only if feasible in reals and no dearer.

Reported: objective, LP bound, gap, time per phase (:class:`DesignResult`); OPTIMAL when
the gap is within the tolerance, or when every line that can move was free in the MIP and
CP-SAT proved its answer optimal (``info["proven_by_mip"]``; small lists, where the LP
bound is weak). The model
never touches a database or a policy file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from emergency.errors import OptimizationError
from emergency.optimization.result import relative_gap
from emergency.optimization import mpmodel
from emergency.optimization.lp import segments
from emergency.optimization.problem import MeasureProblem
from emergency.optimization.result import SolveStatus
from emergency.vocabulary import WarningLevel

MG = 1_000_000  # kg -> mg, as the plans' neighbourhood MIP
# Every target row is solved for required + 1 mg (where it asks anything), so that the
# design meets it exactly in reals — the list check calls a row short past 1e-9 kg — in
# spite of the LP's tolerances and the MIP's milligrams. The bound is the LP bound of
# these rows: above the untouched rows' by at most 1 mg × the rows' prices (below a fen).
MARGIN_KG = 1e-6
CUT_SCALE = 1_000_000  # output cut shares as integers (micro-shares) for the nesting rows
_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class DesignProblem:
    levels: tuple[WarningLevel, ...]  # in rank order (yellow, orange, red)
    weights: np.ndarray  # (V,) days expected at each level
    problems: tuple[MeasureProblem, ...]  # one per level; the same lines in the same order

    def __post_init__(self) -> None:
        if len(self.levels) != len(self.problems) or len(self.weights) != len(self.levels):
            raise OptimizationError("one problem and one weight per level")
        if any((np.asarray(self.weights) < 0).tolist()):
            raise OptimizationError("level weights must be non-negative")
        ids = self.problems[0].line_ids if self.problems else np.zeros(0)
        for p in self.problems:
            if len(p.line_ids) != len(ids) or (p.line_ids != ids).any():
                raise OptimizationError("every level's problem must have the same lines in the same order")
            cut, start = p.output_cut, p.line_start
            same_line = np.ones(len(cut) - 1, dtype=bool)
            same_line[start[1:-1] - 1] = False
            if len(cut) > 1 and (np.diff(cut)[same_line] < -_TOL).any():
                raise OptimizationError("each line's options must be sorted by output cut")
        if len(self.problems) > 1 and len(ids):  # the options' range must nest: then fixed levels need no nesting row
            lo = np.stack([np.minimum.reduceat(p.output_cut, p.line_start[:-1]) for p in self.problems])
            hi = np.stack([np.maximum.reduceat(p.output_cut, p.line_start[:-1]) for p in self.problems])
            if (np.diff(lo, axis=0) < -_TOL).any() or (np.diff(hi, axis=0) < -_TOL).any():
                raise OptimizationError("each line's lowest and highest option must not fall from one level to the next")

    @property
    def n_lines(self) -> int:
        return self.problems[0].n_lines if self.problems else 0

    def target_name(self, v: int, a: int, k: int) -> str:
        """A target row's stable name, citing level and area by name: ``target[red,乙县,NOx]``."""
        p = self.problems[v]
        return f"target[{self.levels[v].value},{p.area_names[a]},{p.pollutants[k]}]"

    def nest_name(self, v: int, l: int) -> str:
        """A nesting row's stable name: ``nest[<line id>,<level>]`` (cut at the level ≤ at the next)."""
        return f"nest[{self.problems[v].line_ids[l]},{self.levels[v].value}]"

    def cut(self, choices: np.ndarray) -> np.ndarray:
        """(V, L) output cut of a choice (option index per level and line)."""
        return np.stack([p.output_cut[c] for p, c in zip(self.problems, choices)]) if len(self.problems) else np.zeros((0, 0))

    def level_costs(self, choices: np.ndarray) -> np.ndarray:
        """(V,) lost output value per day at each level (yuan/day, unweighted)."""
        return np.array([p.cost_of(c) for p, c in zip(self.problems, choices)])

    def objective(self, choices: np.ndarray) -> float:
        """Σ_v w_v × lost value per day at v (yuan per season)."""
        return float(np.dot(self.weights, self.level_costs(choices)))

    def nested(self, choices: np.ndarray) -> bool:
        c = self.cut(choices)
        return bool((np.diff(c, axis=0) >= -_TOL).all())

    def meets(self, choices: np.ndarray) -> list[bool]:
        """Per level: every target row met (to within 1e-9 kg, the list check's tolerance)."""
        return [bool(np.all(p.achieved(c) >= p.required - 1e-9)) for p, c in zip(self.problems, choices)]


@dataclass
class DesignResult:
    status: SolveStatus
    choices: np.ndarray | None  # (V, L) option index per level and line
    objective: float | None  # Σ_v w_v lost value (yuan per season)
    lower_bound: float | None  # the LP relaxation's (proven)
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)
    level_costs: np.ndarray | None = None  # (V,) yuan/day
    shortfall: list[np.ndarray] | None = None  # per level (A, K): required − achievable where > 0
    info: dict = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        return relative_gap(self.objective, self.lower_bound)


def check_proportional(design: DesignProblem) -> None:
    """Every option must be proportional (cost and reduction = cut × the line's value and
    emissions): the LP relaxation and the nesting on the output cut rely on it."""
    for v, p in zip(design.levels, design.problems):
        seg = segments(p)
        if not seg.proportional.all():
            l = int(np.nonzero(~seg.proportional)[0][0])
            raise OptimizationError(f"{v.value}: line {p.line_ids[l]} has an option that is not proportional "
                                    "(a measure with its own emission shares): the list design cannot nest it")


# ----------------------------------------------------------------------------- 1. LP


def _with_margin(p: MeasureProblem) -> np.ndarray:
    """The rows as solved: required + MARGIN_KG where the row asks anything (no more than
    the lines can give: a row met only by every line's deepest option stays as it is)."""
    room = np.clip(p.max_achievable() - p.required, 0.0, MARGIN_KG)
    return np.where(p.required > 0, p.required + room, p.required)


@dataclass
class DesignLp:
    status: str
    objective: float
    s: np.ndarray  # (V, L) LP cut
    duals: list[np.ndarray]  # per level (A, K) yuan per kg (weighted)
    nesting_rows: int
    rounds: int


def solve_lp(design: DesignProblem, time_limit: float = 60.0, max_rounds: int = 12) -> DesignLp:
    """The LP relaxation with lazily added nesting rows (see the module). Stopped after
    ``max_rounds`` with rows still violated, the optimum is that of a relaxation with fewer
    rows: still a valid lower bound (the rounding nests the choice whatever the LP did)."""
    V, L = len(design.levels), design.n_lines
    segs = [segments(p) for p in design.problems]
    lo = np.stack([s.s_min for s in segs])
    hi = np.stack([s.s_max for s in segs])
    unit_cost = np.stack([w * s.value for w, s in zip(design.weights, segs)])
    movable = hi > lo + 1e-12
    col = np.full((V, L), -1, dtype=np.int64)
    col[movable] = np.arange(int(movable.sum()))
    n_cols = int(movable.sum())
    const_cost = float((unit_cost * np.where(movable, 0.0, lo)).sum())

    rows, cols, vals, row_lb, row_ub = [], [], [], [], []
    offset = 0
    row_of_level = []
    for v, (p, s) in enumerate(zip(design.problems, segs)):
        K = len(p.pollutants)
        fixed = np.nonzero(~movable[v])[0]
        const_red = p.area_sum(s.emission[fixed] * lo[v, fixed, None], lines=fixed)
        m_lines = np.nonzero(movable[v])[0]
        pos, area = p.memberships(m_lines)
        r = (offset + area[:, None] * K + np.arange(K)).reshape(-1)
        c = np.repeat(col[v, m_lines][pos], K)
        x = s.emission[m_lines][pos].reshape(-1)
        keep = x != 0
        rows.append(r[keep]), cols.append(c[keep]), vals.append(x[keep])
        row_lb.append((_with_margin(p) - const_red).ravel()), row_ub.append(np.full(p.n_rows, np.inf))
        row_of_level.append((offset, p.n_rows))
        offset += p.n_rows
    n_target = offset
    var_lb, var_ub = lo[movable], hi[movable]
    obj = unit_cost[movable]

    nest = np.zeros((max(V - 1, 0), L), dtype=bool)  # nesting rows in the model: s_vl − s_{v+1,l} ≤ 0
    rounds, s_full, sol = 0, None, None
    while True:
        rounds += 1
        nv, nl = np.nonzero(nest)
        r_extra = n_target + np.arange(len(nv))
        # a row only where both variables move; where one is fixed the bounds already nest (see build)
        rr = np.concatenate([r_extra, r_extra])
        cc = np.concatenate([col[nv, nl], col[nv + 1, nl]])
        vv = np.concatenate([np.ones(len(nv)), -np.ones(len(nv))])
        ok = cc >= 0
        model = mpmodel.LinearModel.from_coo(
            np.concatenate(rows + [rr[ok]]), np.concatenate(cols + [cc[ok]]), np.concatenate(vals + [vv[ok]]),
            n_target + len(nv), var_lb=var_lb, var_ub=var_ub, obj=obj,
            row_lb=np.concatenate(row_lb + [np.full(len(nv), -np.inf)]),
            row_ub=np.concatenate(row_ub + [np.zeros(len(nv))]),
        )
        sol = mpmodel.solve(model, mpmodel.GLOP, time_limit)
        if sol.status != "optimal":
            return DesignLp(sol.status, float("nan"), lo, [np.zeros_like(p.required) for p in design.problems],
                            int(nest.sum()), rounds)
        s_full = lo.copy()
        s_full[movable] = sol.values[:n_cols]
        violated = (s_full[:-1] > s_full[1:] + 1e-9) & ~nest
        if not violated.any() or rounds >= max_rounds:
            break
        nest |= violated
    s_full = np.minimum(np.maximum(s_full, lo), hi)
    duals = [np.maximum(sol.duals[o:o + n], 0.0).reshape(p.required.shape)
             for (o, n), p in zip(row_of_level, design.problems)]
    return DesignLp("optimal", float(sol.objective) + const_cost, s_full, duals, int(nest.sum()), rounds)


# ----------------------------------------------------------------------------- 2. rounding


def _next_option(p: MeasureProblem, at_least: np.ndarray) -> np.ndarray:
    """(L,) per line the option with the smallest cut ≥ at_least_l (the top option where none is)."""
    starts = p.line_start[:-1]
    opt_line = p.option_line()
    ok = p.output_cut >= at_least[opt_line] - 1e-9
    J = p.n_options
    first = np.minimum.reduceat(np.where(ok, np.arange(J), J), starts)
    top = p.line_start[1:] - 1
    return np.where(first < J, first, top)


def round_nested(design: DesignProblem, s: np.ndarray) -> np.ndarray:
    """(V, L) choice: s_vl rounded up to an option at v, then raised to the level below's cut."""
    choices = np.zeros((len(design.levels), design.n_lines), dtype=np.int64)
    below = np.zeros(design.n_lines)
    for v, p in enumerate(design.problems):
        choices[v] = _next_option(p, np.maximum(s[v], below))
        below = p.output_cut[choices[v]]
    return choices


# ----------------------------------------------------------------------------- 3. neighbourhood


def solve_neighbourhood(design: DesignProblem, free: np.ndarray, choices: np.ndarray, time_limit: float,
                        workers: int = 2) -> tuple[np.ndarray | None, bool]:
    """Best options at every level for the lines ``free`` (the others as in ``choices``):
    CP-SAT on booleans x[v, j], one per level and line, the nesting rows on micro-shares,
    reductions in milligrams rounded down and residual requirements rounded up (a CP-SAT
    choice is feasible in reals); objective Σ_v round(w_v × cost_j). Returns (choices, proven)."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    fixed = np.ones(design.n_lines, dtype=bool)
    fixed[free] = False
    keep = np.nonzero(fixed)[0]
    xs, cut_expr = [], []
    objective = []
    for v, p in enumerate(design.problems):
        starts, ends = p.line_start[free], p.line_start[free + 1]
        opts = np.concatenate([np.arange(s, e) for s, e in zip(starts.tolist(), ends.tolist())])
        owner = np.repeat(np.arange(len(free)), ends - starts)
        x = [model.new_bool_var("") for _ in range(len(opts))]
        pos = 0
        for s, e in zip(starts.tolist(), ends.tolist()):
            model.add_exactly_one(x[pos:pos + e - s])
            pos += e - s
        cut_int = np.round(p.output_cut[opts] * CUT_SCALE).astype(np.int64)
        per_line = [[] for _ in range(len(free))]
        for i, o in enumerate(owner.tolist()):
            per_line[o].append((x[i], int(cut_int[i])))
        cut_expr.append(per_line)
        red = np.floor(p.reduction[opts] * MG + 1e-6).astype(np.int64)
        residual = _with_margin(p) - p.area_sum(p.reduction[choices[v, keep]], lines=keep)
        need = np.ceil(np.maximum(residual, 0.0) * MG).astype(np.int64)  # floored reductions ≥ it: met in reals
        line_of_opt = free[owner]
        for a in range(len(p.area_names)):
            idx = np.nonzero(p.in_area(a, line_of_opt))[0]
            for k in range(len(p.pollutants)):
                if need[a, k] <= 0:
                    continue
                nz = idx[red[idx, k] > 0]
                model.add(sum(int(red[i, k]) * x[i] for i in nz.tolist()) >= int(need[a, k]))
        cost = np.round(design.weights[v] * p.cost[opts]).astype(np.int64)
        objective.extend(int(c) * x[i] for i, c in enumerate(cost.tolist()) if c)
        hint = set(choices[v, free].tolist())
        for i, o in enumerate(opts.tolist()):
            model.add_hint(x[i], o in hint)
        xs.append((opts, owner, x))
    for v in range(len(design.problems) - 1):
        for f in range(len(free)):
            model.add(sum(c * b for b, c in cut_expr[v][f]) <= sum(c * b for b, c in cut_expr[v + 1][f]))
    model.minimize(sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.relative_gap_limit = 1e-6
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False
    out = choices.copy()
    for v, (opts, owner, x) in enumerate(xs):
        chosen = np.array([solver.boolean_value(b) for b in x], dtype=bool)
        out[v, free[owner[chosen]]] = opts[chosen]
    return out, status == cp_model.OPTIMAL


# ----------------------------------------------------------------------------- the method


def solve_design(design: DesignProblem, *, time_limit: float = 20.0, gap_tolerance: float = 1e-3,
                 neighbourhood: int | None = None, workers: int = 2) -> DesignResult:
    """The LP bound, the nested rounding, then the neighbourhood MIP (see the module)."""
    t0 = time.perf_counter()
    phases: dict[str, float] = {}
    V = len(design.levels)
    if design.n_lines == 0:
        return DesignResult(SolveStatus.OPTIMAL, np.zeros((V, 0), dtype=np.int64), 0.0, 0.0, 0.0, phases, np.zeros(V))
    check_proportional(design)
    shortfall = [np.maximum(p.required - p.max_achievable(), 0.0) for p in design.problems]
    if any((s > 1e-9 * (1 + p.required)).any() for s, p in zip(shortfall, design.problems)):
        return DesignResult(SolveStatus.INFEASIBLE, None, None, None, time.perf_counter() - t0, phases, shortfall=shortfall)
    lp = solve_lp(design, time_limit=time_limit)
    phases["lp"] = time.perf_counter() - t0
    if lp.status != "optimal":
        return DesignResult(SolveStatus.NOT_SOLVED, None, None, None, time.perf_counter() - t0, phases,
                            shortfall=shortfall, info={"lp_status": lp.status})
    t1 = time.perf_counter()
    choices = round_nested(design, lp.s)
    frac = (np.abs(design.cut(choices) - lp.s) > 1e-6).any(axis=0)
    # how cheap it is to move a line at every level: Σ_v |reduced cost| × range
    move = np.zeros(design.n_lines)
    movable = np.zeros(design.n_lines, dtype=bool)
    for v, p in enumerate(design.problems):
        seg = segments(p)
        d = design.weights[v] * seg.value - (seg.emission * p.line_sum(lp.duals[v])).sum(axis=1)
        span = seg.s_max - seg.s_min
        move += np.abs(d) * span
        movable |= span > 1e-12
    move = np.where(movable, move, np.inf)
    order = np.argsort(move, kind="stable")
    phases["round"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    target = lp.objective / (1.0 - gap_tolerance / 2.0) if lp.objective > 0 else 0.0
    stages = ([(neighbourhood, 5.0)] if neighbourhood is not None
              else [(int(np.clip(0.01 * design.n_lines, 100, 600)), 2.0), (1200, 5.0)])
    skipped = design.objective(choices) <= target
    proven, used, tried, choices_from_mip = False, 0, 0, False
    for size, seconds in ([] if skipped else stages):
        n_free = min(int(movable.sum()), max(size, int(frac.sum())))
        if n_free <= used:
            continue
        mask = frac & movable
        mask[order[:n_free]] = True
        mask &= movable
        free = np.nonzero(mask)[0]
        remaining = max(0.2, time_limit - (time.perf_counter() - t0))
        cand, proven = solve_neighbourhood(design, free, choices, min(remaining, seconds), workers)
        tried, used = tried + 1, n_free
        choices_from_mip = False
        if cand is not None and all(design.meets(cand)) and design.nested(cand) \
                and design.objective(cand) <= design.objective(choices):
            choices, choices_from_mip = cand, True
        if design.objective(choices) <= target:
            break
    phases["neighbourhood_mip"] = time.perf_counter() - t2
    objective = design.objective(choices)
    result = DesignResult(SolveStatus.FEASIBLE, choices, objective, lp.objective, time.perf_counter() - t0, phases,
                          design.level_costs(choices), [np.zeros_like(p.required) for p in design.problems],
                          info={"lp_rounds": lp.rounds, "nesting_rows": lp.nesting_rows, "fractional_lines": int(frac.sum()),
                                "free_lines": used, "neighbourhood_proven": proven, "neighbourhood_skipped": skipped,
                                "neighbourhood_stages": tried, "duals": lp.duals})
    if not (all(design.meets(choices)) and design.nested(choices)):
        raise OptimizationError("the list design broke a target or the nesting (a defect): refusing to report it")
    # every line that can move was free and CP-SAT proved its answer optimal: the design is
    # optimal for the rows as solved, whatever the LP bound's gap (small lists: few lines decide)
    result.info["proven_by_mip"] = bool(proven and used >= int(movable.sum()) and choices_from_mip)
    if (result.gap is not None and result.gap <= gap_tolerance) or result.info["proven_by_mip"]:
        result.status = SolveStatus.OPTIMAL
    return result
