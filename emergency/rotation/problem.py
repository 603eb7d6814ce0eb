"""The frozen rotation problem: arrays by line and by (line, day), built by one function.

:func:`build_problem` reads a list (``RegistryTables``, column-wise), the rules, the
season and the optional overlays (warnings in effect, the past to freeze, holidays,
firms' requests) and returns a :class:`RotationProblem`. The model code reads only
this object; it never sees a database or a policy file.

Roles of a line of an industry in rotation:

- ``EXEMPT``: never scheduled (an exempt grade of the area or of the industry, an
  exempt essential category, a filed ultra-low emission retrofit, livelihood lines
  where the policy exempts them, or a grade without stop days), with the reason in
  Chinese. An uninterruptible process is NOT exempt by that fact: rotation exists
  for lines that cannot stop at short notice (seed 001 (六), seed 002 item 12);
- ``WHOLE``: stops the whole window (grade D: ``stop_days = "whole"``), whatever
  its process;
- ``ROTATE``: stops ``quota`` days of the window in blocks of at least
  ``min_block_days`` (B, B-, C, 非引领性, 一厂一策 …);
- ``LIVELIHOOD``: a livelihood (保民生) line that runs through the window at its
  verified maximum load and owes ``makeup_days`` stop days after it (Shanxi: 70 % of
  the days it skipped), or whose stop days move out of the window (错峰置换).

Groups: for each area of ``rules.spread_areas`` (and of ``rules.share_areas`` when a
hard band is in force) — the city, each county — and each industry, the lines of
that industry in the area. The daily share of a group is its stopped capacity
(capacity basis of the lines stopped that day) over its capacity (every in-scope line
of the industry in the area, exempt ones included). ``Group.banded``: the hard band
binds the group (band in force, its area in ``share_areas``, enough non-exempt lines).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import IntEnum

import numpy as np

from emergency.errors import OptimizationError
from emergency.rotation.rules import WHOLE, Holiday, Preference, Request, RotationRules
from enterprise_registry.columns import RegistryTables
from enterprise_registry.columns import make_line_id


class Role(IntEnum):
    EXEMPT = 0
    ROTATE = 1
    WHOLE = 2
    LIVELIHOOD = 3


ROLE_ZH = {Role.EXEMPT: "豁免", Role.ROTATE: "轮停", Role.WHOLE: "全时段停产", Role.LIVELIHOOD: "保民生"}


@dataclass(frozen=True)
class WarningStop:
    """A warning's measures that stop lines (output cut 100 %) on some days.

    ``cuts`` maps line id -> output cut (0–1) of the warning's measure for that line
    (a plan document's actions); ``labels`` its Chinese label. Lines cut by less than
    100 % keep running in the rotation calendar; the overlay shows the stricter of the two.
    """

    start: date
    end: date  # inclusive
    level: str
    cuts: dict[str, float]
    labels: dict[str, str] = field(default_factory=dict)
    name: str = ""

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class Group:
    """Lines of one industry in one area; daily share bounds apply to their stopped capacity."""

    area: str
    scope: str  # "city" or "county"
    industry: str
    unit: str  # capacity unit of every line of the group
    lines: np.ndarray  # indices into the problem's lines (the base of the share)
    capacity: float  # sum of the lines' capacity basis
    split_unit: bool = False  # the industry has lines in several units: the key names the unit
    banded: bool = False  # the hard daily band binds this group

    @property
    def key(self) -> str:
        return f"{self.area}/{self.industry}" + (f"[{self.unit}]" if self.split_unit else "")


@dataclass(frozen=True)
class PeriodRule:
    label: str
    days: np.ndarray  # bool (T,)
    min_days: np.ndarray  # int per line (0 for non-rotating lines)


@dataclass
class RotationProblem:
    season: str
    area: str  # policy area / city name, for documents
    rules: RotationRules
    days: tuple[date, ...]
    # lines (L)
    line_id: list[str]
    uscc: list[str]
    enterprise: list[str]
    line_name: list[str]
    county: list[str]
    industry: list[str]
    grade: list[str]
    capacity: np.ndarray  # float (L,)
    unit: list[str]
    role: np.ndarray  # int8 (L,) Role
    reason: list[str]  # why exempt / whole (Chinese), "" for rotating lines
    quota: np.ndarray  # int (L,): stop days required (rotating lines), after the yearly cap
    makeup_days: np.ndarray  # int (L,): stop days a livelihood line owes after the window
    max_load: np.ndarray  # float (L,): verified maximum load of a livelihood line (NaN: not given)
    deferred: np.ndarray  # int (L,): days deferred by the yearly cap
    # (line, day) masks (L, T)
    forced: np.ndarray  # bool: stopped by a warning (rotating lines only)
    counts: np.ndarray  # bool: a stop on this day counts toward the quota
    preference: np.ndarray  # int8: +1 the firm prefers to stop, -1 prefers to produce, 0 none
    frozen_days: int  # days [0, frozen_days) are the past: fixed to ``frozen``
    frozen: np.ndarray  # bool (L, frozen_days)
    groups: list[Group]
    periods: list[PeriodRule]
    warnings: list[WarningStop] = field(default_factory=list)
    warning_cut: np.ndarray | None = None  # float (L, T): warning measure's output cut, 0 if none
    registry_version: str | None = None
    registry_sha256: str | None = None
    notes: list[str] = field(default_factory=list)
    industry_zh: dict[str, str] = field(default_factory=dict)
    holidays: list[Holiday] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    counties: list[str] | None = None  # the county filter the problem was built with

    @property
    def n_lines(self) -> int:
        return len(self.line_id)

    @property
    def n_days(self) -> int:
        return len(self.days)

    @property
    def rotating(self) -> np.ndarray:
        return np.nonzero(self.role == Role.ROTATE)[0]

    def components(self) -> list[np.ndarray]:
        """Line indices of the independent parts of the problem: lines share a rule only
        within a group (one industry in one capacity unit), so each (industry, unit) is
        a part; a calendar is the union of the parts' calendars and the objective their
        sum. Lines in no group (no spread areas, no band) form one part."""
        key = [f"{i}\x1f{u}" for i, u in zip(self.industry, self.unit)]
        if not self.groups:
            return [np.arange(self.n_lines)] if self.n_lines else []
        parts: dict[str, list[int]] = {}
        for l, k in enumerate(key):
            parts.setdefault(k, []).append(l)
        return [np.asarray(v, dtype=np.int64) for _, v in sorted(parts.items())]

    def restrict(self, lines: np.ndarray, partial_groups: bool = False) -> "RotationProblem":
        """The sub-problem of ``lines`` (every group wholly inside them, re-indexed; a group
        only partly inside is an error, or left out with ``partial_groups``)."""
        idx = np.asarray(lines, dtype=np.int64)
        pos = np.full(self.n_lines, -1, dtype=np.int64)
        pos[idx] = np.arange(len(idx))
        pick = lambda xs: [xs[i] for i in idx.tolist()]  # noqa: E731
        groups = []
        for g in self.groups:
            where = pos[g.lines]
            if (where >= 0).all():
                groups.append(Group(g.area, g.scope, g.industry, g.unit, where, g.capacity, g.split_unit, g.banded))
            elif (where >= 0).any() and not partial_groups:
                raise ValueError(f"group {g.key} straddles the restriction")
        periods = [PeriodRule(per.label, per.days, per.min_days[idx]) for per in self.periods]
        return RotationProblem(
            season=self.season, area=self.area, rules=self.rules, days=self.days,
            line_id=pick(self.line_id), uscc=pick(self.uscc), enterprise=pick(self.enterprise),
            line_name=pick(self.line_name), county=pick(self.county), industry=pick(self.industry),
            grade=pick(self.grade), capacity=self.capacity[idx], unit=pick(self.unit), role=self.role[idx],
            reason=pick(self.reason), quota=self.quota[idx], makeup_days=self.makeup_days[idx],
            max_load=self.max_load[idx], deferred=self.deferred[idx], forced=self.forced[idx],
            counts=self.counts[idx], preference=self.preference[idx], frozen_days=self.frozen_days,
            frozen=self.frozen[idx], groups=groups, periods=periods, warnings=self.warnings,
            warning_cut=None if self.warning_cut is None else self.warning_cut[idx],
            registry_version=self.registry_version, registry_sha256=self.registry_sha256, notes=[],
            industry_zh=self.industry_zh, holidays=self.holidays, requests=self.requests, counties=self.counties,
        )

    def day_index(self, d: date) -> int:
        return (d - self.days[0]).days

    def fixed_stops(self) -> np.ndarray:
        """bool (L, T): stops the rules impose whatever the model does (whole-window, warnings, past)."""
        fx = np.zeros((self.n_lines, self.n_days), dtype=bool)
        fx[self.role == Role.WHOLE, :] = True
        fx |= self.forced
        if self.frozen_days:
            fx[:, : self.frozen_days] = self.frozen
        return fx

    def is_free(self) -> np.ndarray:
        """bool (L, T): (line, day) cells the model decides (rotating lines, future, not forced)."""
        free = np.zeros((self.n_lines, self.n_days), dtype=bool)
        free[self.role == Role.ROTATE, :] = True
        free &= ~self.forced
        free[:, : self.frozen_days] = False
        return free


def _classify(rules: RotationRules, industry: str, grade: str, essential: str, ultra_low: bool,
              approved_load: float | None, n_days: int) -> tuple[Role, str, int, int]:
    """(role, reason in Chinese, quota, make-up days) of a line of ``industry``."""
    essential = essential or "无"
    own = rules.by_industry.get(industry)
    if grade in rules.exempt_grades_of(industry):
        where = f"（{own.source}）" if own is not None and own.exempt_grades is not None and own.source else ""
        return Role.EXEMPT, f"绩效等级{grade}，免于错峰生产{where}", 0, 0
    if essential in rules.exempt_essential:
        return Role.EXEMPT, f"保障类企业（{essential}），免于错峰生产", 0, 0
    if rules.exempt_ultra_low_filed and ultra_low:
        return Role.EXEMPT, "已完成超低排放改造并备案，免于错峰生产", 0, 0
    days = rules.stop_days_of(industry).get(grade)
    liv = rules.livelihood_of(industry)
    if essential in liv.categories:
        if liv.treatment == "exempt":
            return Role.EXEMPT, f"{essential}企业，免于错峰生产", 0, 0
        skipped = n_days if days == WHOLE else int(days or 0)
        makeup = math.ceil(skipped * liv.makeup_share - 1e-9)
        if liv.treatment == "max_load_makeup":
            load = "" if approved_load is None else f"{approved_load:.0%}"
            return (Role.LIVELIHOOD,
                    f"{essential}：错峰期间按核定最大负荷{load}生产，错峰期后补停{makeup}天（应停{skipped}天的{liv.makeup_share:.0%}）",
                    0, makeup)
        return (Role.LIVELIHOOD,
                f"{essential}：错峰置换，{makeup}天停产（应停{skipped}天的{liv.makeup_share:.0%}）移至非采暖季", 0, makeup)
    if days is None:
        return Role.EXEMPT, f"绩效等级{grade}无错峰停产天数规定", 0, 0
    if days == WHOLE:
        return Role.WHOLE, f"绩效等级{grade}，错峰期间全时段停产", 0, 0
    if days == 0:
        return Role.EXEMPT, f"绩效等级{grade}错峰停产天数为0", 0, 0
    return Role.ROTATE, "", int(days), 0


def season_days(start: date, end: date) -> tuple[date, ...]:
    if end < start:
        raise OptimizationError(f"rotation window ends ({end}) before it starts ({start})")
    return tuple(start + timedelta(days=i) for i in range((end - start).days + 1))


def build_problem(
    tables: RegistryTables,
    rules: RotationRules,
    season: str,
    *,
    area: str = "",
    industries: list[str] | None = None,
    counties: list[str] | None = None,
    warnings: list[WarningStop] = (),
    holidays: list[Holiday] = (),
    requests: list[Request] = (),
    frozen_until: date | None = None,
    previous_stops: dict[str, set[date]] | None = None,
    window: tuple[date, date] | None = None,
) -> RotationProblem:
    """The rotation problem of a list for a season.

    ``industries``: a subset of ``rules.industries`` (default all); ``counties``: only
    these counties' lines (the city-wide group then covers them only).
    ``frozen_until``: days before this date are the past — fixed to ``previous_stops``
    (line id -> stop dates of the calendar in effect; whole-window lines and warning
    stops are fixed anyway). ``window`` overrides the rules' season window (tests,
    benchmarks).
    """
    start, end = window or rules.season_window(season)
    days = season_days(start, end)
    T = len(days)
    chosen = list(rules.industries) if not industries else list(industries)
    unknown = [i for i in chosen if i not in rules.industries]
    if unknown:
        raise OptimizationError(
            f"industries {unknown} are not in rotation for this area (rotation industries: {', '.join(rules.industries)})"
        )
    ents = tables.enterprises
    lines = tables.lines
    ent_idx = {u: i for i, u in enumerate(ents["uscc"])}
    if counties:
        known = set(ents["county"])
        missing = [c for c in counties if c not in known]
        if missing:
            raise OptimizationError(f"no enterprise of the list lies in {missing}; counties: {', '.join(sorted(known))}")
    chosen_set = set(chosen)
    county_set = set(counties) if counties else None

    sel: list[int] = []
    for j, u in enumerate(lines["uscc"]):
        e = ent_idx[u]
        if ents["industry"][e] not in chosen_set:
            continue
        if county_set is not None and ents["county"][e] not in county_set:
            continue
        sel.append(j)

    L = len(sel)
    role = np.zeros(L, dtype=np.int8)
    quota = np.zeros(L, dtype=np.int64)
    makeup = np.zeros(L, dtype=np.int64)
    max_load = np.full(L, np.nan)
    reason: list[str] = []
    cols = {k: [] for k in ("line_id", "uscc", "enterprise", "line_name", "county", "industry", "grade", "unit")}
    capacity = np.zeros(L)
    for i, j in enumerate(sel):
        u = lines["uscc"][j]
        e = ent_idx[u]
        load = ents.get("essential_approved_load", [None] * len(ents["uscc"]))[e]
        r, why, q, mk = _classify(
            rules, ents["industry"][e], ents["grade"][e], ents["essential_category"][e] or "无",
            bool(ents["ultra_low_filed"][e]), load, T,
        )
        role[i], quota[i], makeup[i] = r, q, mk
        if r == Role.LIVELIHOOD and load is not None:
            max_load[i] = float(load)
        reason.append(why)
        cols["line_id"].append(make_line_id(u, lines["line_code"][j]))
        cols["uscc"].append(u)
        cols["enterprise"].append(ents["name"][e])
        cols["line_name"].append(lines["line_name"][j])
        cols["county"].append(ents["county"][e])
        cols["industry"].append(ents["industry"][e])
        cols["grade"].append(ents["grade"][e])
        cols["unit"].append(lines["capacity_unit"][j])
        basis = lines.get("capacity_basis", [None] * len(lines["uscc"]))[j]
        if basis is None:
            basis = min(lines["capacity_eia"][j], lines["capacity_permit"][j], lines["capacity_actual"][j])
        capacity[i] = float(basis)

    index = {lid: i for i, lid in enumerate(cols["line_id"])}
    notes: list[str] = []

    # warnings: rotating lines stopped by a warning's measure (cut ≥ 100 %)
    forced = np.zeros((L, T), dtype=bool)
    warning_cut = np.zeros((L, T))
    for w in warnings:
        ts = [t for t in (((d - start).days) for d in w.days()) if 0 <= t < T]
        if not ts:
            continue
        for lid, cut in w.cuts.items():
            i = index.get(lid)
            if i is None:
                continue
            warning_cut[i, ts] = np.maximum(warning_cut[i, ts], cut)
            if cut >= 1.0 - 1e-9 and role[i] == Role.ROTATE:
                forced[i, ts] = True
    counts = np.ones((L, T), dtype=bool) if rules.count_warning_days else ~forced

    # the yearly cap (rotation + emergency days): defer quota days that do not fit
    deferred = np.zeros(L, dtype=np.int64)
    if rules.yearly_cap_days > 0:
        uncounted = (forced & ~counts).sum(axis=1)
        room = np.maximum(rules.yearly_cap_days - uncounted, 0)
        new_q = np.where(role == Role.ROTATE, np.minimum(quota, room), quota)
        deferred = quota - new_q
        quota = new_q
        if deferred.any():
            notes.append(f"{int((deferred > 0).sum())} 条生产线因年度停产天数上限（{rules.yearly_cap_days}天）顺延部分错峰天数")

    # the past
    frozen_days = 0
    frozen = np.zeros((L, 0), dtype=bool)
    if frozen_until is not None:
        frozen_days = int(min(max((frozen_until - start).days, 0), T))
        frozen = np.zeros((L, frozen_days), dtype=bool)
        stops = previous_stops or {}
        for i, lid in enumerate(cols["line_id"]):
            if role[i] == Role.WHOLE:
                frozen[i, :] = True
                continue
            if role[i] != Role.ROTATE:
                continue
            for d in stops.get(lid, ()):
                t = (d - start).days
                if 0 <= t < frozen_days:
                    frozen[i, t] = True
            frozen[i, :] |= forced[i, :frozen_days]

    # preferences: holidays for every rotating line, requests for a firm's rotating lines
    preference = np.zeros((L, T), dtype=np.int8)
    rot_mask = role == Role.ROTATE
    for h in holidays:
        ts = [t for t in range(T) if h.start <= days[t] <= h.end]
        preference[np.ix_(rot_mask, ts)] = 1 if h.preference == Preference.PREFER_STOP else -1
    by_uscc: dict[str, list[int]] = {}
    for i, u in enumerate(cols["uscc"]):
        by_uscc.setdefault(u, []).append(i)
    for r in requests:
        ids = [i for i in by_uscc.get(r.uscc, []) if rot_mask[i]]
        if not ids:
            notes.append(f"企业{r.uscc}的时段申请未采用：该企业没有参与轮停的生产线")
            continue
        ts = [t for t in range(T) if r.start <= days[t] <= r.end]
        preference[np.ix_(ids, ts)] = 1 if r.preference == Preference.PREFER_STOP else -1

    # groups: (area, industry, unit) for the city and each county
    groups: list[Group] = []
    city_name = area or tables.version.get("city") or "全市"
    ind_arr = np.asarray(cols["industry"], dtype=object)
    county_arr = np.asarray(cols["county"], dtype=object)
    unit_arr = np.asarray(cols["unit"], dtype=object)
    base = np.ones(L, dtype=bool) if rules.share_base == "all" else np.isin(role, [Role.ROTATE, Role.WHOLE])
    scopes = [a for a in ("city", "county") if a in rules.spread_areas or (rules.has_band and a in rules.share_areas)]

    def banded(scope: str, members: np.ndarray) -> bool:
        return (rules.has_band and scope in rules.share_areas
                and int(np.isin(role[members], [Role.ROTATE, Role.WHOLE]).sum()) >= rules.share_min_lines)

    for ind in chosen:
        in_ind = ind_arr == ind
        units = sorted(set(unit_arr[in_ind].tolist()))
        for unit in units:
            members = np.nonzero(in_ind & (unit_arr == unit) & base)[0]
            if not len(members):
                continue
            split = len(units) > 1
            if "city" in scopes:
                groups.append(Group(city_name, "city", ind, unit, members, float(capacity[members].sum()), split,
                                    banded("city", members)))
            if "county" in scopes:
                for c in sorted(set(county_arr[members].tolist())):
                    m = members[county_arr[members] == c]
                    groups.append(Group(c, "county", ind, unit, m, float(capacity[m].sum()), split, banded("county", m)))

    # period minimums, scaled down for quotas below their sum
    periods: list[PeriodRule] = []
    total_min = sum(p.min_days for p in rules.period_minimums)
    for p in rules.period_minimums:
        mask = np.array([d.month in p.months for d in days])
        per_line = np.zeros(L, dtype=np.int64)
        for i in np.nonzero(rot_mask)[0]:
            q = int(quota[i])
            per_line[i] = p.min_days if total_min <= q else (p.min_days * q) // max(total_min, 1)
        label = p.label or "、".join(f"{m}月" for m in p.months)
        periods.append(PeriodRule(label, mask, per_line))

    return RotationProblem(
        season=season, area=city_name, rules=rules, days=days,
        line_id=cols["line_id"], uscc=cols["uscc"], enterprise=cols["enterprise"], line_name=cols["line_name"],
        county=cols["county"], industry=cols["industry"], grade=cols["grade"], capacity=capacity, unit=cols["unit"],
        role=role, reason=reason, quota=quota, makeup_days=makeup, max_load=max_load, deferred=deferred,
        forced=forced, counts=counts, preference=preference,
        frozen_days=frozen_days, frozen=frozen, groups=groups, periods=periods,
        warnings=list(warnings), warning_cut=warning_cut,
        registry_version=tables.version.get("name"), registry_sha256=tables.content_sha256, notes=notes,
        industry_zh=_industry_names(chosen), holidays=list(holidays), requests=list(requests),
        counties=list(counties) if counties else None,
    )


def _industry_names(codes: list[str]) -> dict[str, str]:
    from config.industries import load_industries

    try:
        catalog = load_industries().industries
    except Exception:  # pragma: no cover - the catalog is validated by its own tests
        catalog = {}
    return {c: catalog[c].name_zh if c in catalog else c for c in codes}
