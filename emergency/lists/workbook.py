"""The list check as an Excel workbook (Chinese headers), the table a planner signs.

Sheets: 概要 (per level: short or not, lost output value, lines with filed measures),
减排核算 (per level, area and column: baseline, required, filed, shortfall — short rows
coloured), 未备案企业 (firms without filed measures), 豁免企业 (spared firms and why),
低于底线 (filed measures weaker than the grade floor). Every cell goes through
``enterprise_registry.workbook`` (safe_row): a firm named ``=HYPERLINK(…)`` stays text.
Written atomically (``emergency.atomic_files``).
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from emergency.atomic_files import replacing
from emergency.lists.check import ListCheck
from emergency.vocabulary import LEVEL_LABELS_ZH, POLLUTANT_LABELS_ZH, Pollutant
from enterprise_registry.workbook import neutralise, safe_row

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_SHORT_FILL = PatternFill("solid", fgColor="F8CBAD")


def column_label(column: str, replaced_by: str | None = None) -> str:
    """``颗粒物``, ``SO2+NOx合计``, or ``SO2(并入SO2+NOx合计)`` for a row a combined target replaces."""
    label = "+".join(POLLUTANT_LABELS_ZH[Pollutant(p)] for p in column.split("+"))
    if "+" in column:
        return f"{label}合计"
    return f"{label}(并入{replaced_by}合计)" if replaced_by else label


def _cell(ws, value, fill=None, bold=False):
    cell = WriteOnlyCell(ws, value=value)
    neutralise(cell)
    if bold:
        cell.font = Font(bold=True)
    if fill is not None:
        cell.fill = fill
    return cell


def _sheet(wb: Workbook, title: str, headers: list[str], rows, short=None) -> None:
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    for i, h in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(h) * 2 + 2))
    ws.append([_cell(ws, h, _HEADER_FILL, bold=True) for h in headers])
    for row in rows:
        if short is not None and short(row):
            ws.append([_cell(ws, v, _SHORT_FILL) for v in row])
        else:
            ws.append(safe_row(ws, row))


def write_check_workbook(check: ListCheck, path: Path) -> Path:
    """Write the check to ``path`` (.xlsx), whole or not at all."""
    wb = Workbook(write_only=True)
    level_zh = lambda lv: LEVEL_LABELS_ZH[lv]  # noqa: E731
    _sheet(wb, "概要", ["预警级别", "是否满足全部减排目标", "有备案措施的生产线", "生产线总数", "备案措施损失产值(元/日)",
                        "未备案企业数", "豁免企业数", "低于底线的生产线数"],
           [[level_zh(lv.level), "否" if lv.short else "是", lv.filed_lines, lv.lines, round(lv.lost_value_yuan, 2),
             len(lv.without_filed), len(lv.spared), len(lv.below_floor)] for lv in check.levels],
           short=lambda row: row[1] == "否")
    _sheet(wb, "减排核算", ["预警级别", "区域", "污染物", "基准排放量(kg/d)", "应减排量(kg/d)", "备案措施减排量(kg/d)", "缺口(kg/d)"],
           [[level_zh(lv.level), r.area, column_label(r.column, r.replaced_by), round(r.baseline_kg, 3),
             round(r.required_kg, 3), round(r.filed_kg, 3), round(r.shortfall_kg, 3)]
            for lv in check.levels for r in lv.rows],
           short=lambda row: row[6] > 0)
    _sheet(wb, "未备案企业", ["预警级别", "区县", "企业名称", "统一社会信用代码"],
           [[level_zh(lv.level), f.county, f.enterprise_name, f.enterprise_uscc] for lv in check.levels for f in lv.without_filed])
    _sheet(wb, "豁免企业", ["预警级别", "区县", "企业名称", "统一社会信用代码", "豁免原因", "备案措施未计入"],
           [[level_zh(lv.level), f.county, f.enterprise_name, f.enterprise_uscc, f.reason or "",
             "是" if f.filed_not_counted else ""] for lv in check.levels for f in lv.spared])
    _sheet(wb, "低于底线", ["预警级别", "区县", "企业名称", "统一社会信用代码", "生产线编号", "备案措施", "底线措施",
                            "底线来源", "备案减产比例", "底线减产比例", "低于底线的污染物"],
           [[level_zh(lv.level), w.county, w.enterprise_name, w.enterprise_uscc, w.line_id, w.filed_measure,
             w.floor_measure, w.floor_source, round(w.filed_cut, 4), round(w.floor_cut, 4),
             "、".join(POLLUTANT_LABELS_ZH[Pollutant(p)] for p in w.weaker_for)]
            for lv in check.levels for w in lv.below_floor])
    path = Path(path)
    with replacing(path) as tmp:
        wb.save(tmp)
    return path
