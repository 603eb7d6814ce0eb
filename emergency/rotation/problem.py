"""The frozen rotation problem: arrays by line and by (line, day), built by one function.

:func:`build_problem` reads a list (``RegistryTables``, column-wise), the rules, the
season and the optional overlays (warnings in effect, the past to freeze, holidays,
firms' requests) and returns a :class:`RotationProblem`. The model code reads only
this object; it never sees a database or a policy file.

Roles of a line of an industry in rotation:

- ``EXEMPT``: never scheduled (A/A+/引领性 grade, essential firm, filed ultra-low
  emission retrofit, uninterruptible process, or a grade without stop days), with the
  reason in Chinese;
- ``WHOLE``: stops the whole window (grade D: ``stop_days = "whole"``);
- ``ROTATE``: stops ``quota`` days of the window in blocks of at least
  ``min_block_days`` (B, B-, C, 非引领性, 一厂一策 …).

Groups: for each area of ``rules.share_areas`` (the city, each county) and each
industry, the lines of that industry in the area. The daily share of a group is its
stopped capacity (capacity basis of the lines stopped that day) over its capacity
(every in-scope line of the industry in the area, exempt ones included).
"""

from __future__ import annotations

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


ROLE_ZH = {Role.EXEMPT: "豁免", Role.ROTATE: "轮停", Role.WHOLE: "全时段停产"}


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


def _classify(rules: RotationRules, grade: str, essential: str, ultra_low: bool, interruptible: bool) -> tuple[Role, str, int]:
    if grade in rules.exempt_grades:
        return Role.EXEMPT, f"绩效等级{grade}，免于错峰生产", 0
    if rules.exempt_essential and essential not in (None, "", "无"):
        return Role.EXEMPT, f"保障类企业（{essential}），免于错峰生产", 0
    if rules.exempt_ultra_low_filed and ultra_low:
        return Role.EXEMPT, "已完成超低排放改造并备案，免于错峰生产", 0
    if rules.exempt_uninterruptible and not interruptible:
        return Role.EXEMPT, "工艺不可中断，只能降负荷，不纳入轮停", 0
    days = rules.stop_days.get(grade)
    if days is None:
        return Role.EXEMPT, f"绩效等级{grade}无错峰停产天数规定", 0
    if days == WHOLE:
        return Role.WHOLE, f"绩效等级{grade}，错峰期间全时段停产", 0
    if days == 0:
        return Role.EXEMPT, f"绩效等级{grade}错峰停产天数为0", 0
    return Role.ROTATE, "", int(days)


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
    reason: list[str] = []
    cols = {k: [] for k in ("line_id", "uscc", "enterprise", "line_name", "county", "industry", "grade", "unit")}
    capacity = np.zeros(L)
    for i, j in enumerate(sel):
        u = lines["uscc"][j]
        e = ent_idx[u]
        r, why, q = _classify(
            rules, ents["grade"][e], ents["essential_category"][e] or "无",
            bool(ents["ultra_low_filed"][e]), bool(lines["interruptible"][j]),
        )
        role[i], quota[i] = r, q
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
    base = np.ones(L, dtype=bool) if rules.share_base == "all" else role != Role.EXEMPT
    for ind in chosen:
        in_ind = ind_arr == ind
        units = sorted(set(unit_arr[in_ind].tolist()))
        for unit in units:
            members = np.nonzero(in_ind & (unit_arr == unit) & base)[0]
            if not len(members):
                continue
            split = len(units) > 1
            if "city" in rules.share_areas:
                groups.append(Group(city_name, "city", ind, unit, members, float(capacity[members].sum()), split))
            if "county" in rules.share_areas:
                for c in sorted(set(county_arr[members].tolist())):
                    m = members[county_arr[members] == c]
                    if int((role[m] != Role.EXEMPT).sum()) < rules.share_min_lines:
                        continue
                    groups.append(Group(c, "county", ind, unit, m, float(capacity[m].sum()), split))

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
        role=role, reason=reason, quota=quota, deferred=deferred,
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
