"""A proven lower bound on the spread of one industry's city and counties together.

The model's bound on each group's peak (:func:`emergency.rotation.model.peak_lower_bound`)
looks at one group at a time. A county whose few lines cannot stop together (two kilns
of 90 % and 10 % of the county) stops in lumps, and the city, which is the sum of its
counties, inherits the lumps: flattening the city then costs the counties peak. Bounds
taken group by group miss this, and the gap of a season with city and county spreads
stays at a few per cent however long CP-SAT runs. This module proves the coupling.

Joint configuration LP (a relaxation of the calendar: no blocks, any line on any
future day). Given caps ``P_city`` and ``P_c`` on the peaks, a day may stop a set S of
rotating lines only if, in every group, the fixed stops of its least day plus S stay
under the cap. The calendar needs ``n_l`` more stop days of each line in ``T`` days:

    ∃ x_S ≥ 0:   Σ_S x_S = T,   Σ_{S ∋ l} x_S ≥ n_l  ∀ l                      (P)

is necessary. (P) is infeasible iff some ``u ≥ 0`` has  Σ_l n_l u_l > T · max_S Σ_{l∈S} u_l
(Farkas): the certificate. Column generation on the phase-one LP of (P) finds ``u``;
the inner maximum (a knapsack per county under a city knapsack) is solved exactly by
dynamic programming over capacities rounded down — allowing more sets than the real
rule, so a certificate found is a proof.

Bound. Let ``LB_c`` be the counties' own peak bounds and ``F(D)`` the least city cap at
which (P) holds with every county capped at ``LB_c + D``; ``F`` does not increase with
``D``. A calendar with county peaks ``LB_c + δ_c`` and city peak ``P`` has ``P ≥ F(max δ)``
(caps only widen), so with ``D = max_c δ_c ≤ Σ_c δ_c``:

    P + Σ_c P_c  ≥  Σ_c LB_c + min_{D ≥ 0} (D + F(D))
                 ≥  Σ_c LB_c + min_i (D_i + F(D_{i+1}))       (slacks D_0 = 0 < D_1 < …, F(D_{m+1}) := LB_city)

where ``F`` is replaced by the largest city cap proven infeasible (a lower bound of F).
The slacks are not a fixed grid: the interval whose term is the least is split where
one more check lifts it (:func:`joint_bound`).
All peaks are the model's (whole ppm with coefficients rounded per line): a model peak
``P`` allows a real share of at most ``(P + (n_g + 1)/2) / 10⁶`` (each of a group's
``n_g`` rotating coefficients and its constant are off by at most half a ppm).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from emergency.rotation.problem import Role, RotationProblem

PPM = 1_000_000
CHUNK = 256  # units of the city combined at once in the max-plus convolution
UNITS = 4000  # the city's capacity in knapsack units (capacities are rounded down to them)
SMOOTHING = 0.5  # weight of the best dual so far in the duals priced (Wentges)
CERTIFICATES = 40  # certificates tried on new caps before any column generation
TOLERANCE = 1_500  # ppm: the bisection on the city cap stops within this


@dataclass
class JointInstance:
    """The relaxation's data: rotating lines that still need stop days, their county,
    the groups' capacities and the fixed share of their least future day."""

    need: np.ndarray  # int (n,)
    capacity: np.ndarray  # float (n,)
    county: np.ndarray  # int (n,) index into the counties
    days: int
    city_capacity: float
    city_const: float  # share
    city_lines: int  # rotating lines with a coefficient in the city group
    county_capacity: np.ndarray  # float (k,)
    county_const: np.ndarray  # share (k,)
    county_lines: np.ndarray  # int (k,)
    county_floor: np.ndarray  # int (k,) ppm: the counties' own peak bounds (LB_c)
    city_floor: int  # ppm: the city's own peak bound
    certificates: list = field(default_factory=list)
    columns: list = field(default_factory=list)


def instance(p: RotationProblem, floors: dict[int, int]) -> JointInstance | None:
    """The joint instance of a one-part problem whose spread covers a city group and
    its county groups (``floors``: group index -> its peak's proven lower bound, ppm);
    None when there is nothing to couple (no city group, no county group, no line
    left to place)."""
    city = [gi for gi, g in enumerate(p.groups) if g.scope == "city" and gi in floors]
    counties = [gi for gi, g in enumerate(p.groups) if g.scope == "county" and gi in floors]
    if len(city) != 1 or not counties:
        return None
    fixed, free = p.fixed_stops(), p.is_free()
    T0 = p.frozen_days
    days = p.n_days - T0
    if days <= 0:
        return None
    county_of = np.full(p.n_lines, -1, dtype=np.int64)
    for k, gi in enumerate(counties):
        county_of[p.groups[gi].lines] = k
    cg = p.groups[city[0]]
    in_city = np.zeros(p.n_lines, dtype=bool)
    in_city[cg.lines] = True
    lines, needs = [], []
    for l in p.rotating:
        if not free[l].any():
            continue
        need = int(p.quota[l]) - int((fixed[l] & p.counts[l]).sum())
        need = min(need, int(free[l].sum()))
        if need > 0:
            if county_of[l] < 0 or not in_city[l]:
                return None  # a line outside the coupled groups: the structure assumed does not hold
            lines.append(int(l))
            needs.append(need)
    if not lines:
        return None

    def const(g) -> float:
        if g.capacity <= 0:
            return 0.0
        share = (fixed[g.lines][:, T0:] * p.capacity[g.lines][:, None]).sum(axis=0) / g.capacity
        return float(share.min())

    rot = p.role == Role.ROTATE
    return JointInstance(
        need=np.asarray(needs, dtype=np.int64), capacity=p.capacity[lines].astype(float),
        county=county_of[lines], days=days, city_capacity=float(cg.capacity), city_const=const(cg),
        city_lines=int(rot[cg.lines].sum()),
        county_capacity=np.array([p.groups[gi].capacity for gi in counties], dtype=float),
        county_const=np.array([const(p.groups[gi]) for gi in counties]),
        county_lines=np.array([int(rot[p.groups[gi].lines].sum()) for gi in counties], dtype=np.int64),
        county_floor=np.array([floors[gi] for gi in counties], dtype=np.int64),
        city_floor=int(floors[city[0]]),
    )


# ------------------------------------------------------------------ the knapsack


@dataclass(frozen=True)
class _Rooms:
    """Knapsack units: line weights and the rooms under the caps, all rounded down
    (every set the real rule allows is allowed here)."""

    weight: np.ndarray  # int (n,)
    city: int
    county: np.ndarray  # int (k,)


def _rooms(inst: JointInstance, city_cap: float, county_caps: np.ndarray) -> _Rooms | None:
    """None when a cap is below the fixed stops of the least day (nothing fits at all)."""
    unit = inst.city_capacity / UNITS
    real_city = (city_cap + (inst.city_lines + 1) / 2) / PPM - inst.city_const
    real_county = (county_caps + (inst.county_lines + 1) / 2) / PPM - inst.county_const
    if real_city < 0 or (real_county < 0).any():
        return None
    return _Rooms(
        weight=np.floor(inst.capacity / unit).astype(np.int64),
        city=int(math.floor(real_city * inst.city_capacity / unit + 1e-9)),
        county=np.floor(real_county * inst.county_capacity / unit + 1e-9).astype(np.int64),
    )


def knapsack(inst: JointInstance, rooms: _Rooms, value: np.ndarray) -> tuple[float, np.ndarray]:
    """max Σ value_l y_l over the sets y the rounded rooms allow: each county's lines
    under its room, all lines under the city's. Exact (dynamic programming over the
    units): a table per county, ``f_k[j]`` the best value within ``j`` units, then the
    tables combined under the city's room by max-plus convolution. With ``E`` units of
    the counties' rooms more than the city's, some optimum leaves exactly ``E`` units of
    them unused (the tables do not decrease): the convolution runs over those unused
    units when that is cheaper than over the units used. Returns the value and the set."""
    B = int(rooms.city)
    tables = []  # per county: items, their keep table, f
    for k in range(len(rooms.county)):
        items = np.nonzero((inst.county == k) & (value > 1e-12))[0]
        R = int(min(rooms.county[k], B))
        items = items[rooms.weight[items] <= R]
        if not len(items):
            continue
        R = min(R, int(rooms.weight[items].sum()))
        f = np.zeros(R + 1)
        keep = np.zeros((len(items), R + 1), dtype=bool)
        for i, (w, v) in enumerate(zip(rooms.weight[items].tolist(), value[items].tolist())):
            cand = f[: R + 1 - w] + v
            keep[i, w:] = cand > f[w:] + 1e-15
            np.maximum(f[w:], cand, out=f[w:])
        tables.append((items, keep, f))
    chosen = np.zeros(len(value), dtype=bool)
    if not tables:
        return 0.0, chosen
    rooms_k = np.array([len(f) - 1 for _, _, f in tables])
    E = int(rooms_k.sum()) - B
    if E <= 0:  # the city's room does not bind
        take = rooms_k.tolist()
    else:
        rises = sum(int((f[1:] > f[:-1] + 1e-15).sum()) + 1 for _, _, f in tables)  # tables are within B
        unused = len(tables) * (E + 1) ** 2 < rises * (B + 1)  # (E + 1)² per county against rises × B
        # unused units: h_k[s] = f_k[R_k - s] (s ≤ E) summed to exactly E; else used units: f_k summed to ≤ B
        arrays = [f[::-1][: E + 1] if unused else f[: B + 1] for _, _, f in tables]
        target = E if unused else B
        g, args = arrays[0], []
        for a in arrays[1:]:
            g, arg = _max_plus(g, a, target, rising=not unused)
            args.append(arg)
        x = min(target, len(g) - 1)
        parts = []
        for arg in reversed(args):
            x = min(x, len(arg) - 1)  # used units: within x (the counties so far may not fill it)
            parts.append(int(arg[x]))
            x -= parts[-1]
        parts.append(min(x, len(arrays[0]) - 1))
        parts.reverse()
        take = [R - s for R, s in zip(rooms_k.tolist(), parts)] if unused else parts
    best = 0.0
    for (items, keep, f), j in zip(tables, take):
        best += float(f[j])
        for i in range(len(items) - 1, -1, -1):
            if keep[i, j]:
                chosen[items[i]] = True
                j -= int(rooms.weight[items[i]])
    return best, chosen


def _max_plus(a: np.ndarray, b: np.ndarray, limit: int, rising: bool) -> tuple[np.ndarray, np.ndarray]:
    """c[x] = max_y a[x - y] + b[y] for x ≤ ``limit``, and the y taken. When ``a`` and
    ``b`` do not decrease (``rising``), only the y where ``b`` rises are tried: a larger
    y gains nothing unless b rises."""
    L = min(len(a) + len(b) - 2, limit)
    ys = np.arange(min(len(b), L + 1))
    if rising:
        ys = ys[np.concatenate([[True], b[1: len(ys)] > b[: len(ys) - 1] + 1e-15])]
    c, arg = np.empty(L + 1), np.empty(L + 1, dtype=np.int64)
    for lo in range(0, L + 1, CHUNK):  # a block of x at a time
        x = np.arange(lo, min(lo + CHUNK, L + 1))
        idx = x[None, :] - ys[:, None]
        ok = (idx >= 0) & (rising | (idx < len(a)))  # rising tables: a[x'] for x' past its end is a[-1]
        cand = np.where(ok, a[np.clip(idx, 0, len(a) - 1)] + b[ys][:, None], -np.inf)
        pick = np.argmax(cand, axis=0)
        c[x] = cand[pick, np.arange(len(x))]
        arg[x] = ys[pick]
    return c, arg


# ------------------------------------------------------------------ feasibility of (P)


def proven_infeasible(inst: JointInstance, city_cap: float, county_caps: np.ndarray, deadline: float,
                      max_iterations: int = 400) -> bool | None:
    """True when a Farkas certificate shows that no calendar has its peaks under these
    caps (model ppm); False when (P) holds; None when neither was shown (out of time
    or iterations, or numerical trouble)."""
    rooms = _rooms(inst, city_cap, county_caps)
    if rooms is None:
        return True
    need = inst.need.astype(float)
    fits = (rooms.weight <= rooms.county[inst.county]) & (rooms.weight <= rooms.city)
    if (~fits).any():
        return True  # a line that needs days cannot stop on any day: u = its unit vector
    for u in inst.certificates[-CERTIFICATES:]:  # the latest: they were found nearest these caps
        if _certifies(inst, rooms, u):
            return True
    from ortools.linear_solver import pywraplp

    n = len(need)
    cols = [c for c in inst.columns if _allowed(inst, rooms, c)]
    if not cols:
        cols = [knapsack(inst, rooms, need)[1]]
    # the phase-one LP, built once; columns are added to it (GLOP re-solves from its basis)
    lp = pywraplp.Solver.CreateSolver("GLOP")
    inf = lp.infinity()
    days = lp.Constraint(float(inst.days), float(inst.days))
    cover = [lp.Constraint(float(need[l]), inf) for l in range(n)]
    objective = lp.Objective()
    for l in range(n):
        sl = lp.NumVar(0.0, inf, "")
        cover[l].SetCoefficient(sl, 1.0)
        objective.SetCoefficient(sl, 1.0)
    objective.SetMinimization()

    def add(col: np.ndarray) -> None:
        v = lp.NumVar(0.0, inf, "")
        days.SetCoefficient(v, 1.0)
        for l in np.nonzero(col)[0].tolist():
            cover[l].SetCoefficient(v, 1.0)

    for c in cols:
        add(c)
    proven: bool | None = None
    centre, centre_value = None, -np.inf  # the best dual so far (Wentges smoothing)
    for _ in range(max_iterations):
        if time.perf_counter() > deadline:
            break
        if lp.Solve() != pywraplp.Solver.OPTIMAL:
            break
        if objective.Value() < 1e-7:
            proven = False  # the relaxation holds under these caps
            break
        u = np.clip(np.array([c.dual_value() for c in cover]), 0.0, None)
        v = days.dual_value()
        added = False
        for trial in ((u,) if centre is None else (SMOOTHING * centre + (1 - SMOOTHING) * u, u)):
            best, col = knapsack(inst, rooms, trial)
            value = float(need @ trial) - inst.days * best
            if _is_certificate(inst, trial, best):
                inst.certificates.append(trial)
                proven = True
                break
            if value > centre_value:
                centre, centre_value = trial, value
            if float(u @ col) + v > 1e-9:  # the column prices out at the LP's own duals: add it
                cols.append(col)
                add(col)
                added = True
                break
        if proven or not added:
            break  # a certificate, or no column improves the LP (numerical trouble: prove nothing)
    inst.columns = _merge(inst.columns, cols)
    return proven


def _allowed(inst: JointInstance, rooms: _Rooms, col: np.ndarray) -> bool:
    w = rooms.weight * col
    return int(w.sum()) <= rooms.city and (np.bincount(inst.county, weights=w, minlength=len(rooms.county))
                                           <= rooms.county).all()


def _is_certificate(inst: JointInstance, u: np.ndarray, best: float) -> bool:
    """Σ n_l u_l > T · max_S Σ_{l∈S} u_l (``best``), with a relative margin for rounding."""
    return float(inst.need @ u) - inst.days * best > 1e-7 * max(float(inst.need @ u), 1.0)


def _certifies(inst: JointInstance, rooms: _Rooms, u: np.ndarray) -> bool:
    return _is_certificate(inst, u, knapsack(inst, rooms, u)[0])


def _merge(pool: list, cols: list, limit: int = 2000) -> list:
    seen = {c.tobytes() for c in pool}
    out = list(pool)
    for c in cols:
        if c.tobytes() not in seen:
            seen.add(c.tobytes())
            out.append(c)
    return out[-limit:]


# ------------------------------------------------------------------ the bound


def _bracket(inst: JointInstance, slack: int, lo: int, hi: int, deadline: float, first: int | None = None) -> tuple[int, int]:
    """Bisection on the city cap (ppm) with every county capped at its own bound plus
    ``slack``: ``lo`` rises to the largest cap proven infeasible (F(slack) is above it),
    ``hi`` falls to the least cap where the relaxation held (a guide for the search, not
    a proof), until they are within :data:`TOLERANCE` or time is up. ``first``: a cap
    tried first."""
    caps = inst.county_floor + slack

    def check(cap: int) -> bool | None:
        """Proven infeasible; None when out of time. Undecided with time left (out of
        iterations, numerical trouble) is taken as holding: it only lowers the guide."""
        verdict = proven_infeasible(inst, cap, caps, deadline)
        if verdict is None and time.perf_counter() >= deadline:
            return None
        return bool(verdict)

    if first is not None and lo < first < hi and time.perf_counter() < deadline:
        verdict = check(first)
        if verdict is None:
            return lo, hi
        if verdict:
            return first, hi
        hi = first
    while hi - lo > TOLERANCE and time.perf_counter() < deadline:
        mid = (lo + hi) // 2
        verdict = check(mid)
        if verdict is None:
            break
        lo, hi = (mid, hi) if verdict else (lo, mid)
    return lo, hi


def joint_bound(inst: JointInstance, seconds: float, upper: int | None = None,
                brackets: list[list[int]] | None = None) -> tuple[int, list[tuple[int, int]], bool]:
    """A lower bound (ppm) on city peak + Σ county peaks, the (D, floor of F(D)) pairs it
    came from, and whether the search is settled. ``upper``: the city's peak in a known
    calendar (the slacks searched first span up to it). ``brackets``: the search so far,
    ``[D, floor, guide]`` per slack searched (continued and updated in place).

    The slacks are chosen where the bound is decided: F at D = 0 and at the span first,
    then the interval ``[D_i, D_{i+1})`` whose term ``D_i + F(D_{i+1})`` is the least is
    split at its middle ``m``, trying first the city cap that lifts both new terms to
    ``m + F(D_{i+1})`` (an interval narrower than :data:`TOLERANCE` has F(D_{i+1})
    bracketed closer instead). Settled when the least term is known within the
    tolerance, or at once when the city is at its own bound with the counties at theirs
    (nothing is coupled)."""
    deadline = time.perf_counter() + seconds
    base = int(inst.county_floor.sum())
    own = base + inst.city_floor  # the groups' own bounds
    pts = brackets if brackets is not None else []
    span = max((upper if upper is not None else PPM) - inst.city_floor, TOLERANCE)
    top = PPM + int(inst.city_const * PPM) + 1 if upper is None else upper + span  # above any city cap needed

    def settle(D: int, lo: int, hi: int, first: int | None = None) -> bool:
        """Bracket F(D) closer; False when nothing was decided (out of time, numerical trouble)."""
        row = next((r for r in pts if r[0] == D), None)
        if row is None:
            row = [D, lo, hi]
            pts.append(row)
            pts.sort()
        before = (row[1], row[2])
        row[1], row[2] = _bracket(inst, D, max(row[1], lo), min(row[2], hi), deadline, first)
        return (row[1], row[2]) != before or (lo, hi) != before

    complete = False
    while time.perf_counter() < deadline:
        if not pts or pts[0][2] - pts[0][1] > TOLERANCE:
            if not settle(0, inst.city_floor, top):
                break
            continue
        if pts[0][1] <= inst.city_floor:
            complete = True  # with the counties at their own bounds the city is at its own: nothing to couple
            break
        if len(pts) == 1:
            if not settle(span, inst.city_floor, pts[0][2]):
                break
            continue
        terms = [(pts[i][0] + pts[i + 1][1], i) for i in range(len(pts) - 1)]
        terms.append((pts[-1][0] + inst.city_floor, len(pts) - 1))
        _, i = min(terms)
        if i == len(pts) - 1:  # beyond the last slack searched: search further out
            progress = settle(2 * pts[-1][0], inst.city_floor, pts[-1][2])
        else:
            (d0, _, hi0), (d1, lo1, hi1) = pts[i], pts[i + 1]
            if d1 - d0 <= TOLERANCE:
                if hi1 - lo1 <= TOLERANCE:
                    complete = True  # the least term is known within the tolerance on both sides
                    break
                progress = settle(d1, lo1, hi1)  # too narrow to split: F(D_{i+1}) bracketed closer instead
            else:
                m = (d0 + d1) // 2
                progress = settle(m, lo1, hi0, first=min(lo1 + (m - d0), hi0 - 1))
        if not progress:
            break
    points = [(d, lo) for d, lo, _ in pts]
    if len(points) < 2 or points[0][1] <= inst.city_floor:
        return own, points, complete
    joint = min([d + nxt for (d, _), (_, nxt) in zip(points, points[1:])] + [points[-1][0] + inst.city_floor])
    return max(own, base + joint), points, complete


@dataclass
class JointLift:
    """The joint bound of one part, resumable: more time proves more (certificates and
    columns are kept). ``floor`` is the model's objective floor raised by the best
    joint bound so far; ``city_peak`` the city's peak in the best calendar known."""

    inst: JointInstance
    weight: int
    base_floor: float  # the model's objective floor (groups bounded one by one)
    own: int  # Σ of the coupled groups' own bounds, ppm
    city_peak: int | None
    joint: int = 0
    points: list = field(default_factory=list)
    seconds: float = 0.0
    settled: bool = False  # the search is over: more time would not raise the bound
    brackets: list = field(default_factory=list)  # the search so far (see joint_bound)

    def __post_init__(self) -> None:
        self.joint = self.own

    @property
    def floor(self) -> float:
        return self.base_floor + self.weight * (self.joint - self.own)

    def run(self, seconds: float) -> float:
        """Spend up to ``seconds`` on the bound; returns the (raised) floor."""
        if seconds <= 0:
            return self.floor
        t0 = time.perf_counter()
        joint, points, complete = joint_bound(self.inst, seconds, upper=self.city_peak, brackets=self.brackets)
        if joint >= self.joint:
            self.joint, self.points = joint, points
        self.settled = complete
        self.seconds += time.perf_counter() - t0
        return self.floor

    @property
    def lifted(self) -> bool:
        """The city is proven above its own bound with the counties at theirs."""
        return any(f > self.inst.city_floor for _, f in self.points)

    @property
    def coupled(self) -> bool:
        """Not proven uncoupled (a settled search that found the city at its own bound
        with the counties at theirs proves it)."""
        return not self.settled or self.lifted

    def info(self) -> dict:
        return {"groups_bound": self.own, "joint_bound": self.joint, "seconds": round(self.seconds, 3), "settled": self.settled,
                "city_floor_by_county_slack": [{"slack": d, "city_floor": f} for d, f in self.points]}


def joint_lift(p: RotationProblem, rm, city_peak: int | None = None) -> JointLift | None:
    """The joint bound of a part's model (``rm``: its :class:`RotationModel`), or None
    when the part has nothing to couple (no spread weight, no city and county peaks)."""
    weight = p.rules.weights.balance
    if weight <= 0:
        return None
    floors = {pen.group: int(rm.model.proto.variables[pen.expr.index].domain[0])
              for pen in rm.penalties if pen.group is not None}
    inst = instance(p, floors)
    if inst is None:
        return None
    return JointLift(inst, weight, rm.objective_floor, int(inst.county_floor.sum()) + inst.city_floor, city_peak)
