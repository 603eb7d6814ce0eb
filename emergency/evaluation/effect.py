"""Effect evaluation of an episode (效果评估): reductions planned vs achieved, 不降反增,
forecast vs observed AQI, the cost in lost output.

Days are the bureau's calendar days (北京时间). A warning runs over [S, E) (E its end,
or its release if earlier); plan version v is in force over its span
(:mod:`emergency.workflow.plan_periods`), h_v(d) hours of day d. Symbols:

    P(f, p, d)  planned reduction of firm f, pollutant p on day d (kg):
                Σ_v Σ_{actions a of f in v} reduction_kg_a[p] · h_v(d) / 24
    L           lost output (万元): Σ_v Σ_a lost_value_yuan_a · Σ_d h_v(d) / 24 / 10⁴
    k(o, p, d)  CEMS kg of outlet o on day d: the mean of its valid hourly kg × 24, on a
                *valid* day — one with ≥ ``[cems_day] min_valid_hours`` hourly values
                (HJ 76-2017 附录B: 20); other days are not used
    B(o, p)     baseline: mean k(o, p, ·) over the ``[baseline] days`` most recent valid
                days among the ``lookback_days`` days before the warning's first day;
                none with fewer than ``min_days`` valid days (config/evaluation.toml)
    O(f, p)     the outlets of f measuring p that have a baseline;
                B(f, p) = Σ_{o∈O} B(o, p), K(f, p, d) = Σ_{o∈O} k(o, p, d)
    D(f, p)     warning days on which every outlet of O(f, p) is valid

Achieved, from CEMS (f has outlets measuring p with a baseline):

    A(f, p) = Σ_{d∈D} (B(f, p) − K(f, p, d))         covered planned: Σ_{d∈D} P(f, p, d)

A day only partly under the warning counts whole: a firm that reduces only in the
warning's hours emits B − (reduction in those hours) that day, so B − K is the
reduction achieved, and P already counts only the warning's hours.

Achieved, from electricity (f has no CEMS for p, or no valid CEMS day in the warning;
:mod:`emergency.workflow.compliance`):
observed(f) and expected(f) are the compliance check's drops of electricity use over
the warning days with a reading (D_e(f)); the firm delivered observed/expected of the
electricity saving its notice asked for, and is taken to deliver that share of its
planned reduction on those days:

    A(f, p) = Σ_{d∈D_e} P(f, p, d) · observed(f) / expected(f)

(the ratio, not observed × the lines' emissions: a stopped kiln keeps auxiliaries
running, so electricity falls less than emissions — the ``[compliance]
electricity_drop`` factors — and the ratio cancels that). A firm judged 数据不足, or
expecting no drop (a truck ban), has no electricity figure.

No measurement: A is None and the firm's planned kg is uncovered. Coverage of a row =
covered planned / planned. Rows per firm and pollutant, per county and pollutant and
the city (全市) — the sums of the firms' rows.

不降反增: a valid warning day d of any listed firm with CEMS baseline (ordered or not)
where K(f, p, d) > B(f, p) · (1 + ``[increase] tolerance``).

AQI per day: the forecast stored with the warning (``warning.forecast``: its dated
daily values, as announcements read them) and the observed daily AQI of each of the
warning's areas (the city for a city-wide warning) from station observations
(:func:`emergency.evaluation.observations.observed_daily_aqi`, HJ 633).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, and_, select
from sqlmodel import Session

from config.evaluation import EvaluationPolicy, load_evaluation_policy
from emergency import clock
from emergency.errors import NotFound
from emergency.evaluation.models import CemsReading
from emergency.plans.document import PlanDocument
from emergency.vocabulary import POLLUTANTS, POLLUTANT_LABELS_ZH, Pollutant
from emergency.workflow.lifecycle import get_warning
from emergency.workflow.models import ElectricityReading
from emergency.workflow.plan_periods import plan_periods, warning_end

CITY_TOTAL = "全市"
SOURCE_ZH = {"cems": "在线监测", "electricity": "用电量推算", "none": "无数据"}
POLLUTANT_ORDER = {p.value: i for i, p in enumerate(POLLUTANTS)}


def pollutant_zh(code: str) -> str:
    try:
        return POLLUTANT_LABELS_ZH[Pollutant(code)]
    except ValueError:
        return code


@dataclass(frozen=True)
class EpisodeEffect:
    """The evaluation of one warning (see the module docstring for every figure)."""

    warning_id: int
    lost_output_wan_yuan: float = 0.0
    level: str = ""
    start: datetime | None = None
    end: datetime | None = None
    areas: tuple[str, ...] = ()
    warning_days: tuple[date, ...] = ()
    baseline_window: tuple[date, date] | None = None
    min_valid_hours: int = 0
    baseline_days: int = 0
    firms: tuple[dict, ...] = ()
    counties: tuple[dict, ...] = ()
    flags: tuple[dict, ...] = ()
    days: tuple[dict, ...] = ()
    notes: tuple[str, ...] = ()  # data quality said loudly: outlets without a baseline, no observations …
    sources: dict = field(default_factory=dict)  # config values' sources and confidence

    def county_rows(self) -> list[dict]:
        """Per (county, pollutant), then the city's totals (county "全市")."""
        return [dict(r) for r in self.counties]

    def firm_rows(self) -> list[dict]:
        return [dict(r) for r in self.firms]

    def increase_flags(self) -> list[dict]:
        return [dict(r) for r in self.flags]

    def aqi_days(self) -> list[dict]:
        return [dict(r) for r in self.days]

    def city_rows(self) -> list[dict]:
        return [dict(r) for r in self.counties if r["county"] == CITY_TOTAL]

    def coverage_lines(self) -> list[str]:
        """What the achieved figures rest on, per pollutant, in words (zh-CN)."""
        out = []
        for r in self.city_rows():
            if r["planned_kg"] <= 0:
                continue
            name = pollutant_zh(r["pollutant"])
            cems, elec = r["cems_coverage"], r["electricity_coverage"]
            none = max(0.0, 1.0 - cems - elec)
            out.append(f"{name}：在线监测（CEMS）覆盖 {cems * 100:.0f} % 的计划减排量，用电量推算覆盖 {elec * 100:.0f} %，"
                       f"无数据 {none * 100:.0f} %")
        return out

    def as_dict(self) -> dict:
        def days_(r: dict) -> dict:
            return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in r.items()}

        return {
            "warning_id": self.warning_id, "level": self.level, "start": clock.iso(self.start), "end": clock.iso(self.end),
            "areas": list(self.areas), "warning_days": [d.isoformat() for d in self.warning_days],
            "baseline_window": None if self.baseline_window is None else [d.isoformat() for d in self.baseline_window],
            "min_valid_hours": self.min_valid_hours, "baseline_days": self.baseline_days,
            "lost_output_wan_yuan": self.lost_output_wan_yuan,
            "coverage": self.coverage_lines(), "notes": list(self.notes),
            "counties": self.county_rows(), "firms": self.firm_rows(),
            "increase_flags": [days_(r) for r in self.flags], "aqi_days": [days_(r) for r in self.days],
            "sources": self.sources,
        }


# ---------------------------------------------------------------------------- planned


def _planned(periods) -> tuple[dict[tuple[str, str], dict[date, float]], dict[str, tuple[str, str]], float]:
    """P(f, p, d), each firm's (name, county) from the plans, and the lost output (yuan)."""
    planned: dict[tuple[str, str], dict[date, float]] = defaultdict(lambda: defaultdict(float))
    info: dict[str, tuple[str, str]] = {}
    lost = 0.0
    for period in periods:
        doc = PlanDocument.model_validate_json(period.version.document)
        fractions = {d: period.hours_on(d) / 24.0 for d in period.days()}
        share = sum(fractions.values())
        for a in doc.actions:
            info.setdefault(a.enterprise_uscc, (a.enterprise_name or "", a.county or ""))
            lost += a.lost_value_yuan * share
            for pol, kg in a.reduction_kg.items():
                if kg > 0:
                    cell = planned[(a.enterprise_uscc, str(pol))]
                    for d, f in fractions.items():
                        cell[d] += kg * f
    return planned, info, lost


# ---------------------------------------------------------------------------- CEMS


@dataclass
class _Outlet:
    days: dict[date, list[float]] = field(default_factory=lambda: defaultdict(lambda: [0, 0.0]))  # day -> [hours, kg]

    def valid_kg(self, day: date, min_hours: int) -> float | None:
        n, kg = self.days.get(day, (0, 0.0))
        return kg / n * 24.0 if n >= min_hours else None


def _cems(engine: Engine, first: date, last: date) -> dict[tuple[str, str, str], _Outlet]:
    """Hourly kg per (firm, outlet, pollutant), grouped by Beijing day, over [first, last]."""
    lo, hi = clock.as_utc(clock.day_start(first)), clock.as_utc(clock.day_start(last + timedelta(days=1)))
    R = CemsReading
    out: dict[tuple[str, str, str], _Outlet] = defaultdict(_Outlet)
    with Session(engine) as session:
        q = select(R.enterprise_uscc, R.outlet, R.pollutant, R.hour, R.kg).where(and_(R.hour >= lo, R.hour < hi))
        for u, o, p, t, kg in session.execute(q):
            cell = out[(u, o, p)].days[clock.local_day(clock.as_utc(t))]
            cell[0] += 1
            cell[1] += kg
    return out


def _baseline(outlet: _Outlet, window: list[date], policy: EvaluationPolicy) -> float | None:
    valid = [k for d in reversed(window) if (k := outlet.valid_kg(d, policy.cems_day.min_valid_hours)) is not None]
    valid = valid[: policy.baseline.days]
    return sum(valid) / len(valid) if len(valid) >= policy.baseline.min_days else None


# ---------------------------------------------------------------------------- electricity


def _electricity(engine: Engine, warning_id: int, firms: list[str], days: list[date]) -> dict[str, tuple[float, set[date]]]:
    """Per firm judged by the compliance check with a figure: (observed / expected, D_e(f))."""
    from emergency.workflow.compliance import check_compliance

    if not firms or not days:
        return {}
    report = check_compliance(engine, warning_id)
    ratio = {r.enterprise_uscc: r.observed_drop / r.expected_drop for r in report.rows
             if r.observed_drop is not None and r.expected_drop > 0}
    wanted = sorted(set(ratio) & set(firms))
    if not wanted:
        return {}
    E = ElectricityReading
    seen: dict[str, set[date]] = defaultdict(set)
    with Session(engine) as session:
        for i in range(0, len(wanted), 500):
            q = select(E.enterprise_uscc, E.day).where(and_(E.enterprise_uscc.in_(wanted[i:i + 500]),
                                                           E.day >= min(days), E.day <= max(days))).distinct()
            for u, d in session.execute(q):
                seen[u].add(d)
    return {u: (ratio[u], seen[u]) for u in wanted}


# ---------------------------------------------------------------------------- AQI


def _forecast_by_day(forecast_json: str | None) -> dict[date, int]:
    """The stored forecast's daily AQI by Beijing day (read as announcements read it)."""
    from emergency.notices.forecast import _first_day, _number_list, aqi_int

    try:
        forecast = json.loads(forecast_json) if forecast_json else None
    except ValueError:
        return {}
    if not isinstance(forecast, dict):
        return {}
    evaluation = forecast.get("evaluation") if isinstance(forecast.get("evaluation"), dict) else forecast
    series = evaluation.get("series") if isinstance(evaluation.get("series"), dict) else (
        forecast.get("series") if isinstance(forecast.get("series"), dict) else {})
    values = _number_list(forecast.get("daily_aqi"))
    if values is None and (series.get("kind") == "daily" or series.get("step_hours") == 24):
        values = _number_list(series.get("values"))
    first = _first_day(forecast, evaluation, series)
    if values is None or first is None:
        return {}
    return {first + timedelta(days=i): aqi_int(v) for i, v in enumerate(values)}


# ---------------------------------------------------------------------------- the evaluation


def evaluate_episode(engine: Engine, warning_id: int) -> EpisodeEffect:
    """The effect of warning ``warning_id`` (every figure: module docstring)."""
    from emergency.evaluation.observations import observed_daily_aqi
    from enterprise_registry.service import load_planning_tables

    policy = load_evaluation_policy()
    w, versions = get_warning(engine, warning_id)
    if not versions:
        raise NotFound(f"预警 {warning_id} 没有方案版本，无法评估 (no plan version)")
    periods = [p for p in plan_periods(w, versions) if not p.empty]
    hours: dict[date, float] = defaultdict(float)
    for p in periods:
        for d in p.days():
            hours[d] += p.hours_on(d)
    days = sorted(d for d, h in hours.items() if h > 0)
    planned, info, lost_yuan = _planned(periods)
    tables = load_planning_tables(engine, w.registry_version)
    names = dict(zip(tables.enterprises["uscc"], tables.enterprises["name"]))
    county = dict(zip(tables.enterprises["uscc"], tables.enterprises["county"]))
    city = tables.version.get("city") or CITY_TOTAL
    notes: list[str] = []

    first_day = days[0] if days else clock.local_day(clock.as_utc(w.start))
    window = [first_day - timedelta(days=k) for k in range(policy.baseline.lookback_days, 0, -1)]
    last_day = days[-1] if days else first_day
    outlets = _cems(engine, window[0], last_day)
    min_h = policy.cems_day.min_valid_hours
    # per firm and pollutant: the outlets with a baseline
    by_fp: dict[tuple[str, str], dict[str, tuple[_Outlet, float]]] = defaultdict(dict)
    for (u, o, p), outlet in sorted(outlets.items()):
        b = _baseline(outlet, window, policy)
        if b is None:
            notes.append(f"{names.get(u, u)}（{u}）排放口 {o} {pollutant_zh(p)}：预警前 {policy.baseline.lookback_days} 天内"
                         f"有效日（≥{min_h} 个小时值）不足 {policy.baseline.min_days} 天，无基准，不参与评估")
            continue
        by_fp[(u, p)][o] = (outlet, b)

    cems_fp: dict[tuple[str, str], dict] = {}
    flags: list[dict] = []
    for (u, p), outs in sorted(by_fp.items()):
        B = sum(b for _, b in outs.values())
        achieved, valid_days = 0.0, []
        for d in days:
            ks = [outlet.valid_kg(d, min_h) for outlet, _ in outs.values()]
            if any(k is None for k in ks):
                continue
            K = sum(ks)
            valid_days.append(d)
            achieved += B - K
            if K > B * (1.0 + policy.increase.tolerance) + 1e-9:
                flags.append({"uscc": u, "name": names.get(u, info.get(u, ("", ""))[0]),
                              "county": county.get(u) or info.get(u, ("", ""))[1], "pollutant": p, "day": d,
                              "baseline_kg": B, "kg": K})
        cems_fp[(u, p)] = {"baseline": B, "achieved": achieved, "days": valid_days, "outlets": len(outs)}
        missing = len(days) - len(valid_days)
        if missing and (u, p) in planned:
            notes.append(f"{names.get(u, u)}（{u}）{pollutant_zh(p)}：{missing} 个预警日在线监测数据不足 {min_h} 小时，未计入")

    firms_planned = sorted({u for u, _ in planned})
    electricity = _electricity(engine, warning_id, firms_planned, days)

    firm_rows = []
    for (u, p), per_day in sorted(planned.items(), key=lambda kv: (kv[0][0], POLLUTANT_ORDER.get(kv[0][1], 9))):
        row = {"uscc": u, "name": names.get(u) or info.get(u, ("", ""))[0], "county": county.get(u) or info.get(u, ("", ""))[1],
               "pollutant": p, "planned_kg": sum(per_day.values()), "achieved_kg": None, "baseline_kg_per_day": None,
               "source": "none", "planned_covered_kg": 0.0, "days_with_data": 0}
        c = cems_fp.get((u, p))
        if c is not None:
            row["baseline_kg_per_day"] = c["baseline"]
        if c is not None and c["days"]:
            row.update(source="cems", achieved_kg=c["achieved"], days_with_data=len(c["days"]),
                       planned_covered_kg=sum(per_day.get(d, 0.0) for d in c["days"]))
        elif u in electricity:
            ratio, e_days = electricity[u]
            covered = [d for d in days if d in e_days]
            if covered:
                planned_covered = sum(per_day.get(d, 0.0) for d in covered)
                row.update(source="electricity", days_with_data=len(covered), planned_covered_kg=planned_covered,
                           achieved_kg=planned_covered * ratio)
        firm_rows.append(row)

    counties = _county_rows(firm_rows)
    flags.sort(key=lambda f: (f["county"], f["uscc"], POLLUTANT_ORDER.get(f["pollutant"], 9), f["day"]))

    areas = json.loads(w.areas) if w.areas else None
    areas = [city] if not areas else list(areas)
    forecast = _forecast_by_day(w.forecast)
    aqi_days = []
    observed = {a: {o.day: o for o in observed_daily_aqi(engine, a, days, city=city)} for a in areas}
    for d in days:
        for a in areas:
            o = observed[a].get(d)
            aqi_days.append({"day": d, "area": a, "forecast_aqi": forecast.get(d),
                             "observed_aqi": None if o is None else o.aqi,
                             "observed_primary": [] if o is None else list(o.primary),
                             "stations": 0 if o is None else o.stations})
    if days and all(r["observed_aqi"] is None for r in aqi_days):
        notes.append("没有可用的站点观测数据（或数据不足以计算日 AQI），实测 AQI 暂缺")
    if not w.forecast or not forecast:
        notes.append("预警未保存带日期的逐日 AQI 预报，预报 AQI 暂缺")

    return EpisodeEffect(
        warning_id=w.id, lost_output_wan_yuan=lost_yuan / 1e4, level=w.level, start=clock.as_utc(w.start),
        end=warning_end(w), areas=tuple(areas), warning_days=tuple(days),
        baseline_window=(window[0], window[-1]), min_valid_hours=min_h, baseline_days=policy.baseline.days,
        firms=tuple(firm_rows), counties=tuple(counties), flags=tuple(flags), days=tuple(aqi_days), notes=tuple(notes),
        sources={k: {"source": getattr(policy, k).source, "confidence": getattr(policy, k).confidence.value}
                 for k in ("cems_day", "baseline", "increase")},
    )


def _county_rows(firm_rows: list[dict]) -> list[dict]:
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in firm_rows:
        groups[(r["county"] or "（未填区县）", r["pollutant"])].append(r)
        groups[(CITY_TOTAL, r["pollutant"])].append(r)
    out = []
    for (c, p), rows in groups.items():
        planned = sum(r["planned_kg"] for r in rows)
        covered = {s: float(sum(r["planned_covered_kg"] for r in rows if r["source"] == s)) for s in ("cems", "electricity")}
        measured = [r for r in rows if r["achieved_kg"] is not None]
        source = ("cems" if covered["cems"] >= covered["electricity"] and covered["cems"] > 0 else
                  "electricity" if covered["electricity"] > 0 else "none")
        share = (lambda x: x / planned if planned > 0 else 0.0)
        achieved = sum(r["achieved_kg"] for r in measured) if measured else None
        planned_covered = covered["cems"] + covered["electricity"]
        out.append({"county": c, "pollutant": p, "planned_kg": planned, "achieved_kg": achieved, "source": source,
                    "coverage": share(planned_covered), "cems_coverage": share(covered["cems"]),
                    "electricity_coverage": share(covered["electricity"]), "planned_covered_kg": planned_covered,
                    "firms": len(rows), "firms_with_data": len(measured)})
    out.sort(key=lambda r: (r["county"] == CITY_TOTAL, r["county"], POLLUTANT_ORDER.get(r["pollutant"], 9)))
    return out
