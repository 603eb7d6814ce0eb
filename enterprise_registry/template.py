"""The empty, documented template (`emergency registry template`).

A 填表说明 sheet (every column: sheet, header, required or not, unit, explanation,
from ``ColumnSpec.doc``) followed by the four empty sheets with their headers. Rows go
through ``safe_row`` like every workbook we write.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from emergency.errors import RegistryError
from enterprise_registry.columns import SHEETS
from enterprise_registry.workbook import HEADER_FILL, HEADER_FONT, column_width, replacing, safe_row

GUIDE_TITLE = "填表说明"
GENERAL_RULES = (
    "整个文件要么全部导入，要么全部不导入；任何单元格有误都会列出工作表、行号、列名和原因，数据库不作任何修改。",
    "数值单元格只填数字（单位见表头），不要带单位、千位分隔符或逗号小数点；百分比填0–100（如50表示50%），不要设成百分比格式。",
    "是/否列填“是”或“否”；日期填 YYYY-MM-DD。",
    "每年修订的清单作为新的清单版本导入；同名版本已存在时须加 --replace 才会覆盖。",
    "表头上方可以有标题行；表头须与本模板一致（全角括号、空格、大小写不影响）。",
)


def write_template(path: Path) -> Path:
    """Write the template workbook to ``path`` (.xlsx)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise RegistryError("模板只能写成 .xlsx 文件 (template must be an .xlsx file)")
    wb = Workbook()
    guide = wb.active
    guide.title = GUIDE_TITLE
    guide.append(safe_row(guide, ["工作表", "列名", "是否必填", "单位", "说明"]))
    for cell in guide[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for spec in SHEETS:
        for c in spec.columns:
            required = "系统计算" if c.export_only else ("必填" if c.required else "选填")
            guide.append(safe_row(guide, [spec.title, c.header, required, c.unit, c.doc]))
    guide.append([])
    for i, rule in enumerate(GENERAL_RULES):
        guide.append(safe_row(guide, ["", "通用规则" if i == 0 else "", "", "", rule]))
    for col, width in zip("ABCDE", (10, 28, 10, 8, 90)):
        guide.column_dimensions[col].width = width
    for spec in SHEETS:
        ws = wb.create_sheet(spec.title)
        ws.append(safe_row(ws, [c.header for c in spec.columns]))
        for i, c in enumerate(spec.columns, start=1):
            ws.cell(row=1, column=i).font = HEADER_FONT
            ws.cell(row=1, column=i).fill = HEADER_FILL
            ws.column_dimensions[get_column_letter(i)].width = column_width(c.header)
        ws.freeze_panes = "A2"
    with replacing(path) as tmp:
        wb.save(tmp)
    return path
