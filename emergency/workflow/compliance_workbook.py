"""The compliance check as an Excel workbook (落实核查表), for the officer to follow up.

Sheets: 核查结果 (one row per firm: county, name, code, expected and observed drop, days
with data, baseline, verdict; 未落实 first within each county), 汇总 (the totals, city and
per county) and 说明 (the warning, the baseline days, the tolerance and the rule).
Written atomically (a temporary file renamed over the target); every text cell goes
through :func:`enterprise_registry.workbook.safe_row` (no live formulas, no control
characters).
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from emergency import clock
from emergency.atomic_files import replacing
from emergency.workflow.compliance import NON_COMPLIANT, RULE_ZH, ComplianceReport, percent
from enterprise_registry.workbook import safe_row

RESULT_HEADERS = ("区县", "企业名称", "统一社会信用代码", "应降比例", "实降比例", "有数据的预警天数", "预警天数",
                  "基准期有数据天数", "基准日均用电量(kWh)", "结论")
TOTAL_HEADERS = ("区域", "核查企业数", "落实", "未落实", "数据不足")
_BOLD = Font(bold=True)
_HEAD = PatternFill("solid", fgColor="DDEBF7")
_BAD = PatternFill("solid", fgColor="F8CBAD")


def _header(ws, names) -> None:
    cells = []
    for name in names:
        c = WriteOnlyCell(ws, value=name)
        c.font, c.fill = _BOLD, _HEAD
        cells.append(c)
    ws.append(cells)


def _percent(ws, value: float | None):
    if value is None:
        return None
    c = WriteOnlyCell(ws, value=round(value, 4))
    c.number_format = "0.0%"
    return c


def write_workbook(report: ComplianceReport, path: Path, *, only_failed: bool = False) -> Path:
    """Write ``report`` to ``path`` (.xlsx); with ``only_failed`` the result sheet lists
    only 未落实 firms (the totals always cover every firm judged)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("核查结果")
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGHIJ", (10, 34, 22, 10, 10, 10, 8, 10, 14, 10)):
        ws.column_dimensions[col].width = width
    _header(ws, RESULT_HEADERS)
    for r in report.failed() if only_failed else report.rows:
        row = safe_row(ws, [r.county, r.enterprise_name, r.enterprise_uscc])
        row += [_percent(ws, r.expected_drop), _percent(ws, r.observed_drop), r.days_with_data, r.warning_days,
                r.baseline_days_with_data, None if r.baseline_kwh is None else round(r.baseline_kwh, 1)]
        verdict = WriteOnlyCell(ws, value=r.verdict)
        if r.verdict == NON_COMPLIANT:
            verdict.fill = _BAD
        ws.append(row + [verdict])

    ts = wb.create_sheet("汇总")
    ts.column_dimensions["A"].width = 16
    _header(ts, TOTAL_HEADERS)
    t = report.totals()
    ts.append(["全部", t["firms"], t["compliant"], t["non_compliant"], t["insufficient_data"]])
    for county, c in report.by_county().items():
        ts.append(safe_row(ts, [county or "（未填区县）", c["firms"], c["compliant"], c["non_compliant"],
                                c["insufficient_data"]]))

    ns = wb.create_sheet("说明")
    ns.column_dimensions["A"].width = 18
    ns.column_dimensions["B"].width = 100
    days = report.warning_days
    for key, value in (
        ("预警", f"#{report.warning_id}（{report.level}）"),
        ("预警时段", f"{clock.fmt(report.start)} 至 {clock.fmt(report.end)}（{clock.zone_label()}）"),
        ("预警日", f"{days[0].isoformat()} 至 {days[-1].isoformat()}（{len(days)}天）" if days else "—"),
        ("基准期", f"{report.baseline_first.isoformat()} 至 {report.baseline_last.isoformat()}（{report.baseline_days}天）"),
        ("容差", percent(report.tolerance)),
        ("规则", RULE_ZH),
        ("只列未落实", "是" if only_failed else "否"),
    ):
        ns.append(safe_row(ns, [key, value]))
    with replacing(Path(path)) as tmp:
        wb.save(tmp)
    return Path(path)
