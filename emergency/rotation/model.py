"""The CP-SAT model of a rotation season, one function per rule.

Reads top to bottom like the formulation:

    x[l, t] ∈ {0, 1}   line l stopped on day t (rotating lines on future, non-forced
                        days; every other cell is a constant: whole-window lines 1,
                        exempt lines 0, warning stops 1, the past as it was)

    define_quota_constraints          q_l ≤ Σ_t counts[l,t]·x[l,t] ≤ q_l + extra
    define_min_block_constraints      every stop block lasts ≥ min_block_days
    define_daily_share_constraints    share_min·C_g ≤ S_g,t ≤ cap_g,t   (each banded group, each day;
                                      only where a locality's text sets a band)
    define_period_minimum_constraints Σ_{t ∈ period} counts·x ≥ min_days (e.g. quarters)
    define_yearly_cap_constraints     Σ_t x[l,t] ≤ yearly_cap_days

    balance_penalty                   Σ_g max_t S_g,t   the engine's spreading preference: the
                                      heaviest day of each group (soft)
    preference_penalty                line-days against a holiday or a firm's request
    extra_day_penalty                 stop days beyond the quota
    objective                         assembled in one place

Shares are in ppm of the group's capacity with rounding toward the safe side
(coefficients rounded up in a cap, down in a minimum), so an integer solution
holds the rule for the real capacities.

In a relaxation (:func:`build_model` with ``relax={"share"}``, or also ``"quota"``,
``"period"``) the rules named get a named, non-negative slack variable (``quota_short[line]``,
``share_short[area/industry,day]`` …) weighted far above the soft terms: the solution
of the relaxation is the smallest violation, and the slacks that are positive say
which rule fails, where, on which days and by how much.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from emergency.rotation.problem import Group, Role, RotationProblem

PPM = 1_000_000
SLACK_WEIGHT_DAY = PPM  # per day of quota / period minimum missed: a line-day costs a whole group-day of share
SLACK_WEIGHT_PPM = 1  # per ppm of a group's capacity over a cap or under a minimum, per day
RELAX_SCALE = 1000  # slack terms dominate the soft terms in the relaxation


@dataclass(frozen=True)
class Slack:
    """A named slack variable of the relaxation."""

    name: str
    rule: str  # quota_short, quota_over, share_short, share_excess, period_short
    var: cp_model.IntVar
    weight: int
    line: int | None = None
    group: int | None = None
    day: int | None = None
    period: int | None = None


@dataclass(frozen=True)
class Penalty:
    """A soft term: ``weight × expr`` in the objective, with a name for reports."""

    name: str
    weight: int
    expr: object
    group: int | None = None  # the group whose peak this is (balance terms)


@dataclass
class RotationModel:
    model: cp_model.CpModel
    x: np.ndarray  # object (L, T): BoolVar or int 0/1
    slacks: list[Slack] = field(default_factory=list)
    penalties: list[Penalty] = field(default_factory=list)
    group_expr: dict[int, list] = field(default_factory=dict)  # group -> per day (vars, coeffs, const)
    relaxed: frozenset = frozenset()
    hint_complete: bool | None = None  # set by the solver when a hint is given

    @property
    def objective_floor(self) -> float:
        """A proven lower bound of the objective from the variables' own bounds: Σ weight ×
        lower bound of each soft term that is a single variable (the peaks); every other
        term is non-negative."""
        floor = 0.0
        for pen in self.penalties:
            if isinstance(pen.expr, cp_model.IntVar):
                floor += pen.weight * self.model.proto.variables[pen.expr.index].domain[0]
        return floor

    @property
    def variables(self) -> list[cp_model.IntVar]:
        return [v for v in self.x.ravel() if not isinstance(v, int)]


# ------------------------------------------------------------------ variables


def define_stop_variables(m: cp_model.CpModel, p: RotationProblem) -> np.ndarray:
    """x[l, t]: a Boolean for each free cell, the fixed value (0/1) elsewhere."""
    fixed = p.fixed_stops()
    free = p.is_free()
    x = np.empty((p.n_lines, p.n_days), dtype=object)
    x[:] = 0
    x[fixed] = 1
    for l, t in zip(*np.nonzero(free)):
        x[l, t] = m.new_bool_var(f"stop[{p.line_id[l]},{p.days[t].isoformat()}]")
    return x


def _split(cells) -> tuple[list, int]:
    vs = [c for c in cells if not isinstance(c, int)]
    return vs, sum(c for c in cells if isinstance(c, int))


def _zero(m: cp_model.CpModel):
    return m.new_constant(0)


# ------------------------------------------------------------------ hard rules


def define_quota_constraints(m: cp_model.CpModel, p: RotationProblem, x: np.ndarray, relax: bool = False) -> list[Slack]:
    """Each rotating line stops its quota: q_l ≤ Σ_t counts[l,t]·x[l,t] ≤ q_l + max_extra_days.

    Days already counted (past, warning days that count) above q_l + extra raise the
    upper end to what they are: stops that happened cannot be undone."""
    slacks: list[Slack] = []
    extra = p.rules.max_extra_days
    for l in p.rotating:
        cells = [x[l, t] for t in range(p.n_days) if p.counts[l, t]]
        vs, const = _split(cells)
        q = int(p.quota[l])
        hi = max(q + extra, const)
        expr = sum(vs) + const if vs else const + _zero(m)
        if relax:
            short = m.new_int_var(0, q, f"quota_short[{p.line_id[l]}]")
            over = m.new_int_var(0, p.n_days, f"quota_over[{p.line_id[l]}]")
            m.add(expr + short >= q)
            m.add(expr - over <= hi)
            slacks.append(Slack(short.name, "quota_short", short, SLACK_WEIGHT_DAY, line=int(l)))
            slacks.append(Slack(over.name, "quota_over", over, SLACK_WEIGHT_DAY, line=int(l)))
        else:
            m.add(expr >= q).with_name(f"quota_min[{p.line_id[l]}]")
            m.add(expr <= hi).with_name(f"quota_max[{p.line_id[l]}]")
    return slacks


def define_min_block_constraints(m: cp_model.CpModel, p: RotationProblem, x: np.ndarray) -> int:
    """Every stop block of a rotating line lasts at least ``min_block_days`` (L).

    A block starting on day t (x[t] = 1, x[t−1] = 0) continues: x[t] ∧ ¬x[t−1] ⇒
    x[t+1] ∧ … ∧ x[t+L−1] (one enforced conjunction per day). Days outside the window
    count as producing, so a block cannot start too late to finish. A block reaching a
    warning stop is exempt from the rest (the warning set it): the conjunction stops at
    the first forced day. Cells fixed by the past are constants; a rule the past alone
    decides is dropped (history). Returns the number of constraints."""
    L = p.rules.min_block_days
    if L <= 1:
        return 0
    T = p.n_days
    n = 0
    for l in p.rotating:
        row = x[l]
        forced = p.forced[l]
        for t in range(T):
            a = row[t]
            if (isinstance(a, int) and a == 0) or forced[t]:
                continue
            prev = row[t - 1] if t > 0 else 0
            if isinstance(prev, int) and prev == 1:
                continue
            enforce = ([] if isinstance(a, int) else [a]) + ([] if isinstance(prev, int) else [prev.Not()])
            lits, impossible = [], False
            for k in range(1, L):
                if t + k - 1 < T and forced[t + k - 1]:
                    break  # the block reaches a warning stop: exempt
                nxt = row[t + k] if t + k < T else 0
                if isinstance(nxt, int):
                    if nxt == 0:
                        impossible = True
                        break
                    continue
                lits.append(nxt)
            if impossible:
                if not enforce:
                    continue  # decided in the past
                m.add_bool_or([e.Not() for e in enforce])
            elif lits:
                c = m.add_bool_and(lits)
                if enforce:
                    c.only_enforce_if(enforce)
            else:
                continue
            n += 1
    return n


def _coeffs(p: RotationProblem, g: Group) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    share = p.capacity[g.lines] / g.capacity * PPM if g.capacity > 0 else np.zeros(len(g.lines))
    return share, np.ceil(share - 1e-9).astype(np.int64), np.floor(share + 1e-9).astype(np.int64)


def share_bounds(p: RotationProblem, g: Group, fixed_share: float) -> tuple[float, float]:
    """The daily bounds of a group, as shares of its capacity, on a day whose fixed stops
    (whole-window lines, warning stops) already take ``fixed_share``.

    A group the band does not bind (no band in force, its area not in ``share_areas``,
    too few non-exempt lines) has none: (0, 1). Otherwise minimum
    ``daily_stop_share_min``; cap ``daily_stop_share_max``, raised to the fixed share
    when whole-window or warning stops alone exceed it (they are not the rotation's to
    move). A group whose lines are all exempt has no minimum."""
    if not g.banded:
        return 0.0, max(1.0, fixed_share)
    lo = p.rules.daily_stop_share_min
    hi = max(p.rules.daily_stop_share_max, fixed_share)
    if not (p.role[g.lines] != Role.EXEMPT).any():
        lo = 0.0
    return lo, hi


def define_daily_share_constraints(m: cp_model.CpModel, p: RotationProblem, x: np.ndarray, relax: bool = False) -> tuple[list[Slack], dict]:
    """Per banded group g and future day t: share_min·C_g ≤ S_g,t ≤ cap_g,t·C_g, where
    S_g,t is the capacity of the group's lines stopped on t (see :func:`share_bounds`).
    Groups the band does not bind get no row (their expressions still feed the spread).

    Returns the slacks (relaxed mode) and, per group, the day expressions (vars,
    ppm coefficients, constant ppm) the balance term reuses."""
    slacks: list[Slack] = []
    exprs: dict[int, list] = {}
    for gi, g in enumerate(p.groups):
        if g.capacity <= 0:
            continue
        share, up, lo_c = _coeffs(p, g)
        rows = x[g.lines]
        day_exprs = []
        for t in range(p.frozen_days, p.n_days):
            col = rows[:, t]
            var_idx = [i for i, c in enumerate(col) if not isinstance(c, int)]
            fixed_ppm = float(sum(share[i] for i, c in enumerate(col) if isinstance(c, int) and c == 1))
            lo, hi = share_bounds(p, g, fixed_ppm / PPM)
            vs = [col[i] for i in var_idx]
            day_exprs.append((vs, [int(round(share[i])) for i in var_idx], fixed_ppm))
            hi_rhs = math.floor(hi * PPM - fixed_ppm + 1e-6)
            lo_rhs = math.ceil(lo * PPM - fixed_ppm - 1e-6)
            e_up = cp_model.LinearExpr.weighted_sum(vs, [int(up[i]) for i in var_idx]) if vs else _zero(m)
            e_lo = cp_model.LinearExpr.weighted_sum(vs, [int(lo_c[i]) for i in var_idx]) if vs else _zero(m)
            tag = f"{g.key},{p.days[t].isoformat()}"
            if not g.banded:
                continue
            if relax:
                if lo_rhs > 0:
                    s = m.new_int_var(0, PPM, f"share_short[{tag}]")
                    m.add(e_lo + s >= lo_rhs)
                    slacks.append(Slack(s.name, "share_short", s, SLACK_WEIGHT_PPM, group=gi, day=t))
                s = m.new_int_var(0, PPM, f"share_excess[{tag}]")
                m.add(e_up - s <= hi_rhs)
                slacks.append(Slack(s.name, "share_excess", s, SLACK_WEIGHT_PPM, group=gi, day=t))
            else:
                if lo_rhs > 0:
                    m.add(e_lo >= lo_rhs).with_name(f"share_min[{tag}]")
                if hi_rhs < sum(int(up[i]) for i in var_idx) or hi_rhs < 0:
                    m.add(e_up <= hi_rhs).with_name(f"share_max[{tag}]")
        exprs[gi] = day_exprs
    return slacks, exprs


def define_period_minimum_constraints(m: cp_model.CpModel, p: RotationProblem, x: np.ndarray, relax: bool = False) -> list[Slack]:
    """Each rotating line stops at least its minimum in each period (quarter, month):
    Σ_{t ∈ period} counts[l,t]·x[l,t] ≥ min_days[l]."""
    slacks: list[Slack] = []
    for pi, per in enumerate(p.periods):
        ts = np.nonzero(per.days)[0]
        for l in p.rotating:
            need = int(per.min_days[l])
            if need <= 0:
                continue
            vs, const = _split([x[l, t] for t in ts if p.counts[l, t]])
            expr = (sum(vs) if vs else _zero(m)) + const
            if relax:
                s = m.new_int_var(0, need, f"period_short[{p.line_id[l]},{per.label}]")
                m.add(expr + s >= need)
                slacks.append(Slack(s.name, "period_short", s, SLACK_WEIGHT_DAY, line=int(l), period=pi))
            else:
                m.add(expr >= need).with_name(f"period_min[{p.line_id[l]},{per.label}]")
    return slacks


def define_yearly_cap_constraints(m: cp_model.CpModel, p: RotationProblem, x: np.ndarray) -> None:
    """Rotation plus emergency stop days of a line stay within ``yearly_cap_days``
    (when set): Σ_t x[l,t] ≤ cap. Quotas were already cut to fit (``problem.deferred``)."""
    cap = p.rules.yearly_cap_days
    if cap <= 0:
        return
    for l in p.rotating:
        vs, const = _split(list(x[l]))
        if vs:
            m.add(sum(vs) + const <= max(cap, const))


# ------------------------------------------------------------------ soft rules


def balance_penalty(m: cp_model.CpModel, p: RotationProblem, exprs: dict) -> list[Penalty]:
    """Fair spread over the season: for each group, the stopped share of its heaviest
    future day, in ppm of its capacity (peak ≥ S_g,t for every t).

    The stop volume of a group is fixed by the quotas, so its days average a known
    share; lowering the peak toward that average spreads the stops evenly over the
    season (the largest deviation above the average is what is minimised), and the
    average is a proven lower bound — the reported gap means something."""
    w = p.rules.weights.balance
    out: list[Penalty] = []
    if w <= 0:
        return out
    fixed, free = p.fixed_stops(), p.is_free()
    for gi, day_exprs in exprs.items():
        if not any(vs for vs, _, _ in day_exprs):
            continue
        g = p.groups[gi]
        peak = m.new_int_var(peak_lower_bound(p, g, day_exprs, fixed, free), 2 * PPM, f"share_peak[{g.key}]")
        for vs, cs, const in day_exprs:
            m.add(peak >= (cp_model.LinearExpr.weighted_sum(vs, cs) if vs else 0) + int(round(const)))
        out.append(Penalty(f"balance[{g.key}]", w, peak, group=gi))
    return out


CONFIGURATION_LINES = 9  # largest lines of a group taken one by one in the configuration bound (2^9 sets)


def configuration_bound(shares: np.ndarray, needs: np.ndarray, days: int, rest: float = 0.0) -> float:
    """The least daily peak P at which lines of shares ``s_l`` needing ``n_l`` stop days
    each fit in ``days`` days, days fractional, with ``rest`` more share·days (the other
    lines' volume, poured like a fluid under P) — a configuration LP over the sets S of
    the lines stopped together on a day (allowed when Σ_{l∈S} s_l ≤ P; ∅ included):

        ∃ x_S ≥ 0:   Σ_S x_S = days,   Σ_{S ∋ l} x_S ≥ n_l  ∀ l,   Σ_S x_S · (P − s_S) ≥ rest

    A relaxation of the calendar (no blocks, any day), so P bounds its peak from below.
    It sees what the group's average cannot: four lines of 13 %, 25 %, 29 % and 33 %
    stopping 45 of 121 days each must pair up on 59 days, and the pairs that avoid the
    two largest lines all contain the smallest one, so the peak is at least 54 %.
    Feasibility is monotone in P: a binary search over the distinct subset sums for the
    least feasible one, then (``rest`` > 0) a bisection to 10⁻⁶ between it and the sum
    below (the fluid fills more as P rises between two sums: the least P need not be a
    sum); the infeasible end is returned."""
    n = len(shares)
    if days <= 0:
        return 0.0
    from ortools.linear_solver import pywraplp

    masks = np.arange(0, 2 ** n)
    member = ((masks[:, None] >> np.arange(n)) & 1).astype(bool)  # (2^n, n), row 0 = ∅
    sums = member @ shares if n else np.zeros(1)

    def feasible(P: float) -> bool:
        allowed = np.nonzero(sums <= P + 1e-12)[0]
        if any(not member[allowed, l].any() for l in range(n) if needs[l] > 0):
            return False
        # built coefficient by coefficient: the natural API's expressions cost seconds on large groups
        lp = pywraplp.Solver.CreateSolver("GLOP")
        inf = lp.infinity()
        on_days = lp.Constraint(float(days), float(days))
        cover = {l: lp.Constraint(float(needs[l]), inf) for l in range(n) if needs[l] > 0}
        poured = lp.Constraint(float(rest), inf) if rest > 0 else None
        for a in allowed.tolist():
            x = lp.NumVar(0.0, inf, "")
            on_days.SetCoefficient(x, 1.0)
            for l in np.nonzero(member[a])[0].tolist():
                if l in cover:
                    cover[l].SetCoefficient(x, 1.0)
            if poured is not None:
                poured.SetCoefficient(x, float(P - sums[a]))
        return lp.Solve() == pywraplp.Solver.OPTIMAL

    candidates = np.unique(np.round(sums, 12))
    lo, hi = 0, len(candidates) - 1
    if not feasible(float(candidates[hi]) + rest / days):
        return float(candidates[hi]) + rest / days  # cannot fit at all: every line every day
    while lo < hi:
        mid = (lo + hi) // 2
        if feasible(float(candidates[mid])):
            hi = mid
        else:
            lo = mid + 1
    P0 = float(candidates[lo])
    if feasible(P0):
        if rest <= 0:
            return P0  # without the fluid, feasibility changes only where the sets allowed do
        # with it, P between the sums lets the fluid fill more: the least P is in (c[lo-1], P0]
        a, b = (float(candidates[lo - 1]) if lo > 0 else 0.0), P0
    else:  # every set allowed (lo is the last sum): b is feasible, the sets with rest/days more room each day
        a, b = P0, P0 + rest / days
    while b - a > 1e-6:
        mid = (a + b) / 2
        if feasible(mid):
            b = mid
        else:
            a = mid
    return a


def peak_lower_bound(p: RotationProblem, g: Group, day_exprs: list, fixed: np.ndarray, free: np.ndarray) -> int:
    """A valid lower bound on a group's heaviest future day, in ppm, the larger of

        peak_g ≥ P_g + min_t const_t                              (configuration)
        peak_g ≥ ⌈(Σ_t const_t + Σ_l ⌊s_l⌋ · need_l) / T_future⌉     (average day)

    where ``P_g`` is the :func:`configuration_bound` of the group's (up to nine largest)
    rotating lines that must still stop (``need_l``: quota not met by the days already
    fixed), over the future days, with the other such lines' volume and the fixed stops
    above their least day poured under P as a fluid, and ``const_t`` the share already
    stopped by fixed stops on day t. The average is what the LP proves once it has run; the
    configuration bound is far above it for a group of a few lines. Both are set as the
    peak's lower bound, so the reported gap measures the calendar, not the relaxation,
    even when the solver is stopped before its own bound moves."""
    if not day_exprs:
        return 0
    consts = [int(round(c)) for _, _, c in day_exprs]
    share = p.capacity[g.lines] / g.capacity if g.capacity > 0 else np.zeros(len(g.lines))
    picked, needs = [], []
    for i, l in enumerate(g.lines):
        if p.role[l] != Role.ROTATE or not free[l].any():
            continue
        need = int(p.quota[l]) - int((fixed[l] & p.counts[l]).sum())
        if need > 0:
            picked.append(i)
            needs.append(min(need, int(free[l].sum())))
    if not picked:
        return max(consts) if consts else 0
    volume = sum(consts) + sum(int(math.floor(share[i] * PPM - 0.5)) * n for i, n in zip(picked, needs))
    average = int(math.ceil(volume / len(consts) - 1e-9))
    ranked = np.argsort(-share[picked], kind="stable")
    order, others = ranked[:CONFIGURATION_LINES], ranked[CONFIGURATION_LINES:]
    top = np.asarray(picked)[order]
    rest = float(sum(share[picked[j]] * needs[j] for j in others.tolist()))
    rest += (sum(consts) - min(consts) * len(consts)) / PPM  # fixed stops above the least day
    P = configuration_bound(share[top], np.asarray(needs)[order], p.n_days - p.frozen_days, rest * (1 - 1e-9))
    # the model's coefficients are rounded to whole ppm: allow half a ppm per line
    configuration = max(0, int(math.floor(P * PPM - 0.5 * (len(top) + 1)))) + min(consts)
    return max(configuration, average, max(consts))


def preference_penalty(m: cp_model.CpModel, p: RotationProblem, x: np.ndarray) -> list[Penalty]:
    """Holidays and firms' requests: each line-day against the preference costs ``weight``
    (a stop on an avoid day; no stop on a prefer day)."""
    w = p.rules.weights.preference
    if w <= 0:
        return []
    against = []
    const = 0
    for l, t in zip(*np.nonzero(p.preference)):
        c = x[l, t]
        pref = p.preference[l, t]
        if isinstance(c, int):
            continue
        against.append(c if pref < 0 else c.Not())
    if not against:
        return []
    return [Penalty("preferences", w, sum(against) + const)]


def extra_day_penalty(m: cp_model.CpModel, p: RotationProblem, x: np.ndarray) -> list[Penalty]:
    """Stop days beyond the quota (allowed only with ``max_extra_days`` > 0)."""
    if p.rules.max_extra_days <= 0 or p.rules.weights.extra_day <= 0:
        return []
    terms = []
    for l in p.rotating:
        vs, const = _split([x[l, t] for t in range(p.n_days) if p.counts[l, t]])
        if vs:
            terms.append(sum(vs) + const - int(p.quota[l]))
    return [Penalty("extra_days", p.rules.weights.extra_day, sum(terms))] if terms else []


def objective(m: cp_model.CpModel, penalties: list[Penalty], slacks: list[Slack]) -> None:
    """The objective, assembled in one place: soft terms, plus the slacks (relaxation)
    weighted so that any violation costs more than every soft term together."""
    soft = [pen.weight * pen.expr for pen in penalties]
    hard = [RELAX_SCALE * s.weight * s.var for s in slacks]
    terms = soft + hard
    if terms:
        m.minimize(sum(terms))


RELAXABLE = frozenset({"quota", "share", "period"})
GROUP_RULES = frozenset({"share"})  # relaxation stage 1: the lines' own rules stay hard


def build_model(p: RotationProblem, *, relax: frozenset[str] | set[str] = frozenset(), soft: bool = True) -> RotationModel:
    """The whole model: variables, every rule, the objective.

    ``relax``: the rules given named slacks (``quota``, ``share``, ``period``); the
    block length, the exemptions and the fixed stops are never relaxed. ``soft=False``
    leaves the soft terms out (a repair looking for any calendar that breaks nothing)."""
    relax = frozenset(relax)
    if not relax <= RELAXABLE:
        raise ValueError(f"cannot relax {sorted(relax - RELAXABLE)}")
    m = cp_model.CpModel()
    m.name = f"rotation[{p.area},{p.season}]" + (f"/relaxed({','.join(sorted(relax))})" if relax else "")
    x = define_stop_variables(m, p)
    slacks = define_quota_constraints(m, p, x, "quota" in relax)
    define_min_block_constraints(m, p, x)
    share_slacks, exprs = define_daily_share_constraints(m, p, x, "share" in relax)
    slacks += share_slacks
    slacks += define_period_minimum_constraints(m, p, x, "period" in relax)
    define_yearly_cap_constraints(m, p, x)
    penalties = (balance_penalty(m, p, exprs) + preference_penalty(m, p, x) + extra_day_penalty(m, p, x)) if soft else []
    objective(m, penalties, slacks)
    return RotationModel(m, x, slacks, penalties, exprs, relax)
