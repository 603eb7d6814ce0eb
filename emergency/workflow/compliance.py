"""Compliance check (落实核查): did each firm's electricity use drop as its notice said?

Readings come from the CSV import (:mod:`emergency.workflow.electricity_readings`).

The rule. Days are the bureau's calendar days (北京时间, :mod:`emergency.clock`). A
warning runs over [S, E) — E is its end, or its release if earlier — and each plan
version v is in force over its own span (:mod:`emergency.workflow.plan_periods`: an
upgrade takes over from its effective time). For a firm f:

    e_v(f)   expected drop of f's daily electricity under version v: the figure its notice
             prints (:func:`emergency.plans.electricity.expected_drops`, to a tenth of a percent)
    h_v(d)   hours of day d in version v's span (``clock.day_hours``); H(d) = Σ_v h_v(d)
    B(f)     baseline: mean daily kWh of f over the ``[compliance] baseline_days`` days
             before the warning's first day (the days with a reading)
    K(f, d)  f's kWh on day d: its whole-enterprise reading (生产线编号 blank) if there is
             one, else the sum of its lines' readings
    D(f)     the warning days (H(d) > 0) with a reading of f

    expected(f) = Σ_{d∈D} Σ_v h_v(d)·e_v(f)  /  Σ_{d∈D} H(d)
    observed(f) = Σ_{d∈D} (B − K(f, d))       /  Σ_{d∈D} B·H(d)/24      (shown at most 100 %)

    落实      observed ≥ expected − tolerance
    未落实    observed < expected − tolerance
    数据不足  fewer than ⌈baseline_days / 2⌉ baseline days with a reading, B = 0, or D empty

Days partly covered by the warning are weighted by the hours covered: on a day with h
warning hours the firm is expected to use B·(1 − Σ_v h_v·e_v / 24) — its usual use in
the hours outside the warning. So a firm that follows its notice hour by hour has
observed = expected exactly; a firm using B·(1 − e) on every warning day (the notice's
figure, partial days included) saves at least that (落实); a firm whose use did not drop
has observed ≈ 0 (未落实 whenever its expected drop exceeds the tolerance). With one plan
version, expected(f) is the notice's figure. Tolerance: ``[compliance] tolerance`` of
the policy unless the officer gives another.

Firms judged: every firm with a measure in a version in force whose expected drop is
above zero (a truck ban alone does not show in electricity use).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, and_, select
from sqlmodel import Session

from emergency import clock
from emergency.errors import NotFound
from emergency.notices import wording
from emergency.plans.document import PlanDocument
from emergency.plans.electricity import expected_drops, stated_drop
from emergency.plans.service import policy_for
from emergency.workflow.lifecycle import get_warning
from emergency.workflow.models import ElectricityReading
from emergency.workflow.plan_periods import PlanPeriod, plan_periods, warning_end
from enterprise_registry.service import load_planning_tables

COMPLIANT, NON_COMPLIANT, NO_DATA = "落实", "未落实", "数据不足"
VERDICT_CODES = {COMPLIANT: "compliant", NON_COMPLIANT: "non_compliant", NO_DATA: "insufficient_data"}
EPSILON = 1e-9  # floating-point slack of the comparison, not a tolerance

RULE_ZH = (
    "判定规则：实降 = 预警期间节约的用电量 ÷ 预警时段的基准用电量（基准 = 预警首日前 N 个北京时间日历日的日均用电量；"
    "部分时段处于预警的日期按预警小时数折算）；应降 = 管控通知所列应降比例（预警升级、降级时按各版方案的生效小时数加权）；"
    "实降 ≥ 应降 − 容差 为“落实”，否则为“未落实”；基准期有用电数据的天数少于一半、基准为 0 或预警期间无数据为“数据不足”。"
)


def percent(x: float | None) -> str:
    """How the check shows a drop: as the notice does (45.4%, 90%); '' for None."""
    return "" if x is None else wording.percent(x)


@dataclass(frozen=True)
class ComplianceRow:
    enterprise_uscc: str
    enterprise_name: str
    county: str
    expected_drop: float
    observed_drop: float | None
    days_with_data: int  # warning days with a reading
    warning_days: int
    baseline_days_with_data: int
    baseline_kwh: float | None  # mean daily kWh of the baseline days
    verdict: str  # 落实 / 未落实 / 数据不足

    @property
    def verdict_code(self) -> str:
        return VERDICT_CODES[self.verdict]

    def as_dict(self) -> dict:
        return {**asdict(self), "verdict_code": self.verdict_code}


def _count(rows: list[ComplianceRow]) -> dict[str, int]:
    out = {code: 0 for code in VERDICT_CODES.values()}
    for r in rows:
        out[r.verdict_code] += 1
    return {**out, "firms": len(rows)}


@dataclass
class ComplianceReport:
    warning_id: int
    level: str
    start: datetime
    end: datetime  # the end of the measures (release, if earlier)
    warning_days: list[date]
    baseline_first: date
    baseline_last: date
    baseline_days: int
    tolerance: float
    rows: list[ComplianceRow] = field(default_factory=list)

    def failed(self) -> list[ComplianceRow]:
        return [r for r in self.rows if r.verdict == NON_COMPLIANT]

    def totals(self) -> dict[str, int]:
        """Firms per verdict (``compliant``, ``non_compliant``, ``insufficient_data``, ``firms``)."""
        return _count(self.rows)

    def by_county(self) -> dict[str, dict[str, int]]:
        groups: dict[str, list[ComplianceRow]] = defaultdict(list)
        for r in self.rows:
            groups[r.county].append(r)
        return {county: _count(rows) for county, rows in sorted(groups.items())}

    def as_dict(self, only_failed: bool = False) -> dict:
        """The API's answer: totals over every firm judged, per county, and the rows
        (only the 未落实 ones with ``only_failed``)."""
        return {
            "warning_id": self.warning_id,
            "level": self.level,
            "start": clock.iso(self.start),
            "end": clock.iso(self.end),
            "warning_days": [d.isoformat() for d in self.warning_days],
            "baseline": [self.baseline_first.isoformat(), self.baseline_last.isoformat()],
            "tolerance": self.tolerance,
            "totals": self.totals(),
            "by_county": self.by_county(),
            "rows": [r.as_dict() for r in (self.failed() if only_failed else self.rows)],
        }


def _daily_use(engine: Engine, firms: list[str], first: date, last: date) -> dict[tuple[str, date], float]:
    """K(f, d): the whole-enterprise reading of the day if any, else the sum of the lines'."""
    R = ElectricityReading
    whole: dict[tuple[str, date], float] = {}
    lines: dict[tuple[str, date], float] = defaultdict(float)
    with Session(engine) as session:
        for i in range(0, len(firms), 500):
            q = select(R.enterprise_uscc, R.line_id, R.day, R.kwh).where(
                and_(R.enterprise_uscc.in_(firms[i:i + 500]), R.day >= first, R.day <= last))
            for u, line, d, kwh in session.execute(q).all():
                if line:
                    lines[(u, d)] += kwh
                else:
                    whole[(u, d)] = kwh
    return {**lines, **whole}


def _judge(u: str, saved_hours: dict[date, float], hours: dict[date, float], use: dict[tuple[str, date], float],
           baseline: list[date], tolerance: float) -> tuple[float, float | None, int, int, float | None, str]:
    """(expected, observed, days with data, baseline days with data, B, verdict) of firm ``u``."""
    base = [use[(u, d)] for d in baseline if (u, d) in use]
    B = sum(base) / len(base) if base else None
    data_days = [d for d in hours if (u, d) in use]
    H = sum(hours[d] for d in data_days)
    expected = (sum(saved_hours.get(d, 0.0) for d in data_days) / H if H > 0 else
                sum(saved_hours.values()) / sum(hours.values()))
    if len(base) < math.ceil(len(baseline) / 2) or not B or B <= 0 or not data_days:
        return expected, None, len(data_days), len(base), B, NO_DATA
    observed = min(1.0, sum(B - use[(u, d)] for d in data_days) / (B * H / 24.0))
    verdict = COMPLIANT if observed >= expected - tolerance - EPSILON else NON_COMPLIANT
    return expected, observed, len(data_days), len(base), B, verdict


def check_compliance(engine: Engine, warning_id: int, *, tolerance: float | None = None) -> ComplianceReport:
    """Judge every firm with measures under warning ``warning_id`` (the rule: module docstring)."""
    w, versions = get_warning(engine, warning_id)
    if not versions:
        raise NotFound(f"预警 {warning_id} 没有方案版本，无法核查 (no plan version)")
    tables = load_planning_tables(engine, w.registry_version)
    policy = policy_for(tables).compliance
    tolerance = policy.tolerance if tolerance is None else float(tolerance)
    periods: list[PlanPeriod] = [p for p in plan_periods(w, versions) if not p.empty]
    days = sorted({d for p in periods for d in p.days()})
    hours = {d: sum(p.hours_on(d) for p in periods) for d in days}
    hours = {d: h for d, h in hours.items() if h > 0}
    saved: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))  # Σ_v h_v(d)·e_v(f)
    for p in periods:
        doc = PlanDocument.model_validate_json(p.version.document)
        p_hours = [(d, p.hours_on(d)) for d in p.days()]  # the same for every firm
        for u, e in expected_drops(doc.actions, tables, policy).items():
            e = stated_drop(e)
            if e <= 0:
                continue
            firm = saved[u]
            for d, h in p_hours:
                firm[d] += h * e
    start = clock.as_utc(w.start)
    first_day = clock.local_day(start)
    baseline = [first_day - timedelta(days=k) for k in range(policy.baseline_days, 0, -1)]
    report = ComplianceReport(
        warning_id=w.id, level=w.level, start=start, end=warning_end(w), warning_days=sorted(hours),
        baseline_first=baseline[0], baseline_last=baseline[-1], baseline_days=policy.baseline_days, tolerance=tolerance,
    )
    firms = sorted(saved)
    if not firms or not hours:
        return report
    use = _daily_use(engine, firms, baseline[0], max(hours))
    names = dict(zip(tables.enterprises["uscc"], tables.enterprises["name"]))
    county = dict(zip(tables.enterprises["uscc"], tables.enterprises["county"]))
    for u in firms:
        expected, observed, n_days, n_base, B, verdict = _judge(u, saved[u], hours, use, baseline, tolerance)
        report.rows.append(ComplianceRow(
            enterprise_uscc=u, enterprise_name=names.get(u, ""), county=county.get(u) or "", expected_drop=expected,
            observed_drop=observed, days_with_data=n_days, warning_days=len(hours), baseline_days_with_data=n_base,
            baseline_kwh=B, verdict=verdict,
        ))
    report.rows.sort(key=lambda r: (r.county, r.verdict != NON_COMPLIANT, r.enterprise_uscc))
    return report
