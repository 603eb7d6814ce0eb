"""The list as an .xlsx workbook: sheets 清单版本, 区域, 企业, 生产线.

Reading uses python-calamine (a Rust reader): openpyxl's read-only mode is several
times slower on a 250,000-row sheet (see benchmarks/registry_io.py). Writing uses
openpyxl's write-only mode, which streams rows and keeps memory flat.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from emergency.errors import RegistryError
from enterprise_registry.cells import sheet_rows
from enterprise_registry.columns import SHEETS, RegistryTables, SheetSpec

Progress = Callable[[str, int], None]  # (sheet key, rows written)

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
PROGRESS_EVERY = 20_000


def column_width(header: str) -> int:
    return max(10, len(header) * 2)


def read_workbook(path: Path) -> dict[str, tuple[str, list[list[Any]]]]:
    """Every sheet's cells from A1 (``sheet key -> (sheet title, rows)``)."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise RegistryError(f"无法读取Excel文件 {path}（文件损坏或不是 .xlsx？）: {exc}") from None
    names = {name.strip(): name for name in wb.sheet_names}
    missing = [s.title for s in SHEETS if s.title not in names]
    if missing:
        raise RegistryError(
            f"{path}: 缺少工作表 (missing sheets) {'、'.join(missing)}；清单应包含工作表 "
            + "、".join(s.title for s in SHEETS)
            + "（可用 emergency registry template 生成模板）"
        )
    return {
        spec.key: (spec.title, wb.get_sheet_by_name(names[spec.title]).to_python(skip_empty_area=False))
        for spec in SHEETS
    }


def clean_text(value: str) -> str:
    """``value`` without the control characters a workbook cannot hold (each becomes U+FFFD)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)


def safe_value(ws, value: Any) -> Any:
    """A value to write into a cell of ``ws`` that is never a live formula: a text starting
    with ``=`` (or holding control characters) becomes a cell typed as text, shown as
    written; everything else is returned as is. Every workbook we write goes through
    this (a firm named ``=HYPERLINK(…)`` must not become a link in an officer's Excel)."""
    if not isinstance(value, str) or (value.isprintable() and not value.startswith("=")):
        return value
    cell = WriteOnlyCell(ws, value=clean_text(value))
    cell.data_type = "s"
    return cell


def safe_row(ws, values) -> list[Any]:
    """:func:`safe_value` of each value (for ``ws.append``)."""
    return [safe_value(ws, v) for v in values]


def neutralise(cell) -> None:
    """For a cell of a normal (not write-only) sheet, after its value was set: a text
    read as a formula is stored as text; control characters are replaced."""
    if isinstance(cell.value, str) and (cell.data_type == "f" or not cell.value.isprintable()):
        cell.value = clean_text(cell.value)
        cell.data_type = "s"


def _header_cells(ws, spec: SheetSpec) -> list[WriteOnlyCell]:
    cells = []
    for c in spec.columns:
        cell = WriteOnlyCell(ws, value=c.header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True)
        cells.append(cell)
    return cells


def write_workbook(tables: RegistryTables, path: Path, progress: Progress | None = None) -> None:
    """Write the four sheets with openpyxl's write-only (streaming) workbook."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    for spec in SHEETS:
        ws = wb.create_sheet(spec.title)
        ws.freeze_panes = "A2"
        for i, c in enumerate(spec.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = column_width(c.header)
        ws.append(_header_cells(ws, spec))
        for i, row in enumerate(sheet_rows(spec, getattr(tables, spec.key)), start=1):
            ws.append(safe_row(ws, row))
            if progress and i % PROGRESS_EVERY == 0:
                progress(spec.key, i)
    wb.save(path)
