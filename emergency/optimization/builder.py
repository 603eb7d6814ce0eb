"""Registry + policy + warning level → the frozen MeasureProblem (and why, per line).

The only module that reads policy for the optimiser. Vectorised over lines; policy
lookups are made once per distinct (industry, process, grade) and per distinct
(grade, essential, small, process) and broadcast.

Per line:
- the sparing rule (A/A+/引领性 own measures; strategic, heating, life-service exempt;
  livelihood / military-export at the approved load; uninterruptible-for-safety
  only slows down; small firms exempt at the listed levels);
- the floor: the grade-table measure for the level (``stop_share_of_lines`` is
  resolved per enterprise and process: its largest emitters stop until the share
  of capacity is reached); a stop on an uninterruptible line is a slow-down;
- the stronger options the optimiser may choose (policy ``options``): deeper cuts
  and a stop (a slow-down to the minimum load where the line cannot stop);
- lead time: when the warning starts in fewer hours than a line needs to stop or
  cut, no measure with an effect can be ordered for it; the report says so.
Every option is proportional: a cut s costs s × daily output value and removes
s × each pollutant's daily emissions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from config.measures import Action, Measure
from config.policy import SPARED_EFFECTS, Policy, SparingEffect
from emergency.errors import OptimizationError
from emergency.optimization.problem import MeasureProblem
from enterprise_registry.columns import RegistryTables, make_line_id
from emergency.vocabulary import POLLUTANTS, WarningLevel

_POL_KEYS = ("so2", "nox", "pm", "vocs")
_ACTION_CODES = list(Action)


@dataclass
class BuildReport:
    """Why each line has the options it has (arrays aligned with the problem's lines)."""

    level: WarningLevel
    line_index: np.ndarray  # (L,) index into the registry's lines
    enterprise: np.ndarray  # (L,) index into the registry's enterprises
    floor_index: np.ndarray  # (L,) index into floor_measures / floor_sources
    floor_measures: list[Measure]  # the floor measure of each distinct (industry, process, grade)
    floor_sources: list[str]  # their policy sources
    floor_cut: np.ndarray  # (L,)
    rule_index: np.ndarray  # (L,) index into rules
    rules: list  # the sparing rule (SparingRule | None) of each distinct (grade, essential, small, process)
    approved: np.ndarray  # (L,) bool: spared firm approved by the officer
    lead_time_blocked: np.ndarray  # (L,) bool
    spared_line: np.ndarray  # (L,) bool: no measure at all (own measures / exempt), unless approved
    baseline: np.ndarray  # (A, K) listed emissions per area and requirement column
    area_names: tuple[str, ...]
    spared_enterprises: dict[int, str]  # enterprise index -> reason (no measure at all)

    def floor_measure(self, l: int) -> Measure:
        return self.floor_measures[self.floor_index[l]]

    def sparing_rule(self, l: int):
        return self.rules[self.rule_index[l]]


def _factorize(*columns: np.ndarray) -> tuple[np.ndarray, list[tuple]]:
    """Each row's index among the distinct keys (tuples of the columns' values), and the keys.

    Per column a dict gives small integer codes; the codes combine into one integer per
    row, and ``np.unique`` finds the distinct keys — no Python tuple per row."""
    n = len(columns[0])
    combined = np.zeros(n, dtype=np.int64)
    for col in columns:
        # each value's first row number (map + setdefault run in C), made dense by np.unique
        first_row = np.fromiter(map({}.setdefault, col.tolist(), range(n)), dtype=np.int64, count=n)
        distinct_rows, codes = np.unique(first_row, return_inverse=True)
        combined = combined * max(len(distinct_rows), 1) + codes.reshape(-1)
    distinct, inverse = np.unique(combined, return_inverse=True)
    first = np.empty(len(distinct), dtype=np.int64)
    first[inverse[::-1]] = np.arange(n)[::-1]
    keys = list(zip(*(col[first].tolist() for col in columns))) if n else []
    return inverse.reshape(-1), keys


def _listed_base(tables: RegistryTables, area_names: list[str]) -> np.ndarray:
    """(A, P) whole-society base × share assigned to the list, per requirement area."""
    idx = {n: i for i, n in enumerate(tables.areas["name"])}
    rows = [idx[name] for name in area_names]
    return np.column_stack([
        np.asarray(tables.areas[f"base_{key}"], dtype=float)[rows] * np.asarray(tables.areas[f"listed_share_{key}"], dtype=float)[rows]
        for key in _POL_KEYS
    ]).reshape(len(area_names), len(_POL_KEYS))


def target_columns(policy: Policy, level: WarningLevel) -> tuple[tuple[str, ...], np.ndarray]:
    """The requirement columns at ``level`` and W (P × K): the four pollutants, then each
    combined target in force (column k counts Σ_p W[p, k] × kg of pollutant p)."""
    groups = policy.reduction.combined_at(level)
    W = np.zeros((len(POLLUTANTS), len(POLLUTANTS) + len(groups)))
    W[:, : len(POLLUTANTS)] = np.eye(len(POLLUTANTS))
    for g, target in enumerate(groups):
        W[[POLLUTANTS.index(p) for p in target.members], len(POLLUTANTS) + g] = 1.0
    return tuple(p.value for p in POLLUTANTS) + tuple(t.name for t in groups), W


def _individual_requirements(listed: np.ndarray, policy: Policy, level: WarningLevel) -> np.ndarray:
    """(A, P) rows ``target#<a>#<p>``:  Σ_{l ∈ a} reduction_lp  ≥  r_{level,p} × base_ap × listed_share_ap,

    with r = 0 (the row is void) where a ``replace`` combined target covers p at ``level``."""
    r = np.array([policy.reduction.individual_ratio(level, p) for p in POLLUTANTS])
    return listed * r


def _combined_requirements(listed: np.ndarray, policy: Policy, level: WarningLevel) -> np.ndarray:
    """(A, G) rows ``target#<a>#<p1+p2…>``, one per combined target g in force at ``level``:

        Σ_{p ∈ g} Σ_{l ∈ a} reduction_lp  ≥  ratio_g × Σ_{p ∈ g} base_ap × listed_share_ap"""
    _, W = target_columns(policy, level)
    ratio = np.array([t.ratio for t in policy.reduction.combined_at(level)])
    return (listed @ W[:, len(POLLUTANTS):]) * ratio


def _requirements(tables: RegistryTables, policy: Policy, level: WarningLevel, area_names: list[str]) -> np.ndarray:
    """(A, K) the required kg/day of every requirement column (see :func:`target_columns`)."""
    listed = _listed_base(tables, area_names)
    return np.hstack([_individual_requirements(listed, policy, level), _combined_requirements(listed, policy, level)])


def build_problem(
    tables: RegistryTables,
    policy: Policy,
    level: WarningLevel,
    *,
    hours_to_start: float | None = None,
    areas: list[str] | None = None,
    approved_spared: tuple[str, ...] | list[str] = (),
    in_effect: dict[str, float] | None = None,
) -> tuple[MeasureProblem, BuildReport]:
    """``in_effect``: line id -> output cut already ordered (re-planning); such lines
    can keep or lower their measure whatever their lead time."""
    if level is WarningLevel.NONE:
        raise OptimizationError("no warning level: nothing to plan")
    ents, lines = tables.enterprises, tables.lines
    catalog = policy.industries
    city = next(n for n, p in zip(tables.areas["name"], tables.areas["parent"]) if not p)
    counties = [n for n, p in zip(tables.areas["name"], tables.areas["parent"]) if p]

    # ---- which lines and which areas
    ent_idx = {u: i for i, u in enumerate(ents["uscc"])}
    line_ent = np.array([ent_idx[u] for u in lines["uscc"]], dtype=np.int64)
    county_of_ent = np.asarray(ents["county"], dtype=object)
    if areas:
        unknown = [a for a in areas if a not in tables.areas["name"]]
        if unknown:
            raise OptimizationError(f"unknown area(s) {', '.join(unknown)}; the list has {', '.join(tables.areas['name'])}")
        scope = set(counties) if city in areas else set(areas)
        keep = np.isin(county_of_ent[line_ent], list(scope))
        row_areas = ([city] if city in areas and "city" in policy.reduction.areas else []) + [
            c for c in counties if c in scope and "county" in policy.reduction.areas
        ]
    else:
        keep = np.ones(len(line_ent), dtype=bool)
        row_areas = (["city"] and [city] if "city" in policy.reduction.areas else []) + (
            counties if "county" in policy.reduction.areas else []
        )
    line_index = np.nonzero(keep)[0]
    line_ent = line_ent[keep]
    L = len(line_index)
    area_pos = {n: i for i, n in enumerate(row_areas)}
    line_areas = np.full((L, 2), -1, dtype=np.int64)
    if city in area_pos:
        line_areas[:, 1] = area_pos[city]
    county_line = county_of_ent[line_ent]
    line_areas[:, 0] = [area_pos.get(c, -1) for c in county_line]

    take = lambda key, dtype=float: np.asarray(lines[key], dtype=dtype)[line_index]  # noqa: E731
    process = take("process", object)
    interruptible = take("interruptible", bool)
    min_load = take("min_load")
    lead = take("stop_lead_time_h")
    value = take("output_value_yuan")
    emis = np.column_stack([take(f"{k}_kg") for k in _POL_KEYS])
    cap = take("capacity_basis")
    industry = np.asarray(ents["industry"], dtype=object)[line_ent]
    grade = np.asarray(ents["grade"], dtype=object)[line_ent]
    essential = np.asarray(ents["essential_category"], dtype=object)[line_ent]
    small = np.asarray(ents["small_micro"], dtype=bool)[line_ent]
    approved_load = np.array([np.nan if v is None else v for v in ents["essential_approved_load"]], dtype=float)[line_ent]
    uscc = np.asarray(ents["uscc"], dtype=object)[line_ent]
    approved = np.isin(uscc, list(approved_spared)) if approved_spared else np.zeros(L, dtype=bool)

    # ---- sparing rules, once per distinct key
    rule_index, keys = _factorize(grade, essential, small, process)
    rules = [policy.sparing.rule_for(*key, level) for key in keys]  # per distinct key
    effect = np.array([r.effect.value if r is not None else "" for r in rules], dtype=object)[rule_index]
    spared_line = np.isin(effect, [e.value for e in SPARED_EFFECTS]) | (effect == SparingEffect.EXEMPT_AT_LEVELS.value)
    slow_only = effect == SparingEffect.SLOW_DOWN_ONLY.value
    at_load = effect == SparingEffect.APPROVED_LOAD.value
    can_stop = interruptible & ~slow_only
    max_cut = np.where(can_stop, 1.0, np.clip(1.0 - min_load, 0.0, 1.0))

    # ---- floors, once per distinct (industry, process, grade)
    floor_index, keys = _factorize(industry, process, grade)
    floor_at = [policy.floor(*key, level) for key in keys]  # (measure, source) per distinct key
    floor_measures = [m for m, _ in floor_at]
    floor_sources = [src for _, src in floor_at]
    action = np.array([_ACTION_CODES.index(m.action) for m in floor_measures], dtype=np.int64)[floor_index]
    share = np.array([m.share if m.share is not None else 0.0 for m in floor_measures], dtype=float)[floor_index]
    hours = np.array([m.hours if m.hours is not None else np.nan for m in floor_measures], dtype=float)[floor_index]
    A = {a: _ACTION_CODES.index(a) for a in Action}
    floor_cut = np.zeros(L)
    floor_cut = np.where(action == A[Action.CUT_OUTPUT], np.minimum(share, max_cut), floor_cut)
    floor_cut = np.where(np.isin(action, [A[Action.STOP], A[Action.STOP_KEEP_WARM]]), max_cut, floor_cut)
    floor_cut = np.where(action == A[Action.SLOW_DOWN], np.clip(1.0 - min_load, 0, 1), floor_cut)
    with np.errstate(invalid="ignore", divide="ignore"):
        coking = np.clip(1.0 - policy.coking.normal_hours / hours, 0.0, 1.0)
    floor_cut = np.where(action == A[Action.COKING_TIME_EXTENSION], np.nan_to_num(coking), floor_cut)
    share_lines = action == A[Action.STOP_SHARE_OF_LINES]
    if share_lines.any():
        floor_cut[share_lines] = _stop_share_of_lines(line_ent[share_lines], process[share_lines], cap[share_lines],
                                                      emis[share_lines].sum(axis=1), share[share_lines], max_cut[share_lines])
    max_cut = np.maximum(max_cut, floor_cut)  # e.g. coking-time extension beyond the minimum load

    # ---- sparing overrides
    floor_cut = np.where(spared_line & ~approved, 0.0, floor_cut)
    load_cut = np.clip(1.0 - np.nan_to_num(approved_load, nan=1.0), 0.0, 1.0)
    floor_cut = np.where(at_load & ~approved, np.minimum(load_cut, max_cut), floor_cut)
    floor_cut = np.where(slow_only, np.minimum(floor_cut, max_cut), floor_cut)

    # ---- lead time
    blocked = np.zeros(L, dtype=bool)
    current = np.zeros(L)
    line_codes = np.asarray(lines["line_code"], dtype=object)[line_index]
    if in_effect:
        ids = [make_line_id(u, c) for u, c in zip(uscc.tolist(), line_codes.tolist())]
        current = np.array([in_effect.get(i, 0.0) for i in ids])
    if hours_to_start is not None:
        blocked = (lead > hours_to_start) & (current <= 0)
        floor_cut = np.where(blocked, 0.0, floor_cut)

    # ---- option ladder
    ladder_grades = {g.value for g in policy.options.grades}
    ladder = np.isin(grade, list(ladder_grades)) & ~spared_line & ~at_load | approved
    ladder &= ~blocked
    candidates = [floor_cut]
    for c in policy.options.deeper_cuts:
        candidates.append(np.where(ladder & (c > floor_cut + 1e-9) & (c < max_cut - 1e-9), c, np.nan))
    if policy.options.allow_stop:
        candidates.append(np.where(ladder & (max_cut > floor_cut + 1e-9), max_cut, np.nan))
    cand = np.column_stack(candidates)
    cand = np.sort(cand, axis=1)  # NaN last; floor is the smallest by construction
    valid = ~np.isnan(cand)
    lens = valid.sum(axis=1)
    start = np.concatenate([[0], np.cumsum(lens)])
    cut = cand[valid]
    opt_line = np.repeat(np.arange(L), lens)
    is_floor = np.zeros(len(cut), dtype=bool)
    is_floor[start[:-1]] = True
    # option codes: "floor", "stop", "slow_down" or "cut_<share>" (few distinct shares: made once each)
    code = np.full(len(cut), "floor", dtype=object)
    top = ~is_floor & (cut >= max_cut[opt_line] - 1e-12)
    code[top & can_stop[opt_line]] = "stop"
    code[top & ~can_stop[opt_line]] = "slow_down"
    mid = np.nonzero(~is_floor & ~top)[0]
    if len(mid):
        shares, inverse = np.unique(np.round(cut[mid], 3), return_inverse=True)
        code[mid] = np.array([f"cut_{x}" for x in shares.tolist()], dtype=object)[inverse]

    required = _requirements(tables, policy, level, row_areas)
    columns, W = target_columns(policy, level)
    if W.shape[1] > W.shape[0]:
        emis = emis @ W  # (L, K): each pollutant, then each combined target's sum
    baseline = np.zeros((len(row_areas), len(columns)))
    for k in range(2):
        ok = line_areas[:, k] >= 0
        np.add.at(baseline, line_areas[ok, k], emis[ok])

    line_ids = np.array([make_line_id(u, c) for u, c in zip(uscc.tolist(), line_codes.tolist())], dtype=object)
    problem = MeasureProblem(
        line_ids=line_ids,
        line_start=start,
        cost=cut * value[opt_line],
        reduction=cut[:, None] * emis[opt_line],
        output_cut=cut,
        option_code=code,
        line_areas=line_areas,
        area_names=tuple(row_areas),
        required=required,
        group=line_ent,
        pollutants=columns,
    )
    spared_ent = {}
    for l in np.nonzero(spared_line & ~approved)[0]:
        spared_ent.setdefault(int(line_ent[l]), rules[rule_index[l]].reason_zh)
    # a firm is "spared" only if none of its lines takes a measure
    touched = set(line_ent[floor_cut > 0].tolist())
    spared_ent = {e: r for e, r in spared_ent.items() if e not in touched}
    report = BuildReport(level, line_index, line_ent, floor_index, floor_measures, floor_sources, floor_cut,
                         rule_index, rules, approved, blocked, spared_line & ~approved, baseline, tuple(row_areas),
                         spared_ent)
    _ = catalog
    return problem, report


def _stop_share_of_lines(ent, process, cap, total_emis, share, max_cut) -> np.ndarray:
    """Per (enterprise, process): stop the largest emitters until ``share`` of capacity stops."""
    order = np.lexsort((-total_emis, process.astype(str), ent))
    cut = np.zeros(len(ent))
    e, p, c, s = ent[order], process[order].astype(str), cap[order], share[order]
    new_group = np.ones(len(e), dtype=bool)
    new_group[1:] = (e[1:] != e[:-1]) | (p[1:] != p[:-1])
    gid = np.cumsum(new_group) - 1
    total = np.bincount(gid, weights=c)
    csum = np.cumsum(c)
    group_start = np.concatenate([[0], csum[new_group][1:] - c[new_group][1:]]) if len(c) else csum
    before = csum - c - np.repeat(group_start, np.bincount(gid))
    # a line stops while the capacity stopped before it is below the share
    stop = before < s * total[gid] - 1e-9
    cut[order] = np.where(stop, max_cut[order], 0.0)
    return cut
