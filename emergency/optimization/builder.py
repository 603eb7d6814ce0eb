"""Registry + policy + warning level → the frozen MeasureProblem (and why, per line).

The only module that reads policy for the optimiser. :func:`build_problem` is the table
of contents; each step below is one rule, vectorised over lines (policy lookups once per
distinct key, then broadcast):

1. :func:`define_scope` — which lines and which requirement areas (city, counties);
2. :func:`define_sparing` — the sparing rule of each line (A/A+/引领性 own measures;
   strategic, heating, life-service exempt; livelihood / military-export at the approved
   load; uninterruptible-for-safety only slows down; small firms exempt at listed levels);
3. :func:`define_floors` — the grade table's measure for the level, its effect through
   ``config.measures.output_cuts`` (the one implementation of measure effects), then the
   sparing overrides;
4. :func:`define_filed_floors` — a measure the firm filed in the list for this level
   (``enterprise_registry.filed``) becomes the floor where it is at least as strong as the
   grade floor (BuildReport.floor_from_filed says so, per line; a weaker one does not lower
   the floor, and the plan marks the line as a deviation from the list);
   :func:`define_held` — a line another order already stops for the warning's period (the
   heating-season rotation, 错峰生产) takes its stop as its only option, counted;
5. :func:`define_lead_time` — when the warning starts in fewer hours than a line needs to
   stop or cut, no measure with an effect can be ordered for it (unless already in effect);
6. :func:`define_options` — the floor and the stronger options the optimiser may choose
   (policy ``options``: deeper cuts and a stop, a slow-down where the line cannot stop);
7. :func:`define_requirements` — the kg/day each (area, column) row must reach.

Every option is proportional: a cut s costs s × daily output value and removes
s × each pollutant's daily emissions (a floor measure may override the emission share
per pollutant: ``Measure.emission_cut``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pydantic import ValidationError

from config.measures import Action, LineFacts, Measure, MeasureArrays, emission_cuts, output_cuts
from config.policy import SPARED_EFFECTS, Policy, SparingEffect
from emergency.errors import OptimizationError, RegistryError
from emergency.optimization.problem import MeasureProblem
from emergency.vocabulary import POLLUTANTS, WarningLevel
from enterprise_registry.columns import RegistryTables, make_line_id
from enterprise_registry.filed import FiledLevel, filed_at
from enterprise_registry.filed import column as filed_column

_POL_KEYS = ("so2", "nox", "pm", "vocs")
FILED_SOURCE = "按清单备案措施（应急减排清单一厂一策）"
HELD_SOURCE = "已按错峰生产计划停产（计入本次预警减排量）"


@dataclass
class BuildReport:
    """Why each line has the options it has (arrays aligned with the problem's lines)."""

    level: WarningLevel
    line_index: np.ndarray  # (L,) index into the registry's lines
    enterprise: np.ndarray  # (L,) index into the registry's enterprises
    floor_index: np.ndarray  # (L,) index into floor_measures / floor_sources
    floor_measures: list[Measure]  # the floor measure of each distinct (industry, process, grade), then each distinct filed one
    floor_sources: list[str]  # their sources (policy text, or FILED_SOURCE)
    floor_cut: np.ndarray  # (L,)
    rule_index: np.ndarray  # (L,) index into rules
    rules: list  # the sparing rule (SparingRule | None) of each distinct (grade, essential, small, process)
    approved: np.ndarray  # (L,) bool: spared firm approved by the officer
    lead_time_blocked: np.ndarray  # (L,) bool
    spared_line: np.ndarray  # (L,) bool: no measure at all (own measures / exempt), unless approved
    baseline: np.ndarray  # (A, K) listed emissions per area and requirement column
    area_names: tuple[str, ...]
    spared_enterprises: dict[int, str]  # enterprise index -> reason (no measure at all)
    floor_from_filed: np.ndarray = field(default=None)  # (L,) bool: the floor is the firm's filed measure (按清单备案措施)
    filed_cut: np.ndarray = field(default=None)  # (L,) output cut of the line's filed measure at the level, NaN: none filed
    filed_list: bool = False  # the list has filed measures at this level (and they were used): plan from the list
    filed_index: np.ndarray = field(default=None)  # (L,) index into floor_measures of the line's filed measure, −1: none
    filed_reduction: np.ndarray = field(default=None)  # (L, K) kg/day the filed measure removes per requirement column
    filed_flags_added: np.ndarray = field(default=None)  # (L,) bool: the floor's truck ban added to the filed measure (a deviation)
    held: np.ndarray = field(default=None)  # (L,) bool: already stopped by another order (rotation), see define_held

    def __post_init__(self) -> None:
        if self.floor_from_filed is None:
            self.floor_from_filed = np.zeros(len(self.line_index), dtype=bool)
        if self.filed_cut is None:
            self.filed_cut = np.full(len(self.line_index), np.nan)
        if self.filed_index is None:
            self.filed_index = np.full(len(self.line_index), -1, dtype=np.int64)
        if self.filed_flags_added is None:
            self.filed_flags_added = np.zeros(len(self.line_index), dtype=bool)
        if self.held is None:
            self.held = np.zeros(len(self.line_index), dtype=bool)

    @property
    def filed(self) -> np.ndarray:
        """(L,) bool: the line has a filed measure at the level."""
        return self.filed_index >= 0

    def filed_measure(self, l: int) -> Measure | None:
        k = int(self.filed_index[l])
        return self.floor_measures[k] if k >= 0 else None

    def floor_measure(self, l: int) -> Measure:
        return self.floor_measures[self.floor_index[l]]

    def sparing_rule(self, l: int):
        return self.rules[self.rule_index[l]]


# ----------------------------------------------------------------------------- step data


@dataclass
class Scope:
    """The lines in scope and the requirement areas they count toward."""

    line_index: np.ndarray  # (L,) rows of tables.lines
    enterprise: np.ndarray  # (L,) rows of tables.enterprises
    area_names: list[str]  # requirement areas, city first
    line_areas: np.ndarray  # (L, 2) [county row, city row], −1 = not a requirement area


@dataclass
class Lines:
    """The columns of the lines in scope the rules read."""

    uscc: np.ndarray
    line_code: np.ndarray
    process: np.ndarray
    industry: np.ndarray
    grade: np.ndarray
    essential: np.ndarray
    small: np.ndarray
    interruptible: np.ndarray
    min_load: np.ndarray
    lead: np.ndarray
    value: np.ndarray
    emission: np.ndarray  # (L, P) kg/day
    capacity: np.ndarray
    approved_load: np.ndarray  # NaN where none
    approved: np.ndarray  # spared firm approved by the officer

    def facts(self, can_stop: np.ndarray, enterprise: np.ndarray) -> LineFacts:
        return LineFacts(can_stop, self.min_load, enterprise, self.process, self.capacity, self.emission.sum(axis=1))


@dataclass
class Sparing:
    rule_index: np.ndarray
    rules: list
    spared: np.ndarray  # no measure (own measures / exempt / exempt at this level)
    slow_only: np.ndarray
    at_load: np.ndarray
    can_stop: np.ndarray  # interruptible and not slow-down-only
    max_cut: np.ndarray


@dataclass
class Floors:
    index: np.ndarray  # (L,) into measures / sources
    measures: list[Measure]
    sources: list[str]
    cut: np.ndarray  # (L,) output cut of the floor
    emission: np.ndarray  # (L, P) emission cut of the floor
    max_cut: np.ndarray  # (L,) the deepest cut (a coking extension may pass the slow-down)
    from_filed: np.ndarray  # (L,) bool
    filed_cut: np.ndarray  # (L,) the filed measure's output cut, NaN where nothing is filed
    filed_index: np.ndarray | None = None  # (L,) into measures: the line's filed measure, −1 where none
    filed_emission: np.ndarray | None = None  # (L, P) the filed measure's emission cut (0 where none)
    flags_added: np.ndarray | None = None  # (L,) bool: the grade floor's truck ban added to the filed measure


@dataclass
class Options:
    line_start: np.ndarray
    cut: np.ndarray  # (J,)
    line: np.ndarray  # (J,) the line of each option
    code: np.ndarray  # (J,) "floor", "stop", "slow_down", "cut_<share>"


# ----------------------------------------------------------------------------- the build


def build_problem(
    tables: RegistryTables,
    policy: Policy,
    level: WarningLevel,
    *,
    hours_to_start: float | None = None,
    areas: list[str] | None = None,
    approved_spared: tuple[str, ...] | list[str] = (),
    in_effect: dict[str, float] | None = None,
    use_filed: bool = True,
    held: dict[str, str] | None = None,
) -> tuple[MeasureProblem, BuildReport]:
    """``in_effect``: line id -> output cut already ordered (re-planning); such lines
    can keep or lower their measure whatever their lead time. ``use_filed=False`` ignores
    the list's filed measures (floors from the grade tables only). ``held``: line id ->
    why another order already stops it over the warning (e.g. 错峰生产), see :func:`define_held`."""
    if level is WarningLevel.NONE:
        raise OptimizationError("no warning level: nothing to plan")
    scope = define_scope(tables, policy, areas)
    lines = line_columns(tables, scope, approved_spared)
    sparing = define_sparing(policy, lines, level)
    floors = define_floors(policy, lines, scope, sparing, level)
    filed_list = use_filed and has_filed_at(tables, level)
    if filed_list:
        floors = define_filed_floors(filed_at(tables.lines, level), policy, lines, scope, sparing, floors)
    line_ids = np.array([make_line_id(u, c) for u, c in zip(lines.uscc.tolist(), lines.line_code.tolist())], dtype=object)
    is_held = define_held(sparing, floors, line_ids, held)
    blocked = define_lead_time(lines, floors, line_ids, hours_to_start, in_effect, is_held)
    options = define_options(policy, lines, sparing, floors, blocked | is_held)
    columns, W = target_columns(policy, level)
    required = define_requirements(tables, policy, level, scope.area_names)

    emis = lines.emission @ W if W.shape[1] > W.shape[0] else lines.emission  # (L, K)
    reduction = options.cut[:, None] * emis[options.line]
    overridden = _emission_overridden(floors)
    if overridden.any():  # a floor measure with its own emission shares: its option removes those
        l = np.nonzero(overridden)[0]
        reduction[options.line_start[l]] = (floors.emission[l] * lines.emission[l]) @ W
    problem = MeasureProblem(
        line_ids=line_ids,
        line_start=options.line_start,
        cost=options.cut * lines.value[options.line],
        reduction=reduction,
        output_cut=options.cut,
        option_code=options.code,
        line_areas=scope.line_areas,
        area_names=tuple(scope.area_names),
        required=required,
        group=scope.enterprise,
        pollutants=columns,
    )
    report = BuildReport(
        level, scope.line_index, scope.enterprise, floors.index, floors.measures, floors.sources, floors.cut,
        sparing.rule_index, sparing.rules, lines.approved, blocked, sparing.spared & ~lines.approved,
        problem.area_sum(emis), tuple(scope.area_names),
        spared_enterprises(scope, lines, sparing, floors.cut), floors.from_filed, floors.filed_cut,
        filed_list, floors.filed_index,
        None if floors.filed_emission is None else (floors.filed_emission * lines.emission) @ W,
        floors.flags_added, is_held,
    )
    return problem, report


# ----------------------------------------------------------------------------- 1. scope


def define_scope(tables: RegistryTables, policy: Policy, areas: list[str] | None) -> Scope:
    """Lines in scope: every line, or the lines of the named areas (the city = all its
    counties). Requirement areas: the city where ``city`` ∈ policy.reduction.areas (and it
    is in scope), then each county in scope where ``county`` ∈ policy.reduction.areas. A
    line counts toward its county's row and the city's row."""
    ents, lines = tables.enterprises, tables.lines
    names, parents = tables.areas["name"], tables.areas["parent"]
    city = next(n for n, p in zip(names, parents) if not p)
    counties = [n for n, p in zip(names, parents) if p]
    ent_idx = {u: i for i, u in enumerate(ents["uscc"])}
    line_ent = np.array([ent_idx[u] for u in lines["uscc"]], dtype=np.int64)
    county_of_ent = np.asarray(ents["county"], dtype=object)
    by = policy.reduction.areas
    if areas:
        unknown = [a for a in areas if a not in names]
        if unknown:
            raise OptimizationError(f"unknown area(s) {', '.join(unknown)}; the list has {', '.join(names)}")
        scope = set(counties) if city in areas else set(areas)
        keep = np.isin(county_of_ent[line_ent], list(scope))
        row_areas = ([city] if city in areas and "city" in by else []) + [c for c in counties if c in scope and "county" in by]
    else:
        keep = np.ones(len(line_ent), dtype=bool)
        row_areas = ([city] if "city" in by else []) + (counties if "county" in by else [])
    line_index = np.nonzero(keep)[0]
    line_ent = line_ent[keep]
    pos = {n: i for i, n in enumerate(row_areas)}
    line_areas = np.full((len(line_index), 2), -1, dtype=np.int64)
    if city in pos:
        line_areas[:, 1] = pos[city]
    line_areas[:, 0] = [pos.get(c, -1) for c in county_of_ent[line_ent]]
    return Scope(line_index, line_ent, row_areas, line_areas)


def line_columns(tables: RegistryTables, scope: Scope, approved_spared=()) -> Lines:
    """The columns of the lines in scope (enterprise columns broadcast to their lines)."""
    ents, lines = tables.enterprises, tables.lines
    li, e = scope.line_index, scope.enterprise
    take = lambda key, dtype=float: np.asarray(lines[key], dtype=dtype)[li]  # noqa: E731
    ent = lambda key, dtype=object: np.asarray(ents[key], dtype=dtype)[e]  # noqa: E731
    uscc = ent("uscc")
    return Lines(
        uscc=uscc,
        line_code=take("line_code", object),
        process=take("process", object),
        industry=ent("industry"),
        grade=ent("grade"),
        essential=ent("essential_category"),
        small=ent("small_micro", bool),
        interruptible=take("interruptible", bool),
        min_load=take("min_load"),
        lead=take("stop_lead_time_h"),
        value=take("output_value_yuan"),
        emission=np.column_stack([take(f"{k}_kg") for k in _POL_KEYS]).reshape(len(li), len(_POL_KEYS)),
        capacity=take("capacity_basis"),
        approved_load=np.array([np.nan if v is None else v for v in ents["essential_approved_load"]], dtype=float)[e],
        approved=np.isin(uscc, list(approved_spared)) if len(approved_spared) else np.zeros(len(li), dtype=bool),
    )


# ----------------------------------------------------------------------------- 2. sparing


def define_sparing(policy: Policy, lines: Lines, level: WarningLevel) -> Sparing:
    """The sparing rule of each line, once per distinct (grade, essential, small, process):
    own measures / exempt (/ exempt at this level) → no measure; slow-down only → can_stop
    is false; approved load → the floor is the approved load.

        max_cut_l = 1 if can_stop_l else 1 − min_load_l"""
    rule_index, keys = _factorize(lines.grade, lines.essential, lines.small, lines.process)
    rules = [policy.sparing.rule_for(*key, level) for key in keys]
    effect = np.array([r.effect.value if r is not None else "" for r in rules], dtype=object)[rule_index]
    spared = np.isin(effect, [e.value for e in SPARED_EFFECTS]) | (effect == SparingEffect.EXEMPT_AT_LEVELS.value)
    slow_only = effect == SparingEffect.SLOW_DOWN_ONLY.value
    at_load = effect == SparingEffect.APPROVED_LOAD.value
    can_stop = lines.interruptible & ~slow_only
    max_cut = np.where(can_stop, 1.0, np.clip(1.0 - lines.min_load, 0.0, 1.0))
    return Sparing(rule_index, rules, spared, slow_only, at_load, can_stop, max_cut)


def spared_enterprises(scope: Scope, lines: Lines, sparing: Sparing, floor_cut: np.ndarray) -> dict[int, str]:
    """Enterprise index → reason, for firms none of whose lines takes a measure because a
    sparing rule spares them (and the officer did not approve them)."""
    out: dict[int, str] = {}
    for l in np.nonzero(sparing.spared & ~lines.approved)[0]:
        out.setdefault(int(scope.enterprise[l]), sparing.rules[sparing.rule_index[l]].reason_zh)
    touched = set(scope.enterprise[floor_cut > 0].tolist())
    return {e: r for e, r in out.items() if e not in touched}


# ----------------------------------------------------------------------------- 3. floors


def grade_floors(policy: Policy, lines: Lines, scope: Scope, sparing: Sparing, level: WarningLevel) -> Floors:
    """The grade table's measure for (industry, process, grade) at ``level`` (once per
    distinct key) and its effect (``config.measures.output_cuts``, with the line's
    can_stop), before any sparing override."""
    index, keys = _factorize(lines.industry, lines.process, lines.grade)
    at = [policy.floor(*key, level) for key in keys]
    measures = [m for m, _ in at]
    per_line = MeasureArrays.of(measures).take(index)
    cut = output_cuts(per_line, lines.facts(sparing.can_stop, scope.enterprise), policy.coking.normal_hours)
    return Floors(index, measures, [src for _, src in at], cut, emission_cuts(per_line, cut),
                  np.maximum(sparing.max_cut, cut), np.zeros(len(cut), dtype=bool), np.full(len(cut), np.nan))


def define_floors(policy: Policy, lines: Lines, scope: Scope, sparing: Sparing, level: WarningLevel) -> Floors:
    """The floor of each line: the grade floor, then the sparing overrides —

        spared (not approved)         floor_l = 0
        approved load (not approved)  floor_l = min(1 − approved_load_e, max_cut_l)

    and max_cut_l = max(max_cut_l, floor_l) (a coking extension may cut past the slow-down)."""
    floors = grade_floors(policy, lines, scope, sparing, level)
    cut = np.where(sparing.spared & ~lines.approved, 0.0, floors.cut)
    load_cut = np.clip(1.0 - np.nan_to_num(lines.approved_load, nan=1.0), 0.0, 1.0)
    cut = np.where(sparing.at_load & ~lines.approved, np.minimum(load_cut, floors.max_cut), cut)
    changed = cut != floors.cut
    emission = np.where(changed[:, None], cut[:, None], floors.emission)
    floors.cut, floors.emission = cut, emission
    return floors


def filed_measures(filed: FiledLevel, rows: np.ndarray) -> tuple[np.ndarray, list[Measure]]:
    """The filed measures of ``rows`` (of tables.lines) as Measures: (index per row into
    the distinct measures, −1 where nothing is filed; the distinct measures, made once per
    distinct (action, share, hours, truck ban, text)). A filed measure that is not a valid
    measure is a RegistryError naming the line's row and the level."""
    index = np.full(len(rows), -1, dtype=np.int64)
    has = np.nonzero(filed.action[rows] != "")[0]
    if not len(has):
        return index, []
    at = rows[has]
    text = np.array(["" if t is None else str(t) for t in filed.text[at].tolist()], dtype=object)
    inverse, keys = _factorize(filed.action[at], np.nan_to_num(filed.share[at], nan=-1.0),
                               np.nan_to_num(filed.hours[at], nan=-1.0), filed.truck_ban[at], text)
    measures: list[Measure] = []
    for k, (a, share, hours, truck, label) in enumerate(keys):
        try:
            measures.append(Measure(action=Action(a), share=None if share < 0 else share, hours=None if hours < 0 else hours,
                                    truck_ban=bool(truck), label_zh=label or None, source=FILED_SOURCE))
        except (ValueError, ValidationError) as exc:
            row = int(at[np.nonzero(inverse == k)[0][0]])
            reason = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
            raise RegistryError(f"生产线第 {row + 1} 行 (line row {row + 1}): filed {filed.level.value} measure {a!r} "
                                f"is not a valid measure: {reason}") from None
    index[has] = inverse
    return index, measures


def filed_effects(filed: FiledLevel, policy: Policy, lines: Lines, scope: Scope, sparing: Sparing):
    """(index into measures or −1, measures, output cut (L,), emission cut (L, P)) of the
    filed measures of the lines in scope, through ``config.measures.output_cuts`` (a filed
    ``stop_share_of_lines`` is resolved among the firm's lines of the process that filed it)."""
    index, measures = filed_measures(filed, scope.line_index)
    has = index >= 0
    cut = np.zeros(len(index))
    emission = np.zeros((len(index), len(POLLUTANTS)))
    if measures:
        h = np.nonzero(has)[0]
        arrays = MeasureArrays.of(measures).take(index[h])
        facts = lines.facts(sparing.can_stop, scope.enterprise)
        sub = LineFacts(*(np.asarray(getattr(facts, f))[h] for f in LineFacts.__dataclass_fields__))
        cut[h] = output_cuts(arrays, sub, policy.coking.normal_hours)
        emission[h] = emission_cuts(arrays, cut[h])
    return index, measures, cut, emission


def define_filed_floors(filed: FiledLevel, policy: Policy, lines: Lines, scope: Scope, sparing: Sparing,
                        floors: Floors) -> Floors:
    """A measure filed in the list for this level becomes the line's floor where it is at
    least as strong as the floor so far (the grade floor after the sparing rules):

        filed_cut_l ≥ floor_l  and  filed_emission_lp ≥ floor_emission_lp for every p

    except on a spared line the officer did not approve (its firm takes no ordered measure,
    and the filed one is not counted, as the list check does). Such lines are marked
    ``from_filed``: the plan orders the measure the firm filed, in its words. A filed
    measure weaker than the floor in any of these does not lower it: the floor still binds
    and the plan marks the line as a deviation from the list. A filed measure that is as
    strong but lacks the floor's truck rule (禁用国四及以下重型柴油货车 / 禁止公路运输, which
    the emission accounting does not see) is the floor with that rule added
    (``flags_added``: a deviation too). Every filed measure joins the
    floor measures (``filed_index``, −1 where none) with its output cut (``filed_cut``,
    NaN where none) and emission cut (``filed_emission``), so a plan can tell where it
    departs from the list. No filed measure at this level: the floors are unchanged."""
    if not filed.any:
        return floors
    index, measures, cut, emission = filed_effects(filed, policy, lines, scope, sparing)
    has = index >= 0
    filed_cut = np.where(has, cut, np.nan)
    offset = len(floors.measures)
    filed_index = np.where(has, offset + index, -1)
    use = has & ~(sparing.spared & ~lines.approved)
    use &= (cut >= floors.cut - 1e-12) & (emission >= floors.emission - 1e-12).all(axis=1)
    floor_index, measures, added = _with_floor_flags(floors, filed_index, use, floors.measures + measures)
    return Floors(
        index=floor_index,
        measures=measures,
        sources=floors.sources + [FILED_SOURCE] * (len(measures) - len(floors.measures)),
        cut=np.where(use, cut, floors.cut),
        emission=np.where(use[:, None], emission, floors.emission),
        max_cut=np.maximum(floors.max_cut, np.where(use, cut, 0.0)),
        from_filed=floors.from_filed | use,
        filed_cut=filed_cut,
        filed_index=filed_index,
        filed_emission=emission,
        flags_added=added,
    )


def _with_floor_flags(floors: Floors, filed_index: np.ndarray, use: np.ndarray, measures: list[Measure]):
    """(floor index per line, measures, truck ban added per line): the filed measure on
    lines that ``use`` it, with the grade floor's truck rules (truck ban — a measure of
    action truck_ban is one, as the import's checks read it —, no road haulage) added where
    the filed measure lacks them — one copy per distinct (filed measure, rules). Only an
    added truck ban is reported (a deviation): the list's format files a truck ban but has
    no column for 禁止公路运输, so that rule is carried over without marking."""
    truck = np.array([m.truck_ban or m.action is Action.TRUCK_BAN for m in measures], dtype=bool)
    road = np.array([m.no_road_haulage for m in measures], dtype=bool)
    f = np.maximum(filed_index, 0)
    add_truck = use & truck[floors.index] & ~truck[f]
    add_road = use & road[floors.index] & ~road[f]
    index = np.where(use, filed_index, floors.index)
    if not (add_truck | add_road).any():
        return index, measures, add_truck
    measures = list(measures)
    copies: dict[tuple, int] = {}
    for l in np.nonzero(add_truck | add_road)[0].tolist():
        key = (int(f[l]), bool(add_truck[l]), bool(add_road[l]))
        if key not in copies:
            m = measures[key[0]]
            text = m.describe_zh()
            label = (text + ("，禁用国四及以下重型柴油货车运输" if key[1] else "")
                     + ("，禁止公路运输" if key[2] and "公路运输" not in text else ""))
            copies[key] = len(measures)
            measures.append(m.model_copy(update={"truck_ban": m.truck_ban or key[1],
                                                 "no_road_haulage": m.no_road_haulage or key[2], "label_zh": label}))
        index[l] = copies[key]
    return index, measures, add_truck


def has_filed_at(tables: RegistryTables, level: WarningLevel) -> bool:
    """Whether any line of the list has a filed measure at ``level`` (cheap: one column)."""
    return any(a is not None for a in tables.lines.get(filed_column(level, "action")) or ())


# ----------------------------------------------------------------------------- 5. lead time


def define_held(sparing: Sparing, floors: Floors, line_ids: np.ndarray, held: dict[str, str] | None) -> np.ndarray:
    """(L,) bool: lines another order already stops over the warning's period (``held``:
    line id -> why, e.g. the heating-season rotation 错峰生产). Such a line's floor — and
    only option — is its deepest cut, counted toward the targets, whatever its lead time
    (it is stopped already); its filed or grade measure is not ordered on top:

        floor_l = max_cut_l (stop; the slow-down where the line cannot stop),  options_l = {floor_l}

    The floor measure reads 停产（<why>）; its source is HELD_SOURCE. No ``held``: nothing changes."""
    is_held = np.zeros(len(line_ids), dtype=bool)
    if not held:
        return is_held
    is_held = np.fromiter((i in held for i in line_ids.tolist()), dtype=bool, count=len(line_ids))
    made: dict[tuple[str, bool], int] = {}
    floors.index = floors.index.copy()
    for l in np.nonzero(is_held)[0].tolist():
        key = (str(held[line_ids[l]]), bool(sparing.can_stop[l]))
        if key not in made:
            made[key] = len(floors.measures)
            action = Action.STOP if key[1] else Action.SLOW_DOWN
            floors.measures = floors.measures + [Measure(action=action, label_zh=f"{'停产' if key[1] else '降至最低负荷运行'}（{key[0]}）",
                                                         source=HELD_SOURCE)]
            floors.sources = floors.sources + [HELD_SOURCE]
        floors.index[l] = made[key]
    floors.cut = np.where(is_held, floors.max_cut, floors.cut)
    floors.emission = np.where(is_held[:, None], floors.max_cut[:, None], floors.emission)
    floors.from_filed = floors.from_filed & ~is_held
    return is_held


def define_lead_time(lines: Lines, floors: Floors, line_ids: np.ndarray, hours_to_start: float | None,
                     in_effect: dict[str, float] | None, held: np.ndarray | None = None) -> np.ndarray:
    """(L,) blocked: lead_time_l > hours_to_start and no measure in effect on l (nor is it
    held, see :func:`define_held`); a blocked line's floor is 0 (and it gets no other
    option; the report says so)."""
    if hours_to_start is None:
        return np.zeros(len(line_ids), dtype=bool)
    current = np.array([in_effect.get(i, 0.0) for i in line_ids.tolist()]) if in_effect else np.zeros(len(line_ids))
    blocked = (lines.lead > hours_to_start) & (current <= 0)
    if held is not None:
        blocked &= ~held
    floors.cut = np.where(blocked, 0.0, floors.cut)
    floors.emission = np.where(blocked[:, None], 0.0, floors.emission)
    return blocked


# ----------------------------------------------------------------------------- 6. options


def define_options(policy: Policy, lines: Lines, sparing: Sparing, floors: Floors, blocked: np.ndarray) -> Options:
    """Each line's options, sorted by cut, the floor first: the floor; where the line is on
    the ladder (policy.options.grades, not spared, not at an approved load — or approved by
    the officer — and not blocked) each deeper cut c with floor_l < c < max_cut_l and, if
    policy.options.allow_stop, max_cut_l ("stop", or "slow_down" where the line cannot stop)."""
    floor_cut, max_cut = floors.cut, floors.max_cut
    ladder = np.isin(lines.grade, [g.value for g in policy.options.grades]) & ~sparing.spared & ~sparing.at_load
    ladder = (ladder | lines.approved) & ~blocked
    candidates = [floor_cut]
    for c in policy.options.deeper_cuts:
        candidates.append(np.where(ladder & (c > floor_cut + 1e-9) & (c < max_cut - 1e-9), c, np.nan))
    if policy.options.allow_stop:
        candidates.append(np.where(ladder & (max_cut > floor_cut + 1e-9), max_cut, np.nan))
    cand = np.sort(np.column_stack(candidates), axis=1)  # NaN last; the floor is the smallest by construction
    valid = ~np.isnan(cand)
    lens = valid.sum(axis=1)
    start = np.concatenate([[0], np.cumsum(lens)])
    cut = cand[valid]
    opt_line = np.repeat(np.arange(len(floor_cut)), lens)
    is_floor = np.zeros(len(cut), dtype=bool)
    is_floor[start[:-1]] = True
    code = np.full(len(cut), "floor", dtype=object)
    top = ~is_floor & (cut >= max_cut[opt_line] - 1e-12)
    code[top & sparing.can_stop[opt_line]] = "stop"
    code[top & ~sparing.can_stop[opt_line]] = "slow_down"
    mid = np.nonzero(~is_floor & ~top)[0]
    if len(mid):  # few distinct shares: each code made once
        shares, inverse = np.unique(np.round(cut[mid], 3), return_inverse=True)
        code[mid] = np.array([f"cut_{x}" for x in shares.tolist()], dtype=object)[inverse]
    return Options(start, cut, opt_line, code)


# ----------------------------------------------------------------------------- 7. requirements


def target_columns(policy: Policy, level: WarningLevel) -> tuple[tuple[str, ...], np.ndarray]:
    """The requirement columns at ``level`` and W (P × K): the four pollutants, then each
    combined target in force (column k counts Σ_p W[p, k] × kg of pollutant p)."""
    groups = policy.reduction.combined_at(level)
    W = np.zeros((len(POLLUTANTS), len(POLLUTANTS) + len(groups)))
    W[:, : len(POLLUTANTS)] = np.eye(len(POLLUTANTS))
    for g, target in enumerate(groups):
        W[[POLLUTANTS.index(p) for p in target.members], len(POLLUTANTS) + g] = 1.0
    return tuple(p.value for p in POLLUTANTS) + tuple(t.name for t in groups), W


def define_requirements(tables: RegistryTables, policy: Policy, level: WarningLevel, area_names: list[str]) -> np.ndarray:
    """(A, K) the kg/day each row ``target[<area>,<column>]`` must reach: the individual
    rows, then the combined ones (see :func:`target_columns`)."""
    listed = _listed_base(tables, area_names)
    return np.hstack([_individual_requirements(listed, policy, level), _combined_requirements(listed, policy, level)])


def _listed_base(tables: RegistryTables, area_names: list[str]) -> np.ndarray:
    """(A, P) whole-society base × share assigned to the list, per requirement area."""
    idx = {n: i for i, n in enumerate(tables.areas["name"])}
    rows = [idx[name] for name in area_names]
    return np.column_stack([
        np.asarray(tables.areas[f"base_{key}"], dtype=float)[rows] * np.asarray(tables.areas[f"listed_share_{key}"], dtype=float)[rows]
        for key in _POL_KEYS
    ]).reshape(len(area_names), len(_POL_KEYS))


def _individual_requirements(listed: np.ndarray, policy: Policy, level: WarningLevel) -> np.ndarray:
    """(A, P):  Σ_{l ∈ a} reduction_lp  ≥  r_{level,p} × base_ap × listed_share_ap,

    with r = 0 (the row is void) where a ``replace`` combined target covers p at ``level``."""
    r = np.array([policy.reduction.individual_ratio(level, p) for p in POLLUTANTS])
    return listed * r


def _combined_requirements(listed: np.ndarray, policy: Policy, level: WarningLevel) -> np.ndarray:
    """(A, G), one per combined target g in force at ``level``:

        Σ_{p ∈ g} Σ_{l ∈ a} reduction_lp  ≥  ratio_g × Σ_{p ∈ g} base_ap × listed_share_ap"""
    _, W = target_columns(policy, level)
    ratio = np.array([t.ratio for t in policy.reduction.combined_at(level)])
    return (listed @ W[:, len(POLLUTANTS):]) * ratio


# ----------------------------------------------------------------------------- helpers


def _emission_overridden(floors: Floors) -> np.ndarray:
    """(L,) the floor's emission share differs from its output cut for some pollutant."""
    return (np.abs(floors.emission - floors.cut[:, None]) > 1e-15).any(axis=1)


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

