"""The figures of the reports upward, from the records (no rendering here).

Inputs, read once per report (:func:`load_inputs`): the warning and its plan versions
(the period each is in force: :mod:`emergency.workflow.plan_periods`), the orders with
their receipts and execution reports (:mod:`emergency.workflow.receipts`), the
inspections (:mod:`emergency.reports.inspections`), the electricity check
(:func:`emergency.workflow.compliance.check_compliance`, when it can run) and the list
version's grades and names.

Days are the bureau's calendar days (北京时间). The daily report of day D, for a warning
in force on D (some version in force for part of D), per county and for the city:

    firms, lines         firms (lines) with a measure in a version in force on D
    orders               orders (notices) issued before the end of D; orders_new: issued on D
    confirmed_on_time    receipts made on D by the order's deadline; confirmed_late: after it
    confirmed_total      receipts made before the end of D; not_confirmed = orders − confirmed_total
    reported_*           the same for complete execution reports (every line of the order reported)
    inspections          inspections made on D; inspected: distinct firms inspected on D
    inspection_non_compliant   distinct firms an inspection on D found 未落实
    electricity_non_compliant  firms under measures on D the electricity check finds 未落实 (the
                         check over the warning with the readings imported when the report is made)
    non_compliant        distinct firms in either of the two
    planned_<P>_kg       Σ over versions v in force on D of h_v(D)/24 × Σ of the reductions (kg/day)
                         of v's actions in the county: the plan document states reductions per day
                         of measures (kg/day); a day partly under a version counts its hours
    measure_hours        Σ_v h_v(D): hours of D under measures

The summary sums the same over the whole episode (every version over its whole period:
h_v = its hours, orders and reports as they stand when the summary is made), adds lost
output (Σ_v h_v/24 × the lost value per day of v's actions, in 万元) and splits firms
and lines by measure and grade. A firm's county is the one its plan actions carry
(``（未填区县）`` when the list has none).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Engine

from emergency import clock
from emergency.errors import EmergencyError, InputError
from emergency.notices.wording import TRANSITION_ZH
from emergency.plans.document import PlanDocument
from emergency.reports.models import NON_COMPLIANT, RESULTS, Inspection
from emergency.vocabulary import LEVEL_LABELS_ZH, POLLUTANTS, WarningLevel
from emergency.workflow.models import PlanVersion, WarningRecord
from emergency.workflow.plan_periods import PlanPeriod, plan_periods, warning_end
from emergency.workflow.receipts import NO_COUNTY, OrderStatus

log = logging.getLogger("emergency.reports")

CITY_TOTAL = "全市合计"
COUNT_KEYS = ("firms", "lines", "orders", "orders_new", "confirmed_total", "confirmed_on_time", "confirmed_late",
              "not_confirmed", "reported_total", "reported_on_time", "reported_late", "not_reported", "inspections",
              "inspected", "inspection_non_compliant", "electricity_non_compliant", "non_compliant")
MASS_KEYS = tuple(f"planned_{p.value}_kg" for p in POLLUTANTS)


def level_zh(level: str) -> str:
    try:
        return LEVEL_LABELS_ZH[WarningLevel(level)]
    except (ValueError, KeyError):
        return level


@dataclass
class Inputs:
    warning: WarningRecord
    versions: list[PlanVersion]
    docs: dict[int, PlanDocument]
    periods: list[PlanPeriod]
    statuses: list[OrderStatus]
    inspections: list[Inspection]
    electricity: dict[str, str] | None  # uscc -> verdict (落实 / 未落实 / 数据不足); None: no check
    electricity_note: str
    names: dict[str, str]
    grades: dict[str, str]
    county: dict[str, str]  # firm -> county (from the plans' actions, else the list)
    city: str
    area: str  # policy area path ('' national)
    areas: list[str]
    noticed: dict[int, int] = field(default_factory=dict)  # version -> firms noticed


def load_inputs(engine: Engine, warning_id: int) -> Inputs:
    from emergency.plans.service import policy_for
    from emergency.reports.inspections import list_inspections
    from emergency.workflow import receipts
    from emergency.workflow.lifecycle import get_warning
    from enterprise_registry.service import load_planning_tables

    import json

    w, versions = get_warning(engine, warning_id)
    if not versions:
        raise InputError(f"预警 {warning_id} 没有方案版本，无法生成报告 (no plan version)")
    docs = {v.version_no: PlanDocument.model_validate_json(v.document) for v in versions}
    tables = load_planning_tables(engine, w.registry_version)
    ent = tables.enterprises
    names = dict(zip(ent["uscc"], ent["name"]))
    grades = dict(zip(ent["uscc"], ent["grade"]))
    county = {u: (c or NO_COUNTY) for u, c in zip(ent["uscc"], ent["county"])}
    for doc in docs.values():
        for a in doc.actions:
            county[a.enterprise_uscc] = a.county or county.get(a.enterprise_uscc) or NO_COUNTY
    statuses = receipts.statuses(engine, warning_id)
    noticed: dict[int, int] = defaultdict(int)
    for s in statuses:
        noticed[s.order.version_no] += 1
    try:
        from emergency.workflow.compliance import check_compliance

        report = check_compliance(engine, warning_id)
        electricity = {r.enterprise_uscc: r.verdict for r in report.rows}
        no_data = sum(r.verdict == "数据不足" for r in report.rows)
        note = (f"用电核查：{len(report.rows)} 家企业参与核查，其中 {no_data} 家数据不足（按生成报告时已导入的用电数据）"
                if report.rows else "用电核查：没有需按用电量核查的企业")
    except EmergencyError as exc:
        log.error("reports: electricity check of warning %s failed: %s", warning_id, exc.message)
        electricity, note = None, f"用电核查未能进行：{exc.message}"
    policy = policy_for(tables)
    return Inputs(
        warning=w, versions=versions, docs=docs, periods=plan_periods(w, versions), statuses=statuses,
        inspections=list_inspections(engine, warning_id), electricity=electricity, electricity_note=note,
        names=names, grades=grades, county=county, city=str(tables.version.get("city") or ""),
        area=policy.area, areas=list(json.loads(w.areas)), noticed=dict(noticed),
    )


# --- helpers -----------------------------------------------------------------------------


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    lo = clock.as_utc(clock.day_start(day))
    return lo, clock.as_utc(clock.day_start(day + timedelta(days=1)))


def _on(dt: datetime | None, day: date) -> bool:
    return dt is not None and clock.local_day(dt) == day


def _before(dt: datetime | None, end: datetime | None) -> bool:
    return dt is not None and (end is None or clock.as_utc(dt) < end)


def _zero() -> dict:
    return {**{k: 0 for k in COUNT_KEYS}, **{k: 0.0 for k in MASS_KEYS}, "measure_hours": 0.0,
            "lost_output_wan_yuan": 0.0}


class _Counties:
    """Rows keyed by county; sets of firms counted at the end."""

    def __init__(self) -> None:
        self.rows: dict[str, dict] = defaultdict(_zero)
        self.sets: dict[tuple[str, str], set] = defaultdict(set)

    def add(self, county: str, key: str, n: float = 1) -> None:
        self.rows[county][key] += n

    def firm(self, county: str, key: str, item) -> None:
        self.sets[(county, key)].add(item)

    def result(self, counties: set[str]) -> list[dict]:
        for (c, key), items in self.sets.items():
            self.rows[c][key] = len(items)
        out = []
        for c in sorted(set(self.rows) | counties):
            out.append({"county": c, **self.rows[c]})
        total = {"county": CITY_TOTAL, **_zero()}
        for r in out:
            for k in (*COUNT_KEYS, *MASS_KEYS, "lost_output_wan_yuan"):
                total[k] += r[k]
        total["measure_hours"] = max((r["measure_hours"] for r in out), default=0.0)
        for r in (*out, total):
            for k in MASS_KEYS:
                r[k] = round(r[k], 3)
            r["lost_output_wan_yuan"] = round(r["lost_output_wan_yuan"], 2)
            r["measure_hours"] = round(r["measure_hours"], 2)
        return [*out, total]


def _status_counts(rows: _Counties, s: OrderStatus, county: str, lo: datetime | None, hi: datetime | None) -> None:
    """Orders, receipts and reports of one order: done within [lo, hi) ('当日') and done
    before hi ('累计'); lo None: the whole episode (then on time / late cover all)."""
    o = s.order
    if not _before(o.issued_at, hi):
        return
    rows.add(county, "orders")
    if lo is not None and clock.as_utc(o.issued_at) >= lo:
        rows.add(county, "orders_new")
    if _before(s.confirmed_at, hi):
        rows.add(county, "confirmed_total")
        if lo is None or clock.as_utc(s.confirmed_at) >= lo:
            rows.add(county, "confirmed_on_time" if s.confirmed_at <= o.confirm_by else "confirmed_late")
    else:
        rows.add(county, "not_confirmed")
    if o.report_by is None:
        return
    done = s.reported_at
    if _before(done, hi):
        rows.add(county, "reported_total")
        if lo is None or clock.as_utc(done) >= lo:
            rows.add(county, "reported_on_time" if done <= o.report_by else "reported_late")
    else:
        rows.add(county, "not_reported")


def _inspection_row(inp: Inputs, i: Inspection) -> dict:
    return {"county": inp.county.get(i.uscc, NO_COUNTY), "uscc": i.uscc, "name": inp.names.get(i.uscc, ""),
            "line_id": i.line_id or "全厂", "inspected_at": clock.fmt(i.inspected_at), "inspector": i.inspector,
            "result_zh": RESULTS.get(i.result, i.result), "note": i.note or ""}


def _actions_by_version(inp: Inputs):
    for p in inp.periods:
        yield p, inp.docs[p.version.version_no].actions


# --- the daily report ------------------------------------------------------------------


@dataclass
class DailyFigures:
    warning_id: int
    day: date
    level: str
    city: str
    area: str
    rows: dict[str, list[dict]]  # row grouping -> rows
    notes: list[str]
    generated_at: datetime
    versions_in_force: list[int]

    def as_dict(self) -> dict:
        return {"warning_id": self.warning_id, "day": self.day.isoformat(), "level": self.level, "city": self.city,
                "generated_at": clock.iso(self.generated_at), "versions_in_force": self.versions_in_force,
                "notes": self.notes, **self.rows}


def active_days(inp: Inputs) -> list[date]:
    """The Beijing days some version is in force for part of."""
    return sorted({d for p in inp.periods if not p.empty for d in p.days() if p.hours_on(d) > 0})


def daily_figures(inp: Inputs, day: date) -> DailyFigures:
    w = inp.warning
    days = active_days(inp)
    if day not in days:
        span = f"{days[0]} 至 {days[-1]}" if days else "无"
        raise InputError(f"预警 {w.id} 在 {day}（北京时间）没有生效的管控措施（措施生效日：{span}）(warning not in force that day)",
                         field="day")
    lo, hi = _day_bounds(day)
    rows = _Counties()
    in_force: list[int] = []
    under: dict[str, str] = {}
    level = w.level
    for p, actions in _actions_by_version(inp):
        h = p.hours_on(day)
        if h <= 0:
            continue
        in_force.append(p.version.version_no)
        level = p.version.level
        share = h / 24.0
        seen_counties = set()
        for a in actions:
            c = inp.county.get(a.enterprise_uscc, NO_COUNTY)
            under[a.enterprise_uscc] = c
            rows.firm(c, "firms", a.enterprise_uscc)
            rows.firm(c, "lines", (a.enterprise_uscc, a.line_id))
            for pol, kg in a.reduction_kg.items():
                rows.add(c, f"planned_{pol}_kg", kg * share)
            seen_counties.add(c)
        for c in seen_counties:
            rows.rows[c]["measure_hours"] += h
    for s in inp.statuses:
        _status_counts(rows, s, inp.county.get(s.order.uscc, s.order.county), lo, hi)
    todays = [i for i in inp.inspections if lo <= clock.as_utc(i.inspected_at) < hi]
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for i in todays:
        c = inp.county.get(i.uscc, NO_COUNTY)
        rows.add(c, "inspections")
        rows.firm(c, "inspected", i.uscc)
        if i.result == NON_COMPLIANT:
            rows.firm(c, "inspection_non_compliant", i.uscc)
            rows.firm(c, "non_compliant", i.uscc)
            found[i.uscc].append(("现场检查", f"现场检查 {clock.fmt(i.inspected_at, '%H:%M')} {i.inspector}"
                                              + (f"：{i.note}" if i.note else "")))
    for u, verdict in (inp.electricity or {}).items():
        if verdict == "未落实" and u in under:
            rows.firm(under[u], "electricity_non_compliant", u)
            rows.firm(under[u], "non_compliant", u)
            found[u].append(("用电核查", "用电核查未落实"))
    non_compliant = [
        {"county": inp.county.get(u, NO_COUNTY), "uscc": u, "name": inp.names.get(u, ""),
         "found_by": "、".join(dict.fromkeys(k for k, _ in how)), "detail": "；".join(t for _, t in how)}
        for u, how in found.items()
    ]
    non_compliant.sort(key=lambda r: (r["county"], r["uscc"]))
    versions = [
        {"version_no": v.version_no, "transition_zh": TRANSITION_ZH.get(v.transition, v.transition),
         "level_zh": level_zh(v.level), "issued_at": clock.fmt(v.created_at),
         "effective_from": clock.fmt(v.effective_from or (w.start if v.version_no == 1 else v.created_at)),
         "firms_noticed": inp.noticed.get(v.version_no, 0)}
        for v in inp.versions if _on(v.created_at, day)
    ]
    notes = [
        "计划减排量：方案文件按“每日”给出各生产线的减排量（kg/日），本日按各版方案在本日的生效小时数折算"
        "（生效 h 小时计 h/24 日）后按区县汇总。",
        "回执、落实报告按北京时间日历日统计：“当日”为本日内完成的，“累计”为截至本日 24 时完成的；按时与逾期以通知所列期限为准。",
        "现场检查按检查时间（北京时间）计入当日；未落实合计为现场检查或用电核查发现未落实的企业（去重）。",
        inp.electricity_note,
    ]
    county_set = set(under.values())
    return DailyFigures(
        warning_id=w.id, day=day, level=level, city=inp.city, area=inp.area,
        rows={"county": rows.result(county_set), "version": versions,
              "inspection": [_inspection_row(inp, i) for i in todays], "non_compliant": non_compliant},
        notes=notes, generated_at=clock.now(), versions_in_force=in_force,
    )


# --- the episode summary ----------------------------------------------------------------


@dataclass
class SummaryFigures:
    warning_id: int
    city: str
    area: str
    level: str
    start: datetime
    end: datetime
    issued_at: datetime
    released_at: datetime | None
    release_reason: str | None
    due_at: datetime | None
    rows: dict[str, list[dict]]
    notes: list[str]
    evaluation: dict | None
    chart: object | None  # markupsafe.Markup of the episode chart, or None
    generated_at: datetime

    def as_dict(self) -> dict:
        return {"warning_id": self.warning_id, "city": self.city, "level": self.level,
                "start": clock.iso(self.start), "end": clock.iso(self.end), "issued_at": clock.iso(self.issued_at),
                "released_at": clock.iso(self.released_at), "release_reason": self.release_reason,
                "due_at": clock.iso(self.due_at), "generated_at": clock.iso(self.generated_at),
                "notes": self.notes, "evaluation_available": self.evaluation is not None, **self.rows}


EVALUATION_MISSING = "效果评估数据暂缺"


def _evaluation(engine: Engine, warning_id: int):
    """(EpisodeEffect or None, chart or None, note)."""
    try:
        from emergency.evaluation.effect import evaluate_episode
    except ImportError:
        return None, None, f"{EVALUATION_MISSING}：本系统尚未提供减排效果评估（emergency.evaluation.effect）。"
    try:
        effect = evaluate_episode(engine, warning_id)
    except EmergencyError as exc:
        return None, None, f"{EVALUATION_MISSING}：{exc.message}"
    chart = None
    try:
        from emergency.evaluation.charts import episode_chart

        chart = episode_chart(effect)
    except ImportError:
        pass
    except EmergencyError as exc:
        log.error("reports: episode chart of warning %s failed: %s", warning_id, exc.message)
    return effect, chart, ""


def summary_figures(engine: Engine, inp: Inputs, summary_within_days: float, evaluate: bool = True) -> SummaryFigures:
    w = inp.warning
    rows = _Counties()
    measure_grade: dict[tuple[str, str, str], tuple[set, set]] = defaultdict(lambda: (set(), set()))
    counties: set[str] = set()
    for p, actions in _actions_by_version(inp):
        if p.empty:
            continue
        days_share = (clock.as_utc(p.end) - clock.as_utc(p.start)).total_seconds() / 86400.0
        for a in actions:
            u = a.enterprise_uscc
            c = inp.county.get(u, NO_COUNTY)
            counties.add(c)
            rows.firm(c, "firms", u)
            rows.firm(c, "lines", (u, a.line_id))
            for pol, kg in a.reduction_kg.items():
                rows.add(c, f"planned_{pol}_kg", kg * days_share)
            rows.add(c, "lost_output_wan_yuan", a.lost_value_yuan * days_share / 1e4)
            firms, lines = measure_grade[(c, a.measure_zh or a.measure, inp.grades.get(u) or "")]
            firms.add(u)
            lines.add((u, a.line_id))
    for s in inp.statuses:
        _status_counts(rows, s, inp.county.get(s.order.uscc, s.order.county), None, None)
    for i in inp.inspections:
        c = inp.county.get(i.uscc, NO_COUNTY)
        rows.add(c, "inspections")
        rows.firm(c, "inspected", i.uscc)
        if i.result == NON_COMPLIANT:
            rows.firm(c, "inspection_non_compliant", i.uscc)
            rows.firm(c, "non_compliant", i.uscc)
    for u, verdict in (inp.electricity or {}).items():
        if verdict == "未落实":
            c = inp.county.get(u, NO_COUNTY)
            rows.firm(c, "electricity_non_compliant", u)
            rows.firm(c, "non_compliant", u)
    county_rows = rows.result(counties)
    mg = [{"county": c, "measure_zh": m, "grade": g, "firms": len(f), "lines": len(ln)}
          for (c, m, g), (f, ln) in sorted(measure_grade.items())]
    end = warning_end(w)
    released = clock.as_utc(w.released_at or w.updated_at) if w.state == "released" else None
    transitions = []
    for p in inp.periods:
        v = p.version
        transitions.append({
            "at": clock.fmt(v.created_at), "transition_zh": TRANSITION_ZH.get(v.transition, v.transition),
            "level_zh": level_zh(v.level), "version_no": v.version_no, "effective_from": clock.fmt(p.start),
            "firms_noticed": inp.noticed.get(v.version_no, 0),
            "note": "" if not p.empty else "被后续版本取代，未实际生效",
        })
    if released is not None:
        transitions.append({"at": clock.fmt(released), "transition_zh": TRANSITION_ZH["release"], "level_zh": "",
                            "version_no": None, "effective_from": clock.fmt(released), "firms_noticed": None,
                            "note": w.release_reason or ""})
    due = released + timedelta(days=summary_within_days) if released is not None else None
    effect, chart, eval_note = _evaluation(engine, w.id) if evaluate else (None, None, f"{EVALUATION_MISSING}。")
    reduction: list[dict] = []
    aqi: list[dict] = []
    evaluation = None
    if effect is not None:
        evaluation = effect.as_dict()
        for r in effect.county_rows():
            planned, achieved = r.get("planned_kg"), r.get("achieved_kg")
            # like for like: what was achieved on the firm-days with data, against what was
            # planned on those same firm-days (coverage says how much of the plan that is)
            covered = r.get("planned_covered_kg", planned)
            reduction.append({
                "county": r.get("county"), "pollutant": r.get("pollutant"), "planned_kg": planned,
                "achieved_kg": achieved,
                "achieved_share": (round(achieved / covered, 3) if achieved is not None and covered else None),
                "source": {"cems": "在线监测", "electricity": "用电量", "none": "无数据"}.get(r.get("source"), r.get("source")),
                "coverage": r.get("coverage"),
            })
        aqi = [{"day": (d["day"].isoformat() if hasattr(d.get("day"), "isoformat") else d.get("day")),
                "area": d.get("area"), "forecast_aqi": d.get("forecast_aqi"), "observed_aqi": d.get("observed_aqi")}
               for d in effect.aqi_days()]
    else:
        for r in county_rows:
            for pol in POLLUTANTS:
                reduction.append({"county": r["county"], "pollutant": pol.value,
                                  "planned_kg": r[f"planned_{pol.value}_kg"], "achieved_kg": None,
                                  "achieved_share": None, "source": EVALUATION_MISSING, "coverage": None})
    notes = [
        "计划减排量与影响产值：方案文件按“每日”给出（kg/日、元/日），按各版方案实际生效的时长（小时/24）折算后汇总；"
        "被后续版本取代而未生效的版本不计。",
        "回执与落实报告按生成本报告时的记录统计，按时与逾期以通知所列期限为准；未回执、未报告含已逾期和尚未到期的。",
        "分措施分级统计：同一生产线在不同版本中措施不同的，各计一次。",
        inp.electricity_note,
    ]
    if effect is not None:
        notes.append(f"效果评估（emergency.evaluation）：实际减排按在线监测或用电量推算，数据覆盖率见“减排效果”；"
                     f"其计算的影响产值为 {float(effect.lost_output_wan_yuan):,.2f} 万元。")
    if eval_note:
        notes.append(eval_note)
    if released is None:
        notes.insert(0, "预警尚未解除：本报告为阶段统计，不是最终总结。")
    return SummaryFigures(
        warning_id=w.id, city=inp.city, area=inp.area, level=w.level, start=clock.as_utc(w.start), end=end,
        issued_at=clock.as_utc(w.created_at), released_at=released, release_reason=w.release_reason, due_at=due,
        rows={"county": county_rows, "measure_grade": mg, "transition": transitions, "reduction": reduction,
              "aqi": aqi, "inspection": [_inspection_row(inp, i) for i in inp.inspections]},
        notes=notes, evaluation=evaluation, chart=chart, generated_at=clock.now(),
    )
