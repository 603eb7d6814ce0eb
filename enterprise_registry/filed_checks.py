"""Checks of the filed measures against policy, at import (清单措施审核).

Run on a list whose cells already passed (:mod:`enterprise_registry.validation`), over
the lines with a filed measure at all three levels (the 企业 sheet's measures given to
its lines). What a measure does to a line is config.measures' one implementation
(:func:`~config.measures.output_cuts`, :func:`~config.measures.emission_cuts`): a share
of output and of each pollutant's emissions, a stop on a line that cannot stop being a
slow-down, ``stop_share_of_lines`` stopping the firm's largest emitters of the process.

Rules (``ε`` = 1e-9; a ``group`` is one line, or — where ``stop_share_of_lines`` is one
of the two measures compared — all the firm's lines of that process, compared by their
emission-weighted sums per pollutant, since which lines stop is not fixed per line):

1. **Nested** (DOMAIN §7: red includes orange includes yellow), for (yellow, orange) and
   (orange, red), every group and pollutant p with emissions:
   ``Σ cut_hi[l,p]·e[l,p] ≥ Σ cut_lo[l,p]·e[l,p] − ε``; and a truck ban at the lower
   level is kept at the higher one (a full stop, cut 1, keeps the trucks out too: the
   guide's cement C row is yellow "stop 50 % of lines + truck ban", orange "stop").
   Error, at the higher level's 预警措施 cell.
2. **Spared firms, as the rules allow** (policy ``sparing``, first matching rule per
   line and level):
   - ``own_measures`` (A, A+, 引领性): any measure is allowed — one with an effect is
     the firm's own choice: a warning says so;
   - ``exempt`` (and ``exempt_at_levels`` at its levels): no measure with an effect
     (不搞一刀切): error;
   - ``approved_load`` (民生保障, 军工/出口): cut ≤ 1 − approved load (never a full stop
     below the approved load): error; a cut below it is rule 3's shortfall;
   - ``slow_down_only`` (安全生产不可中断): no stop of any kind, no cut beyond the
     minimum load: error.
3. **Not weaker than the floor** for the firm's grade (``policy.floor``; for
   ``approved_load`` the cut to the approved load; for ``slow_down_only`` the floor
   taken as a slow-down), every group and pollutant with emissions:
   ``Σ filed·e ≥ Σ floor·e − ε``, and the floor's truck ban kept (or a full stop). An error where
   ``[listing] floor`` is ``binding`` (``unconfirmed_floor`` for floors tagged
   to_verify), a warning where it is ``advisory``.
4. A stop filed for a line that cannot stop (可中断 = 否) counts as a slow-down: a warning.

Problems are located at the 预警措施 cell of the level: the 生产线 row, or the 企业 row
when the measure is the enterprise's (filed_<level>_inherited).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from pydantic import ValidationError

from config.listing import FloorMode
from config.measures import Action, LineFacts, Measure, MeasureArrays, emission_cuts, output_cuts
from config.policy import Policy, SparingEffect
from emergency.errors import PolicyError
from emergency.vocabulary import LEVEL_LABELS_ZH, LEVELS, POLLUTANT_LABELS_ZH, POLLUTANTS, WarningLevel
from enterprise_registry import filed
from enterprise_registry.cells import Problem
from enterprise_registry.columns import RegistryTables
from enterprise_registry.measure_text import describe

EPS = 1e-9
# (line index, level) -> (sheet label, row number, column header) of the measure's cell
Where = Callable[[int, WarningLevel], tuple[str, int | None, str]]
_EMISSION_KEYS = ("so2_kg", "nox_kg", "pm_kg", "vocs_kg")
_STOPS = {Action.STOP.value, Action.STOP_KEEP_WARM.value, Action.STOP_SHARE_OF_LINES.value}
_SHARE_LINES = Action.STOP_SHARE_OF_LINES.value


@dataclass
class FiledChecks:
    """Errors (refuse the list) and warnings (reported, the list is imported)."""

    errors: list[Problem]
    warnings: list[Problem]


def _pct(x: float) -> str:
    return f"{round(float(x) * 100, 1):g}%"


@dataclass
class _Lines:
    """Per-line facts of the lines checked (all arrays over tables.lines rows)."""

    usable: np.ndarray  # (L,) bool: measures at every level and every fact known
    ent: np.ndarray  # (L,) int enterprise row (−1 unknown)
    industry: np.ndarray
    grade: np.ndarray
    essential: np.ndarray
    small: np.ndarray
    approved_load: np.ndarray  # (L,) float, NaN when none
    process: np.ndarray
    interruptible: np.ndarray
    min_load: np.ndarray
    capacity: np.ndarray
    emission: np.ndarray  # (L, P) kg/day
    weight: np.ndarray  # (L, P) comparison weights: emissions, or capacity for a line emitting nothing listed

    @classmethod
    def of(cls, tables: RegistryTables) -> "_Lines":
        ents, lines = tables.enterprises, tables.lines
        L = tables.n_rows("lines")
        row_of = {u: i for i, u in enumerate(ents["uscc"]) if u is not None}
        ent = np.array([row_of.get(u, -1) for u in lines["uscc"]], dtype=np.int64)

        def by_ent(key: str, default=None) -> np.ndarray:
            col = ents.get(key) or [default] * len(ents["uscc"])
            return np.array([col[e] if e >= 0 else None for e in ent], dtype=object)

        def num(values) -> np.ndarray:
            return np.array([np.nan if v is None else float(v) for v in values], dtype=float)

        emission = np.column_stack([num(lines[k]) for k in _EMISSION_KEYS]) if L else np.zeros((0, len(POLLUTANTS)))
        capacity = num(lines["capacity_basis"])
        interruptible = np.array([v for v in lines["interruptible"]], dtype=object)
        min_load = num(lines["min_load"])
        facts = [by_ent("industry"), by_ent("grade"), by_ent("essential_category"), lines["process"]]
        usable = (ent >= 0) & ~np.isnan(min_load) & ~np.isnan(capacity) & ~np.isnan(emission).any(axis=1)
        usable &= np.array([v is not None for v in interruptible], dtype=bool)
        for col in facts:
            usable &= np.array([v is not None for v in col], dtype=bool)
        for level in LEVELS:
            usable &= np.array([a is not None for a in lines[filed.column(level, "action")]], dtype=bool)
        emission = np.nan_to_num(emission)
        weight = np.where(emission.sum(axis=1, keepdims=True) > 0, emission, np.nan_to_num(capacity)[:, None])
        return cls(
            usable=usable, ent=ent, industry=facts[0], grade=facts[1], essential=facts[2],
            small=np.array([bool(v) for v in by_ent("small_micro", False)], dtype=bool),
            approved_load=num(by_ent("essential_approved_load")), process=np.asarray(lines["process"], dtype=object),
            interruptible=np.array([bool(v) for v in interruptible], dtype=bool), min_load=np.nan_to_num(min_load),
            capacity=np.nan_to_num(capacity), emission=emission, weight=weight,
        )

    def facts(self, can_stop: np.ndarray) -> LineFacts:
        return LineFacts(can_stop, self.min_load, self.ent, self.process.astype(str), self.capacity,
                         self.emission.sum(axis=1))


@dataclass
class _Effects:
    """Measures of one kind (filed or floor) at one level, and what they do per line."""

    measures: list[Measure | None]  # per line (None: nothing to compare)
    action: np.ndarray  # (L,) object: action value or ""
    truck: np.ndarray  # (L,) bool
    cut: np.ndarray  # (L,) output cut
    em: np.ndarray  # (L, P) emission cut


def _effects(measures: list[Measure | None], truck: np.ndarray, facts: LineFacts, normal: float) -> _Effects:
    index: dict[int, int] = {}
    kinds: list[Measure] = []
    none = Measure(action=Action.NONE)
    distinct = []
    for m in measures:
        m = none if m is None else m
        if id(m) not in index:
            index[id(m)] = len(kinds)
            kinds.append(m)
        distinct.append(index[id(m)])
    arrays = MeasureArrays.of(kinds).take(np.asarray(distinct, dtype=np.int64))
    cut = output_cuts(arrays, facts, normal) if measures else np.zeros(0)
    em = emission_cuts(arrays, cut) if measures else np.zeros((0, len(POLLUTANTS)))
    codes = np.array([m.action.value for m in kinds] + [""], dtype=object)
    missing = np.array([m is None for m in measures], dtype=bool)
    action = codes[np.where(missing, len(kinds), np.asarray(distinct, dtype=np.int64))] if measures else codes[:0]
    return _Effects(measures, action, truck, cut, em)


def _filed_measures(tables: RegistryTables, level: WarningLevel, usable: np.ndarray) -> tuple[list, np.ndarray]:
    lines = tables.lines
    col = {f: lines[filed.column(level, f)] for f in ("action", "share", "hours", "truck_ban")}
    cache: dict = {}
    out: list[Measure | None] = []
    for j, ok in enumerate(usable.tolist()):
        if not ok:
            out.append(None)
            continue
        key = (col["action"][j], col["share"][j], col["hours"][j])
        if key not in cache:
            try:
                cache[key] = Measure(action=key[0], share=key[1], hours=key[2])
            except ValidationError:  # a cell error already reported (e.g. 限产 without a share)
                cache[key] = None
        if cache[key] is None:
            usable[j] = False
        out.append(cache[key])
    return out, np.array([bool(v) for v in col["truck_ban"]], dtype=bool)


def _groups(lines: _Lines, have: _Effects, need: _Effects) -> np.ndarray:
    """(L,) group id: the line itself, or its firm's lines of the process where either
    side stops a share of lines."""
    L = len(lines.ent)
    gid = np.arange(L, dtype=np.int64)
    shared = (have.action == _SHARE_LINES) | (need.action == _SHARE_LINES)
    if not shared.any():
        return gid
    keys = list(zip(lines.ent.tolist(), lines.process.tolist()))
    grouped = {keys[j] for j in np.nonzero(shared)[0].tolist()}
    index: dict = {}
    for j, key in enumerate(keys):
        if key in grouped:
            gid[j] = L + index.setdefault(key, len(index))
    return gid


def _shortfall(lines: _Lines, have: _Effects, need: _Effects, mask: np.ndarray) -> dict[int, tuple]:
    """Groups where ``have`` cuts less than ``need`` for some pollutant: first line ->
    (short pollutants, have cut, need cut, grouped) (weighted average cuts of the group)."""
    gid = _groups(lines, have, need)
    rows = np.nonzero(mask)[0]
    if not len(rows):
        return {}
    g = gid[rows]
    uniq, inv = np.unique(g, return_inverse=True)
    w = lines.weight[rows]
    W = np.zeros((len(uniq), w.shape[1]))
    H, N = np.zeros_like(W), np.zeros_like(W)
    np.add.at(W, inv, w)
    np.add.at(H, inv, have.em[rows] * w)
    np.add.at(N, inv, need.em[rows] * w)
    with np.errstate(invalid="ignore", divide="ignore"):
        h, n = H / W, N / W
    short = (W > 0) & (h < n - EPS)
    first = np.full(len(uniq), -1)
    for k, j in zip(inv[::-1].tolist(), rows[::-1].tolist()):
        first[k] = j
    out = {}
    for k in np.nonzero(short.any(axis=1))[0].tolist():
        p = np.nonzero(short[k])[0]
        out[int(first[k])] = ([POLLUTANTS[i] for i in p.tolist()], float(h[k, p].min()), float(n[k, p].max()),
                              bool(uniq[k] >= len(lines.ent)), bool(short[k].sum() < (W[k] > 0).sum()))
    return out


def _said(have: _Effects, j: int, text: list) -> str:
    m = have.measures[j]
    shown = describe(m.action.value, m.share, m.hours, bool(have.truck[j])) if m is not None else "未填写"
    return f"“{text[j]}”" if text[j] and text[j] != shown else f"“{shown}”"


def _cut_words(short, have_cut, need_cut, grouped, partial, process_zh) -> str:
    who = f"（该企业“{process_zh}”各生产线合计）" if grouped else ""
    which = f"（{'、'.join(POLLUTANT_LABELS_ZH[p] for p in short)}）" if partial else ""
    return f"削减{_pct(have_cut)}{which}，低于{_pct(need_cut)}{who}"


class _Report:
    def __init__(self, where: Where):
        self.where = where
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self._seen: set = set()

    def add(self, j: int, level: WarningLevel, value, reason: str, error: bool = True) -> None:
        sheet, row, column = self.where(j, level)
        key = (sheet, row, column, reason)
        if key in self._seen:
            return
        self._seen.add(key)
        (self.errors if error else self.warnings).append(Problem(sheet, row, column, value, reason))


def check_filed(tables: RegistryTables, policy: Policy, where: Where, process_names: dict | None = None) -> FiledChecks:
    """Every rule of the module docstring on ``tables`` (a checked list with filed measures)."""
    report = _Report(where)
    if not (filed.has_filed(tables.lines) and tables.n_rows("lines")):
        return FiledChecks([], [])
    lines = _Lines.of(tables)
    normal = policy.coking.normal_hours
    names = process_names or {}
    texts = {lv: tables.lines[filed.column(lv, "text")] for lv in LEVELS}
    filed_at: dict[WarningLevel, _Effects] = {}
    sparing = {level: _sparing(policy, lines, level) for level in LEVELS}
    for level in LEVELS:
        measures, truck = _filed_measures(tables, level, lines.usable)
        filed_at[level] = _effects(measures, truck, lines.facts(lines.interruptible & sparing[level][1]), normal)
    _check_nesting(lines, filed_at, texts, names, report)
    for level in LEVELS:
        _check_level(policy, lines, level, sparing[level], filed_at[level], texts[level], names, report)
    return FiledChecks(report.errors, report.warnings)


def _rules(policy: Policy, lines: _Lines, level: WarningLevel) -> list:
    cache: dict = {}
    rule_for = policy.sparing.rule_for
    out = []
    for ok, key in zip(lines.usable.tolist(), zip(lines.grade.tolist(), lines.essential.tolist(), lines.small.tolist(),
                                                 lines.process.tolist())):
        if not ok:
            out.append(None)
            continue
        rule = cache.get(key, cache)
        if rule is cache:
            rule = cache[key] = rule_for(*key, level)
        out.append(rule)
    return out


def _sparing(policy: Policy, lines: _Lines, level: WarningLevel) -> tuple[list, np.ndarray]:
    """(rule per line, (L,) bool: the line may stop as far as sparing goes)."""
    rules = _rules(policy, lines, level)
    may_stop = np.array([r is None or r.effect is not SparingEffect.SLOW_DOWN_ONLY for r in rules], dtype=bool)
    return rules, may_stop


def _bans_trucks(at: _Effects) -> np.ndarray:
    """(L,) the measure keeps 国四-or-older heavy trucks out: it says so, or the line stops
    outright (nothing is produced to haul: the guide's cement C row is yellow "stop 50 %
    of lines + truck ban", orange "stop")."""
    return at.truck | (at.cut >= 1.0 - EPS)


def _check_nesting(lines: _Lines, at: dict[WarningLevel, _Effects], texts: dict, names: dict, report: _Report) -> None:
    for lo, hi in zip(LEVELS, LEVELS[1:]):
        lo_zh, hi_zh = LEVEL_LABELS_ZH[lo], LEVEL_LABELS_ZH[hi]
        for j, (short, h, n, grouped, partial) in _shortfall(lines, at[hi], at[lo], lines.usable).items():
            words = _cut_words(short, h, n, grouped, partial, names.get(lines.process[j], lines.process[j]))
            report.add(j, hi, texts[hi][j], (
                f"{hi_zh}预警措施{_said(at[hi], j, texts[hi])}弱于{lo_zh}预警措施{_said(at[lo], j, texts[lo])}"
                f"（{words}）：措施应逐级加严（红色包含橙色，橙色包含黄色）"))
        for j in np.nonzero(lines.usable & at[lo].truck & ~_bans_trucks(at[hi]))[0].tolist():
            report.add(j, hi, texts[hi][j], (
                f"{lo_zh}预警禁用国四及以下货车，{hi_zh}预警措施{_said(at[hi], j, texts[hi])}未禁用："
                "措施应逐级加严（红色包含橙色，橙色包含黄色）"))


def _check_level(policy: Policy, lines: _Lines, level: WarningLevel, sparing: tuple[list, np.ndarray],
                 have: _Effects, text: list, names: dict, report: _Report) -> None:
    zh = LEVEL_LABELS_ZH[level]
    rules, may_stop = sparing
    effect = np.array(["" if r is None else r.effect.value for r in rules], dtype=object)
    ok = lines.usable
    has_effect = have.cut > EPS
    # 2. spared firms
    for j in np.nonzero(ok & (effect == SparingEffect.OWN_MEASURES.value) & has_effect)[0].tolist():
        report.add(j, level, text[j], (
            f"{rules[j].reason_zh}：所填{zh}预警措施{_said(have, j, text)}视为企业自愿采取的措施，不是强制要求"), error=False)
    exempt = (effect == SparingEffect.EXEMPT.value) | (effect == SparingEffect.EXEMPT_AT_LEVELS.value)
    for j in np.nonzero(ok & exempt & has_effect)[0].tolist():
        report.add(j, level, text[j], (
            f"{rules[j].reason_zh}（{rules[j].source}）：{zh}预警不应填写停限产措施{_said(have, j, text)}"))
    at_load = ok & (effect == SparingEffect.APPROVED_LOAD.value)
    max_cut = np.where(lines.interruptible & may_stop, 1.0, np.clip(1.0 - lines.min_load, 0.0, 1.0))
    # a coke oven slows down by a longer coking time, not to its minimum load: the cut of a
    # coking-time extension (filed, or the grade floor's) is within reach, as the builder has it
    max_cut = np.maximum(max_cut, np.where(have.action == Action.COKING_TIME_EXTENSION.value, have.cut, 0.0))
    max_cut = np.maximum(max_cut, _coking_floor_cut(policy, lines, level, ok))
    load_cut = np.minimum(np.clip(1.0 - np.nan_to_num(lines.approved_load, nan=1.0), 0.0, 1.0), max_cut)
    for j in np.nonzero(at_load & (have.cut > load_cut + EPS))[0].tolist():
        report.add(j, level, text[j], (
            f"{rules[j].reason_zh}：核定负荷{_pct(1 - load_cut[j])}，{zh}预警措施{_said(have, j, text)}使负荷降至"
            f"{_pct(1 - have.cut[j])}，低于核定负荷（不得停产或压减到核定负荷以下）"))
    slow_only = ok & ~may_stop
    for j in np.nonzero(slow_only & (np.isin(have.action, list(_STOPS)) | (have.cut > max_cut + EPS)))[0].tolist():
        report.add(j, level, text[j], (
            f"{rules[j].reason_zh}：{zh}预警措施{_said(have, j, text)}不可行，只能降至最低负荷"
            f"（最低负荷{_pct(lines.min_load[j])}，最多削减{_pct(max_cut[j])}）"))
    # 4. a stop on a line that cannot stop
    cannot = ok & may_stop & ~lines.interruptible & np.isin(have.action, list(_STOPS))
    for j in np.nonzero(cannot)[0].tolist():
        report.add(j, level, text[j], (
            f"该生产线不可中断（可中断=否），{zh}预警措施{_said(have, j, text)}按降至最低负荷计"
            f"（削减{_pct(have.cut[j])}）"), error=False)
    # 3. floors
    checked = ok & ~exempt & (effect != SparingEffect.OWN_MEASURES.value)
    floors, required, modes = _floors(policy, lines, level, checked, at_load, load_cut, rules)
    need = _effects(floors, np.array([m is not None and m.truck_ban for m in floors], dtype=bool),
                    lines.facts(lines.interruptible & may_stop), policy.coking.normal_hours)
    need.cut[at_load], need.em[at_load] = load_cut[at_load], np.repeat(load_cut[at_load, None], len(POLLUTANTS), axis=1)
    checked &= np.array([m is not None for m in floors], dtype=bool)
    for j, (short, h, n, grouped, partial) in _shortfall(lines, have, need, checked).items():
        words = _cut_words(short, h, n, grouped, partial, names.get(lines.process[j], lines.process[j]))
        _floor_problem(report, j, level, text, have, required[j], modes[j], words)
    for j in np.nonzero(checked & ~at_load & need.truck & ~_bans_trucks(have))[0].tolist():
        _floor_problem(report, j, level, text, have, required[j], modes[j], "未禁用国四及以下货车")


def _coking_floor_cut(policy: Policy, lines: _Lines, level: WarningLevel, ok: np.ndarray) -> np.ndarray:
    """(L,) the output cut of the grade floor where it is a coking-time extension, else 0
    (t → t' cuts output by 1 − t/t', ``policy.coking.normal_hours`` the normal time)."""
    out = np.zeros(len(lines.ent))
    cache: dict = {}
    for j in np.nonzero(ok)[0].tolist():
        key = (lines.industry[j], lines.process[j], lines.grade[j])
        if key not in cache:
            try:
                measure, _ = policy.floor(*key, level)
            except (PolicyError, ValueError):
                measure = None
            hours = measure.hours if measure is not None and measure.action is Action.COKING_TIME_EXTENSION else None
            cache[key] = max(0.0, 1.0 - policy.coking.normal_hours / hours) if hours else 0.0
        out[j] = cache[key]
    return out


def _floors(policy: Policy, lines: _Lines, level: WarningLevel, checked: np.ndarray, at_load: np.ndarray,
            load_cut: np.ndarray, rules: list) -> tuple[list, list, list]:
    """The floor measure, what it is called and how a shortfall is reported, per line
    (None where no floor is checked)."""
    cache: dict = {}
    floors, required, modes = [], [], []
    for j in range(len(lines.ent)):
        if not checked[j]:
            floors.append(None), required.append(None), modes.append(None)
            continue
        if at_load[j]:
            rule = rules[j]
            floors.append(Measure(action=Action.CUT_OUTPUT, share=float(load_cut[j])))
            required.append(f"按核定负荷{_pct(1 - load_cut[j])}生产（{rule.reason_zh}；{rule.source}）")
            modes.append(policy.listing.floor_mode(rule.confidence))
            continue
        key = (lines.industry[j], lines.process[j], lines.grade[j])
        if key not in cache:
            try:
                measure, source = policy.floor(*key, level)
                mode = policy.listing.floor_mode(policy.confidence_of(*key, level))
                cache[key] = (measure, f"绩效分级最低要求“{measure.describe_zh()}”（{source}）", mode)
            except (PolicyError, ValueError):  # an industry / grade the cell checks already refused
                cache[key] = (None, None, None)
        measure, words, mode = cache[key]
        floors.append(measure), required.append(words), modes.append(mode)
    return floors, required, modes


def _floor_problem(report: _Report, j: int, level: WarningLevel, text: list, have: _Effects, required: str,
                   mode: FloorMode, words: str) -> None:
    zh = LEVEL_LABELS_ZH[level]
    advisory = mode is FloorMode.ADVISORY
    tail = "；按政策该要求为提示（[listing] floor = advisory，或该值待核实），不影响导入" if advisory else ""
    report.add(j, level, text[j], f"{zh}预警措施{_said(have, j, text)}弱于{required}：{words}{tail}", error=not advisory)
