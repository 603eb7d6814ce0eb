"""The list design (清单编制): propose every firm's measures at every level at once.

Issue 15 item 3 (DOMAIN §7, §9). Each autumn the city revises its list: every firm's
yellow, orange and red measures, filed in advance. This service proposes them so that

* every level's targets are met in every area and column (the builder's requirements,
  :func:`emergency.optimization.builder.define_requirements`);
* they nest across levels: a line's cut at red ≥ at orange ≥ at yellow (and so, every
  option being proportional, for each pollutant);
* each is at least the grade table's floor for the firm's grade
  (:func:`~emergency.optimization.builder.define_floors`, with the sparing overrides:
  an essential firm at its approved load);
* spared firms (A/A+/引领性 own measures, strategic/heating/life-service exempt, small
  firms exempt at a level) get none; the sparing rules are applied as the plans apply
  them, and a line spared at a level is spared at the levels below it (nesting);
* never 一刀切: only the lines the options ladder allows (``policy.options``) go deeper
  than their floor, and only as deep as the least lost output requires;
* at least lost output, weighted by the days expected at each level
  (``policy.listing.expected_days``, or the caller's weights):
  min Σ_level days_level × Σ_line cut × output value.

Bases (:func:`define_bases`), level by level, lowest first:

    spared_vl                 base_vl = 0, the line's only option
    kept_vl (not redesign)    filed measure at v, not spared, and
                              filed_emission_vlp ≥ floor_emission_vlp for every p  and
                              filed_cut_vl ≥ base_{v−1,l}   (it serves: base_vl = filed_cut_vl)
    otherwise                 base_vl = max(floor_vl, base_{v−1,l})   (the floor, carried up)

A kept measure is the line's base: it is never lowered, and it is written back unchanged
unless some target needs the line to go deeper (then the diff says which target).
``fix_filed`` holds kept measures exactly (no deeper option; a target they leave short
is reported short). The deepest cut hi_vl = min(max_cut_vl, hi_{v+1,l}) (with
``fix_filed``, a kept measure above caps the levels below it). Options
(:func:`define_options`): the base; on the ladder (grade in ``policy.options.grades``,
not spared, not at an approved load, not held by ``fix_filed``) each deeper cut
strictly between base and hi, and hi itself if ``allow_stop``. The model and its
method: :mod:`emergency.lists.design_model`.

The result is written back into the list (:func:`designed_tables`: the measure columns
of every line at every level, the enterprise-level ones cleared) and re-checked by the
list check (:func:`emergency.lists.check.check_list`) before anything is reported: a
design the check does not pass is a defect, never a result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from config.measures import Action, Measure
from config.policy import Policy
from emergency.errors import OptimizationError
from emergency.lists.design_model import DesignProblem, DesignResult, solve_design
from emergency.optimization import builder
from emergency.optimization.problem import MeasureProblem
from emergency.optimization.result import SolveStatus
from emergency.vocabulary import LEVEL_LABELS_ZH, LEVELS, WarningLevel, rank
from enterprise_registry.columns import RegistryTables, make_line_id
from enterprise_registry.filed import FIELDS, INHERITED, column, filed_at

_TOL = 1e-9
_STOPS = [Action.STOP.value, Action.STOP_KEEP_WARM.value, Action.STOP_SHARE_OF_LINES.value]
# action codes as plain strings (an enum member's .value is a descriptor call: per line, it adds up)
_STOP_ACTIONS = frozenset({Action.STOP, Action.STOP_KEEP_WARM, Action.STOP_SHARE_OF_LINES})
_NONE, _OWN, _TRUCK, _SHARE, _CUT = (Action.NONE.value, Action.OWN_MEASURES.value, Action.TRUCK_BAN.value,
                                     Action.STOP_SHARE_OF_LINES.value, Action.CUT_OUTPUT.value)
DEFAULT_INDICATOR = "用电量"
MIN_DAYS = 1e-3  # the weight of a level expected on no day (see expected_days)
DESIGN_SOURCE = "清单编制（应急减排清单一厂一策，逐级加严）"

# why codes (English, stable) → the diff's text (zh-CN)
WHY_ZH = {
    "spared": "豁免：{reason}",
    "kept": "保留企业备案措施（不低于绩效分级底线，逐级加严）",
    "kept_truck": "保留企业备案措施，补充禁用国四及以下重型柴油货车运输（绩效分级底线或较低级别措施要求）",
    "floor": "按绩效分级管控底线（{source}）",
    "carried": "承接{lower}预警措施（逐级加严：红色包含橙色包含黄色）",
    "at_load": "保障类企业按核定负荷生产（{source}）",
    "deeper": "加严至{measure}：满足{level}预警{rows}减排目标的最低损失选择"
              "（本线减排成本 {own:,.1f} 元/kg，低于该目标边际价格 {price:,.1f} 元/kg）",
    "nested": "为逐级加严，不低于{lower}预警设计措施",
}
FILED_WHY_ZH = {
    "none": "未备案",
    "below_floor": "备案措施低于绩效分级底线",
    "not_nested": "备案措施未逐级加严（弱于较低级别措施）",
    "redesign": "按要求重新编制（--redesign）",
    "spared": "豁免企业的备案措施不计入",
    "above_load": "保障类企业备案措施使负荷低于核定负荷（不得压减到核定负荷以下）",
    "not_allowed": "备案措施不符合豁免规则（安全生产不可中断，只能降至最低负荷）",
}


@dataclass
class LevelBasis:
    """What the rules give one level, per line (aligned with the scope's lines)."""

    level: WarningLevel
    spared: np.ndarray  # (L,) bool: no measure at this level
    kept: np.ndarray  # (L,) bool: the filed measure is kept (fixed)
    base: np.ndarray  # (L,) the base cut (floor carried up, or the kept filed measure)
    base_level: np.ndarray  # (L,) rank index of the level whose floor / kept measure the base is
    hi: np.ndarray  # (L,) the deepest cut
    ladder: np.ndarray  # (L,) bool: may go deeper than the base
    floor_cut: np.ndarray  # (L,) the grade floor after sparing (what the check compares with)
    floor_measure: list[Measure]  # per line: the floor's Measure (the table's; resolved for the file later)
    floor_source: list[str]
    filed_has: np.ndarray  # (L,) bool: something filed at this level
    filed_cut: np.ndarray  # (L,) its output cut (0 where none)
    filed_problem: np.ndarray  # (L,) object: a FILED_WHY_ZH key where the filed measure is not kept, else ""
    spared_reason: np.ndarray  # (L,) object
    can_stop: np.ndarray
    max_cut: np.ndarray
    at_load: np.ndarray
    own_measures: np.ndarray  # (L,) bool: spared by an own-measures rule (A/A+/引领性), else exempt
    truck_ban: np.ndarray  # (L,) bool: the floor (at this level or below) bans 国四 trucks


@dataclass
class DesignBasis:
    """The rules' side of a design: scope, line columns and each level's bases."""

    scope: builder.Scope
    lines: builder.Lines
    line_ids: np.ndarray
    levels: tuple[WarningLevel, ...]
    bases: list[LevelBasis]
    weights: np.ndarray
    redesign: bool
    filed: dict = field(default_factory=dict)  # level -> field -> values of the scope's lines, as filed
    coking_hours: float = 20.0  # policy.coking.normal_hours (a coking-time extension's effect)


@dataclass
class LineDesign:
    """One (line, level) of the design, as written and why (the diff's row when it changed)."""

    enterprise_uscc: str
    enterprise_name: str
    county: str
    line_id: str
    level: WarningLevel
    filed: str  # the filed measure's text ("" where none)
    designed: str  # the designed measure's text ("" where none)
    designed_cut: float
    why: str
    changed: bool


@dataclass
class ListDesign:
    basis: DesignBasis
    problem: DesignProblem
    result: DesignResult
    tables: RegistryTables | None = None  # the list with the designed measures (None when short)
    rows: list[LineDesign] = field(default_factory=list)
    check: object | None = None  # the list check of ``tables``
    import_errors: list = field(default_factory=list)  # the import's filed-measure checks on ``tables`` (Problem)
    import_warnings: list = field(default_factory=list)

    @property
    def short(self) -> bool:
        return self.result.status is SolveStatus.INFEASIBLE

    def shortfalls(self) -> list[tuple[WarningLevel, str, str, float]]:
        """(level, area, column, kg/day) of every target row no design can meet."""
        return [(self.problem.levels[v], self.problem.problems[v].area_names[a], self.problem.problems[v].pollutants[k], kg)
                for v, a, k, kg in self._short_rows()]

    def shortfall_rows(self) -> list[tuple[str, float]]:
        """(stable row name ``target[<level>,<area>,<column>]``, kg/day) of every row no design can meet."""
        return [(self.problem.target_name(v, a, k), kg) for v, a, k, kg in self._short_rows()]

    def _short_rows(self) -> list[tuple[int, int, int, float]]:
        out = []
        for v, (p, s) in enumerate(zip(self.problem.problems, self.result.shortfall or [])):
            for a, k in zip(*np.nonzero(s > 1e-9 * (1 + p.required))):
                out.append((v, int(a), int(k), float(s[a, k])))
        return out


# ----------------------------------------------------------------------------- bases


def expected_days(policy: Policy, levels: tuple[WarningLevel, ...], override: dict[WarningLevel, float] | None = None) -> np.ndarray:
    """(V,) the weight of each level: ``override`` where given, else ``policy.listing.expected_days``
    (one day each where the policy gives none); never below MIN_DAYS."""
    days = policy.listing.expected_days
    out = []
    for lv in levels:
        if override and lv in override:
            out.append(float(override[lv]))
        else:
            out.append(days.weight(lv) if days is not None else 1.0)
    if any(w < 0 for w in out):
        raise OptimizationError("expected days must be non-negative")
    # a level expected on no day still counts a little, so that its measures are no deeper
    # than its targets need (at weight 0 any measure would cost nothing)
    return np.maximum(np.array(out, dtype=float), MIN_DAYS)


def define_bases(tables: RegistryTables, policy: Policy, levels: tuple[WarningLevel, ...], redesign: bool,
                 fix_filed: bool = False) -> DesignBasis:
    """Each level's spared lines, kept filed measures, bases and deepest cuts (see the module)."""
    levels = tuple(sorted(dict.fromkeys(WarningLevel(v) for v in levels), key=rank))
    if WarningLevel.NONE in levels or not levels:
        raise OptimizationError("the list design needs warning levels (yellow, orange, red)")
    scope = builder.define_scope(tables, policy, None)
    lines = builder.line_columns(tables, scope)
    L = len(scope.line_index)
    line_ids = np.array([make_line_id(u, c) for u, c in zip(lines.uscc.tolist(), lines.line_code.tolist())], dtype=object)
    raw = []
    for v in levels:
        sparing = builder.define_sparing(policy, lines, v)
        floors = builder.define_floors(policy, lines, scope, sparing, v)
        if (np.abs(floors.emission - floors.cut[:, None]) > 1e-12).any():
            raise OptimizationError(f"{v.value}: a grade-table measure with its own emission shares: the list design "
                                    "cannot nest it")
        filed = filed_at(tables.lines, v)
        index, _, fcut, femis = builder.filed_effects(filed, policy, lines, scope, sparing)
        reason = np.array([r.reason_zh if r is not None else "" for r in sparing.rules], dtype=object)[sparing.rule_index] \
            if L else np.zeros(0, dtype=object)
        effect = np.array([r.effect.value if r is not None else "" for r in sparing.rules], dtype=object)[sparing.rule_index] \
            if L else np.zeros(0, dtype=object)
        act = np.array([a or "" for a in filed.action[scope.line_index].tolist()], dtype=object)
        # a filed measure the sparing rules forbid does not serve: a stop on a slow-down-only line
        allowed = ~(sparing.slow_only & np.isin(act, _STOPS))
        raw.append((v, sparing, floors, index >= 0, fcut, femis, reason, effect, allowed))
    # a line spared at a level is spared at the levels below it (nesting)
    spared_up = np.zeros((len(levels), L), dtype=bool)
    acc = np.zeros(L, dtype=bool)
    for i in range(len(levels) - 1, -1, -1):
        acc = acc | raw[i][1].spared
        spared_up[i] = acc
    bases: list[LevelBasis] = []
    below = np.zeros(L)
    below_level = np.full(L, -1, dtype=np.int64)
    own_any = np.zeros(L, dtype=bool)
    for r in raw:
        own_any |= r[1].spared & (r[7] == "own_measures")
    truck_below = np.zeros(L, dtype=bool)
    for i, (v, sparing, floors, has, fcut, femis, reason, effect, allowed) in enumerate(raw):
        spared = spared_up[i]
        at_load = sparing.at_load & ~spared
        floor_cut = np.where(spared, 0.0, floors.cut)
        serves = has & ~spared & allowed & (femis >= floors.emission - 1e-12).all(axis=1)
        # an essential firm's filed measure serves only at its approved load (never below it)
        serves &= ~sparing.at_load | (fcut <= floors.cut + 1e-12)
        nested = fcut >= below - 1e-12
        kept = serves & nested & (not redesign)
        problem = np.full(L, "", dtype=object)
        problem[~has] = "none"
        problem[has & spared] = "spared"
        problem[has & ~spared & ~serves] = "below_floor"
        problem[has & ~spared & ~allowed] = "not_allowed"
        problem[has & ~spared & sparing.at_load & (fcut > floors.cut + 1e-12)] = "above_load"
        problem[has & serves & ~nested] = "not_nested"
        if redesign:
            problem[has & serves & nested] = "redesign"
        own = np.where(kept, fcut, floor_cut)
        carry = ~spared & ~kept & (below > own + 1e-12)
        base = np.where(spared, 0.0, np.where(carry, below, own))
        base_level = np.where(carry, below_level, i)
        hi = np.where(spared, 0.0, np.maximum(floors.max_cut, base))
        if fix_filed:
            hi = np.where(kept, base, hi)
        ladder = np.isin(lines.grade, [g.value for g in policy.options.grades]) & ~spared & ~at_load
        if fix_filed:
            ladder &= ~kept
        floor_measures = [floors.measures[j] for j in floors.index.tolist()]
        truck_below = truck_below | (~spared & ~at_load & np.array([m.truck_ban or m.action is Action.TRUCK_BAN for m in floor_measures],
                                                         dtype=bool).reshape(L))
        bases.append(LevelBasis(
            v, spared, kept, base, base_level, hi, ladder, floor_cut,
            floor_measures, [floors.sources[j] for j in floors.index.tolist()],
            has, np.where(has, fcut, 0.0), problem, reason, sparing.can_stop, sparing.max_cut, at_load,
            own_any, truck_below.copy(),
        ))
        below = np.where(spared, below, base)
        below_level = np.where(spared, below_level, base_level)
    # the deepest cut never above the level above's (a kept measure above caps the levels below)
    cap = np.full(L, np.inf)
    for b in reversed(bases):
        b.hi = np.where(b.spared, 0.0, np.minimum(b.hi, cap))
        b.hi = np.maximum(b.hi, b.base)
        cap = np.where(b.spared, cap, b.hi)
    n = len(tables.lines["uscc"])
    filed = {}
    for v in levels:
        filed[v] = {}
        for f in FIELDS:
            values = tables.lines.get(column(v, f)) or [None] * n
            filed[v][f] = np.asarray(values, dtype=object)[scope.line_index].tolist() if n else []
    return DesignBasis(scope, lines, line_ids, levels, bases, np.ones(len(levels)), redesign, filed,
                       policy.coking.normal_hours)


def define_options(policy: Policy, b: LevelBasis) -> tuple[np.ndarray, np.ndarray]:
    """(line_start, cut) of one level's options, sorted by cut, the base first: the base;
    on the ladder each deeper cut c with base < c < hi and, if ``allow_stop``, hi."""
    cands = [b.base]
    for c in policy.options.deeper_cuts:
        cands.append(np.where(b.ladder & (c > b.base + 1e-9) & (c < b.hi - 1e-9), c, np.nan))
    if policy.options.allow_stop:
        cands.append(np.where(b.ladder & (b.hi > b.base + 1e-9), b.hi, np.nan))
    cand = np.sort(np.column_stack(cands), axis=1)
    valid = ~np.isnan(cand)
    lens = valid.sum(axis=1)
    return np.concatenate([[0], np.cumsum(lens)]).astype(np.int64), cand[valid]


def build_design(tables: RegistryTables, policy: Policy, levels: tuple[WarningLevel, ...] = LEVELS, *,
                 weights: dict[WarningLevel, float] | None = None, redesign: bool = False,
                 fix_filed: bool = False) -> tuple[DesignProblem, DesignBasis]:
    """The design model of ``tables`` under ``policy``: one MeasureProblem per level over
    the same lines (options from :func:`define_options`, targets from the builder)."""
    basis = define_bases(tables, policy, levels, redesign, fix_filed)
    basis.weights = expected_days(policy, basis.levels, weights)
    problems = []
    for b in basis.bases:
        start, cut = define_options(policy, b)
        opt_line = np.repeat(np.arange(len(b.base)), np.diff(start))
        columns, W = builder.target_columns(policy, b.level)
        emis = basis.lines.emission @ W
        code = np.full(len(cut), "cut", dtype=object)
        code[start[:-1]] = "base"
        problems.append(MeasureProblem(
            line_ids=basis.line_ids, line_start=start, cost=cut * basis.lines.value[opt_line],
            reduction=cut[:, None] * emis[opt_line], output_cut=cut, option_code=code,
            line_areas=basis.scope.line_areas, area_names=tuple(basis.scope.area_names),
            required=builder.define_requirements(tables, policy, b.level, basis.scope.area_names),
            group=basis.scope.enterprise, pollutants=columns,
        ))
    return DesignProblem(basis.levels, basis.weights, tuple(problems)), basis


# ----------------------------------------------------------------------------- the service


def design_list(tables: RegistryTables, policy: Policy, levels: tuple[WarningLevel, ...] = LEVELS, *,
                weights: dict[WarningLevel, float] | None = None, redesign: bool = False, fix_filed: bool = False,
                time_limit: float = 20.0, gap_tolerance: float = 1e-3, verify: bool = True) -> ListDesign:
    """Design the list (see the module). When some level cannot be met the result is
    INFEASIBLE with the shortfall per level, area and column, and no list is made."""
    problem, basis = build_design(tables, policy, levels, weights=weights, redesign=redesign, fix_filed=fix_filed)
    result = solve_design(problem, time_limit=time_limit, gap_tolerance=gap_tolerance)
    out = ListDesign(basis, problem, result)
    if result.choices is None:
        return out
    measures = designed_measures(policy, basis, problem, result)
    out.tables = designed_tables(tables, basis, measures)
    out.rows = explain(tables, basis, problem, result, measures)
    if verify:
        from emergency.lists.check import check_list

        out.check = check_list(out.tables, policy, basis.levels)
        verify_against_check(out)
        out.import_errors, out.import_warnings = import_review(out.tables, policy)
    return out


def import_review(tables: RegistryTables, policy: Policy) -> tuple[list, list]:
    """The import's own checks of filed measures (``enterprise_registry.filed_checks``) on
    the designed list, located as the written 生产线 sheet will be (row = line + 2). The
    design follows the measure builder (and so the list check); where the import reads a
    rule otherwise, the difference is reported here, never hidden."""
    from enterprise_registry.filed_checks import check_filed

    def where(j: int, level: WarningLevel) -> tuple[str, int | None, str]:
        return "生产线", j + 2, f"{LEVEL_LABELS_ZH[level]}预警措施"

    review = check_filed(tables, policy, where)
    return review.errors, review.warnings


def verify_against_check(design: ListDesign) -> None:
    """The written list, checked by the list check, must meet every level with no measure
    below its floor and cost what the design says; otherwise the design is a defect."""
    for lv, p, c, cost in zip(design.check.levels, design.problem.problems, design.result.choices,
                              design.result.level_costs):
        if lv.short or lv.below_floor:
            raise OptimizationError(f"the designed list fails the list check at {lv.level.value} (a defect)")
        if abs(lv.lost_value_yuan - cost) > 1e-6 * (1 + cost):
            raise OptimizationError(f"the designed list costs {lv.lost_value_yuan:.2f} at {lv.level.value} in the check, "
                                    f"{cost:.2f} in the design (a defect)")


# ----------------------------------------------------------------------------- measures as filed


@dataclass
class Written:
    """One (line, level) designed measure in the filed-measure columns."""

    action: str | None
    share: float | None = None
    hours: float | None = None
    truck_ban: bool | None = None
    text: str | None = None
    indicator: str | None = None
    why: str = ""


def _explicit(cut: float, can_stop: bool, max_cut: float, truck_ban: bool, text: str | None = None, *,
              normal_hours: float) -> Written:
    """A cut written as an explicit measure whose effect, through ``output_cuts``, is ``cut``:
    none; stop (or slow down, where the line cannot stop) at its deepest cut; a coking-time
    extension past the slow-down (only a coking floor opens such cuts: 1 − t/t' = cut);
    otherwise a cut to that share."""
    if cut <= _TOL:
        return Written(_NONE, truck_ban=truck_ban, text=text or "无强制停限产措施")
    if cut > max_cut + 1e-9:
        hours = normal_hours / (1.0 - cut)
        m = Measure(action=Action.COKING_TIME_EXTENSION, hours=hours, truck_ban=truck_ban)
        return Written(m.action.value, hours=hours, truck_ban=truck_ban, text=text or f"结焦时间延长至{hours:.10g}小时")
    if cut >= max_cut - 1e-9:
        action = Action.STOP if can_stop else Action.SLOW_DOWN
        m = Measure(action=action, truck_ban=truck_ban)
        return Written(action.value, truck_ban=truck_ban, text=text or m.describe_zh())
    m = Measure(action=Action.CUT_OUTPUT, share=float(cut), truck_ban=truck_ban)
    return Written(_CUT, share=m.share, truck_ban=truck_ban, text=text or f"限产{pct(cut)}")


def pct(share: float) -> str:
    """A share as the published text gives it, exact enough to read back as the same share
    (the import warns where a text reads as another measure than the structured columns):
    30%, or 44.44444444% for a share that is not a whole percent."""
    whole = round(share * 100)
    return f"{whole}%" if abs(share * 100 - whole) < 1e-7 else f"{share * 100:.10g}%"


@lru_cache(maxsize=4096)
def _describe(m: Measure) -> str:
    """A measure's text, once per distinct measure (a list repeats a few table measures)."""
    return m.describe_zh()


@lru_cache(maxsize=4096)
def _fields(m: Measure) -> tuple:
    return m.action.value, m.share, m.hours, m.truck_ban, _describe(m), m.action in _STOP_ACTIONS


def _from_measure(m: Measure) -> Written:
    return Written(*_fields(m)[:5])


@lru_cache(maxsize=4096)
def _floor_why(source: str) -> str:
    return WHY_ZH["floor"].format(source=source)


def designed_measures(policy: Policy, basis: DesignBasis, problem: DesignProblem, result: DesignResult) -> list[list[Written]]:
    """Per level, per line: the measure to write (see :class:`Written`), with its why."""
    L = len(basis.line_ids)
    V = len(basis.levels)
    filed = [filed_at_lines(basis, b.level) for b in basis.bases]
    cuts = problem.cut(result.choices)
    quiet = np.logical_and.reduce([b.spared & ~b.filed_has for b in basis.bases])
    out: list[list[Written]] = [[None] * L for _ in range(V)]  # type: ignore[list-item]
    # kept stop_share_of_lines: verbatim only where every line of the firm's process that filed it is kept
    for i, b in enumerate(basis.bases):
        f = filed[i]
        share_group = _share_groups_kept(basis, b, f)
        duals = result.info.get("duals", [None] * V)[i]
        p = problem.problems[i]
        for l in range(L):
            cut = float(cuts[i, l])
            if b.spared[l]:
                if quiet[l]:
                    w = Written(None)  # spared at every level and filed nothing: left blank, as filed
                elif b.filed_has[l] and b.filed_cut[l] <= _TOL and f["action"][l] not in (None, ""):
                    w = _filed_written(f, l)  # a filed measure without effect (own measures) is left as filed
                elif b.own_measures[l]:
                    w = Written(_OWN, truck_ban=False, text="自主减排")
                else:
                    w = Written(_NONE, truck_ban=False, text=f"豁免：{b.spared_reason[l] or '按豁免规定'}")
                w.why = WHY_ZH["spared"].format(reason=b.spared_reason[l] or "")
            elif cut <= b.base[l] + _TOL:
                w = _base_written(basis, i, l, filed, share_group)
            elif i > 0 and cut <= cuts[i - 1, l] + _TOL and cuts[i - 1, l] > b.base[l] + _TOL:
                w = _explicit(cut, bool(b.can_stop[l]), float(b.max_cut[l]), _truck(basis, i, l), normal_hours=basis.coking_hours)
                w.why = WHY_ZH["nested"].format(lower=LEVEL_LABELS_ZH[basis.levels[i - 1]])
            else:
                w = _explicit(cut, bool(b.can_stop[l]), float(b.max_cut[l]), _truck(basis, i, l), normal_hours=basis.coking_hours)
                w.why = _deeper_why(basis, i, l, p, duals, w.text)
            if w.action is not None and w.indicator is None:
                w.indicator = f["indicator"][l] or DEFAULT_INDICATOR
            if w.action == _TRUCK:
                w.truck_ban = True  # the import refuses a truck-ban measure whose ban column says 否
            needs_truck = b.truck_ban[l] or (i > 0 and _bans_trucks(out[i - 1][l]))
            if not b.spared[l] and needs_truck and not _bans_trucks(w) and cut < 1.0 - 1e-9:
                # a truck ban of the floor, or of the level below, is kept (a full stop keeps the trucks out)
                w.truck_ban = True
                if w.text and "货车" not in w.text:
                    w.text = f"{w.text}，禁用国四及以下重型柴油货车运输"
                if w.why == WHY_ZH["kept"]:
                    w.why = WHY_ZH["kept_truck"]
            out[i][l] = w
    return out


def _bans_trucks(w: Written) -> bool:
    return bool(w.truck_ban) or w.action == _TRUCK


def _truck(basis: DesignBasis, i: int, l: int) -> bool:
    """A deeper measure keeps the floors' truck ban (at this level and below)."""
    return bool(basis.bases[i].truck_ban[l])


def _deeper_why(basis: DesignBasis, i: int, l: int, p: MeasureProblem, duals, text: str) -> str:
    if duals is None:
        return "加严：满足减排目标的最低损失选择"
    emis = p.reduction[p.line_start[l + 1] - 1] / max(p.output_cut[p.line_start[l + 1] - 1], 1e-12)
    value = basis.lines.value[l]
    areas = p.incidence.areas_of(l)
    best, rows = 0.0, []
    for a in areas.tolist():
        for k in range(len(p.pollutants)):
            if duals[a, k] > 1e-12 and emis[k] > 0:
                rows.append((duals[a, k] * emis[k], a, k))
    if not rows:
        return "加严：满足减排目标的最低损失选择"
    rows.sort(reverse=True)
    _, a, k = rows[0]
    price = duals[a, k] / max(basis.weights[i], 1e-12)
    return WHY_ZH["deeper"].format(measure=text, level=LEVEL_LABELS_ZH[basis.levels[i]],
                                   rows=f"{p.area_names[a]}{p.pollutants[k]}", own=value / emis[k], price=price)


def filed_at_lines(basis: DesignBasis, level: WarningLevel) -> dict[str, list]:
    """The filed columns of the scope's lines at ``level``, as filed."""
    return basis.filed[level]


def _filed_written(f: dict[str, list], l: int, why: str = "") -> Written:
    return Written(f["action"][l], f["share"][l], f["hours"][l], f["truck_ban"][l], f["text"][l], f["indicator"][l], why)


def _share_groups_kept(basis: DesignBasis, b: LevelBasis, f: dict[str, list]) -> np.ndarray:
    """(L,) bool: a kept ``stop_share_of_lines`` whose every co-filer (same firm and process,
    same measure at the level) is kept too — written verbatim; otherwise resolved per line."""
    act = np.array([a or "" for a in f["action"]], dtype=object)
    share = act == _SHARE
    ok = np.zeros(len(act), dtype=bool)
    if not share.any():
        return ok
    ent, proc = basis.scope.enterprise, basis.lines.process
    groups: dict[tuple, list[int]] = {}
    for l in np.nonzero(share)[0].tolist():
        groups.setdefault((int(ent[l]), proc[l]), []).append(l)
    for members in groups.values():
        if all(b.kept[m] for m in members):
            ok[members] = True
    return ok


def _base_written(basis: DesignBasis, i: int, l: int, filed, share_group) -> Written:
    """The base of line l at level i as filed: the kept filed measure, the floor, or what a lower level carried up."""
    src = int(basis.bases[i].base_level[l])
    b = basis.bases[src]
    note = ""  # how a resolved "stop a share of lines" falls on this line
    if b.kept[l]:
        f = filed[src]
        if f["action"][l] == _SHARE and (src != i or not share_group[l]):
            w = _explicit(float(b.base[l]), bool(b.can_stop[l]), float(b.max_cut[l]), bool(f["truck_ban"][l]),
                          normal_hours=basis.coking_hours)
            w.indicator = f["indicator"][l]
            note = f"（{f['text'][l] or '停产部分生产线'}：本线{'停产' if b.base[l] > _TOL else '不停产'}）"
        else:
            w = _filed_written(f, l)
        why = WHY_ZH["kept"]
    elif b.at_load[l]:
        w = _explicit(float(b.base[l]), bool(b.can_stop[l]), float(b.max_cut[l]), False,
                      f"按核定负荷生产（减产{pct(float(b.base[l]))}）", normal_hours=basis.coking_hours)
        why = WHY_ZH["at_load"].format(source=b.floor_source[l])
    else:
        m = b.floor_measure[l]
        if m.action is Action.STOP_SHARE_OF_LINES or (not b.can_stop[l] and _fields(m)[5]):
            # resolved per line: a share of lines depends on who else files it; a line that
            # cannot stop files the slow-down its "stop" means
            w = _explicit(float(b.base[l]), bool(b.can_stop[l]), float(b.max_cut[l]), m.truck_ban,
                          normal_hours=basis.coking_hours)
            if m.action is Action.STOP_SHARE_OF_LINES:
                note = f"（{_describe(m)}：本线{'停产' if b.base[l] > _TOL else '不停产'}）"
        else:
            w = _from_measure(m)
        why = _floor_why(b.floor_source[l])
    if src != i:
        why = WHY_ZH["carried"].format(lower=LEVEL_LABELS_ZH[basis.levels[src]])
    w.why = why + note
    return w


# ----------------------------------------------------------------------------- the list with the design


def designed_tables(tables: RegistryTables, basis: DesignBasis, measures: list[list[Written]]) -> RegistryTables:
    """``tables`` with every line's filed-measure columns set to the design (enterprise-level
    measures cleared: each line carries its own, so the file says what each line does)."""
    n_lines = len(tables.lines["uscc"])
    lines = dict(tables.lines)
    ents = dict(tables.enterprises)
    n_ent = len(ents["uscc"])
    for lv in LEVELS:
        for f in FIELDS:
            ents[column(lv, f)] = [None] * n_ent
            lines[column(lv, f)] = list(tables.lines.get(column(lv, f)) or [None] * n_lines)
        lines[column(lv, INHERITED)] = [False] * n_lines
    rows = basis.scope.line_index.tolist()
    for b, per_line in zip(basis.bases, measures):
        cols = {f: lines[column(b.level, f)] for f in FIELDS}
        for r, w in zip(rows, per_line):
            cols["action"][r] = w.action
            cols["share"][r] = w.share
            cols["hours"][r] = w.hours
            cols["truck_ban"][r] = None if w.action is None else bool(w.truck_ban)
            cols["text"][r] = w.text
            cols["indicator"][r] = w.indicator if w.action is not None else None
    version = dict(tables.version)
    return RegistryTables(version=version, areas=tables.areas, enterprises=ents, lines=lines)


def explain(tables: RegistryTables, basis: DesignBasis, problem: DesignProblem, result: DesignResult,
            measures: list[list[Written]]) -> list[LineDesign]:
    """Per line and level: filed, designed, changed, why (a changed row also says what was wrong with the filed one)."""
    ents = tables.enterprises
    out = []
    cuts = problem.cut(result.choices)
    for i, b in enumerate(basis.bases):
        f = filed_at_lines(basis, b.level)
        for l in range(len(basis.line_ids)):
            w = measures[i][l]
            e = int(basis.scope.enterprise[l])
            filed_text = _text(f["action"][l], f["text"][l])
            designed_text = _text(w.action, w.text)
            changed = (f["action"][l] or None, _num(f["share"][l]), _num(f["hours"][l]), f["text"][l] or None,
                       bool(f["truck_ban"][l]) or f["action"][l] == _TRUCK) != \
                      (w.action, _num(w.share), _num(w.hours), w.text or None, _bans_trucks(w))
            why = w.why
            if changed and b.filed_problem[l]:
                why = f"{FILED_WHY_ZH[b.filed_problem[l]]}；{why}"
            out.append(LineDesign(ents["uscc"][e], ents["name"][e], ents["county"][e], str(basis.line_ids[l]), b.level,
                                  filed_text, designed_text, float(cuts[i, l]), why, changed))
    return out


def _num(x):
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else round(float(x), 6)


def _text(action, text) -> str:
    if not action:
        return ""
    if text:
        return str(text)
    try:
        return Action(action).value
    except ValueError:
        return str(action)

