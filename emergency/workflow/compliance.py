"""Compliance check (落实核查) from daily electricity use.

CSV columns (UTF-8, header row): ``统一社会信用代码`` (or ``enterprise_uscc``),
``生产线编号`` (or ``line_id``, optional: blank = whole enterprise), ``日期`` (``day``,
YYYY-MM-DD), ``用电量(kWh)`` (``kwh``). An import takes the whole file or nothing
and names row, column and reason for every rejected cell.

Check: for each enterprise with measures in the warning's latest plan, the expected
drop is its lost share of output value (Σ cut × value / Σ value); the observed drop
is 1 − (mean daily use during the warning) / (mean daily use over the ``baseline_days``
before it). A firm is flagged when observed < expected − tolerance.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert, select
from sqlmodel import Session

from emergency.errors import ImportRejected
from emergency.plans.document import PlanDocument
from emergency.workflow.models import AuditRecord, ElectricityReading
from emergency.workflow.lifecycle import get_warning, plan_version
from enterprise_registry.cells import CellError, Problem, parse_date, parse_float, parse_uscc
from enterprise_registry.service import export_tables

COLUMNS = {
    "enterprise_uscc": ("统一社会信用代码", "enterprise_uscc"),
    "line_id": ("生产线编号", "line_id"),
    "day": ("日期", "day"),
    "kwh": ("用电量(kWh)", "kwh"),
}


@dataclass(frozen=True)
class ComplianceRow:
    enterprise_uscc: str
    enterprise_name: str
    expected_drop: float
    observed_drop: float | None
    verdict: str  # 落实 / 未落实 / 数据不足


def import_electricity(engine: Engine, path: Path, actor: str = "system") -> int:
    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        raise ImportRejected(f"{path}: 空文件", [])
    header = [h.strip() for h in rows[0]]
    col = {}
    problems: list[Problem] = []
    for key, names in COLUMNS.items():
        found = next((header.index(n) for n in names if n in header), None)
        if found is None and key != "line_id":
            problems.append(Problem("用电量", 1, names[0], None, "缺少必填列"))
        col[key] = found
    if problems:
        raise ImportRejected(f"{path}: 表头有误，未导入", problems)
    parsed = []
    seen = {}
    for r, row in enumerate(rows[1:], start=2):
        try:
            uscc = parse_uscc(row[col["enterprise_uscc"]])
        except (CellError, IndexError) as exc:
            problems.append(Problem("用电量", r, COLUMNS["enterprise_uscc"][0], row[col["enterprise_uscc"]] if col["enterprise_uscc"] < len(row) else None, str(exc)))
            continue
        line = (row[col["line_id"]].strip() if col["line_id"] is not None and col["line_id"] < len(row) else "")
        try:
            day = parse_date(row[col["day"]])
        except (CellError, IndexError) as exc:
            problems.append(Problem("用电量", r, COLUMNS["day"][0], row[col["day"]] if col["day"] < len(row) else None, str(exc)))
            continue
        try:
            kwh = parse_float(row[col["kwh"]])
        except (CellError, IndexError) as exc:
            problems.append(Problem("用电量", r, COLUMNS["kwh"][0], row[col["kwh"]] if col["kwh"] < len(row) else None, str(exc)))
            continue
        key = (uscc, line, day)
        if key in seen:
            problems.append(Problem("用电量", r, COLUMNS["day"][0], str(day), f"与第{seen[key]}行重复"))
            continue
        seen[key] = r
        parsed.append({"enterprise_uscc": uscc, "line_id": line, "day": day, "kwh": kwh})
    if problems:
        raise ImportRejected(f"{path}: {len(problems)} 处错误，未导入任何数据", problems)
    with Session(engine) as session:
        if parsed:
            session.execute(insert(ElectricityReading), parsed)
        session.add(AuditRecord(actor=actor, action="compliance.import", target=str(path.name), details=f'{{"rows": {len(parsed)}}}'))
        session.commit()
    return len(parsed)


def check_compliance(engine: Engine, warning_id: int, *, baseline_days: int = 7, tolerance: float = 0.10) -> list[ComplianceRow]:
    w, _ = get_warning(engine, warning_id)
    doc = PlanDocument.model_validate_json(plan_version(engine, warning_id).document)
    tables = export_tables(engine, w.registry_version)
    value = {f"{u}/{c}": v for u, c, v in zip(tables.lines["uscc"], tables.lines["line_code"], tables.lines["output_value_yuan"])}
    firm_value: dict[str, float] = {}
    for u, v in zip(tables.lines["uscc"], tables.lines["output_value_yuan"]):
        firm_value[u] = firm_value.get(u, 0.0) + v
    names = dict(zip(tables.enterprises["uscc"], tables.enterprises["name"]))
    lost: dict[str, float] = {}
    for a in doc.actions:
        lost[a.enterprise_uscc] = lost.get(a.enterprise_uscc, 0.0) + a.output_cut * value.get(a.line_id, 0.0)
    start, end = w.start.date(), w.end.date()
    base_from = start - timedelta(days=baseline_days)
    with Session(engine) as session:
        readings = session.execute(
            select(ElectricityReading.enterprise_uscc, ElectricityReading.day, ElectricityReading.kwh)
            .where(ElectricityReading.enterprise_uscc.in_(list(lost)), ElectricityReading.day >= base_from, ElectricityReading.day <= end)
        ).all()
    daily: dict[tuple[str, date], float] = {}
    for u, d, k in readings:
        daily[(u, d)] = daily.get((u, d), 0.0) + k
    out = []
    for u in sorted(lost):
        expected = lost[u] / firm_value[u] if firm_value.get(u) else 0.0
        before = [k for (uu, d), k in daily.items() if uu == u and base_from <= d < start]
        during = [k for (uu, d), k in daily.items() if uu == u and start <= d <= end]
        if not before or not during or sum(before) <= 0:
            out.append(ComplianceRow(u, names.get(u, ""), expected, None, "数据不足"))
            continue
        observed = 1.0 - (sum(during) / len(during)) / (sum(before) / len(before))
        verdict = "落实" if observed >= expected - tolerance else "未落实"
        out.append(ComplianceRow(u, names.get(u, ""), expected, observed, verdict))
    return out
