"""Read and write list files: an .xlsx workbook or a directory of CSV files.

Format (enterprise_registry/columns.py): sheets 清单版本, 区域, 企业, 生产线 — or
version.csv, areas.csv, enterprises.csv, lines.csv in a directory (UTF-8 with BOM so
Excel opens them). The choice is by path: ``*.xlsx`` is a workbook, anything else a
directory. Reading returns raw sheets (header + rows with their spreadsheet row
numbers); the importer checks them. Reading xlsx uses python-calamine (a Rust
reader: openpyxl's read-only mode is several times slower on a 250,000-row sheet);
writing uses openpyxl's write-only mode.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from emergency.errors import RegistryError
from enterprise_registry.cells import format_cell
from enterprise_registry.columns import SHEETS, RegistryTables, SheetSpec

Progress = Callable[[str, int], None]  # (stage, rows done)


@dataclass
class RawSheet:
    spec: SheetSpec
    header: list[str]
    rows: list[list[Any]]  # data rows, header excluded
    first_row: int = 2  # spreadsheet row number of rows[0]


def is_workbook(path: Path) -> bool:
    return Path(path).suffix.lower() == ".xlsx"


# ---------------------------------------------------------------- reading


def read_list_file(path: Path) -> dict[str, RawSheet]:
    """Raw sheets keyed by SheetSpec.key. Missing sheets are a RegistryError."""
    path = Path(path)
    if not path.exists():
        raise RegistryError(f"文件不存在 (file not found): {path}")
    return _read_workbook(path) if is_workbook(path) else _read_csv_dir(path)


def _trim(rows: list[list[Any]]) -> tuple[list[str], list[list[Any]]]:
    if not rows:
        return [], []
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    while header and not header[-1]:
        header.pop()
    body = rows[1:]
    # drop trailing blank rows
    while body and all(c in (None, "") for c in body[-1]):
        body.pop()
    return header, body


def _read_workbook(path: Path) -> dict[str, RawSheet]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise RegistryError(f"无法读取Excel文件 {path}: {exc}") from None
    names = set(wb.sheet_names)
    out: dict[str, RawSheet] = {}
    missing = [s.title for s in SHEETS if s.title not in names]
    if missing:
        raise RegistryError(
            f"{path}: 缺少工作表 (missing sheets): {'、'.join(missing)}；应包含 "
            + "、".join(s.title for s in SHEETS)
        )
    for spec in SHEETS:
        rows = wb.get_sheet_by_name(spec.title).to_python(skip_empty_area=False)
        header, body = _trim(rows)
        out[spec.key] = RawSheet(spec, header, body)
    return out


def _read_csv_dir(path: Path) -> dict[str, RawSheet]:
    if not path.is_dir():
        raise RegistryError(f"{path}: 应为 .xlsx 文件或包含 CSV 文件的目录")
    out: dict[str, RawSheet] = {}
    for spec in SHEETS:
        file = path / f"{spec.key}.csv"
        if not file.exists():
            raise RegistryError(f"{path}: 缺少 {spec.key}.csv（{spec.title}）")
        try:
            with file.open(encoding="utf-8-sig", newline="") as fh:
                rows = [list(r) for r in csv.reader(fh)]
        except UnicodeDecodeError:
            raise RegistryError(f"{file}: 应为 UTF-8 编码的 CSV 文件") from None
        header, body = _trim(rows)
        out[spec.key] = RawSheet(spec, header, body)
    return out


# ---------------------------------------------------------------- writing


def _table_rows(spec: SheetSpec, table: dict[str, list] | dict) -> Iterator[list[Any]]:
    if spec.key == "version":
        yield [format_cell(c.kind, table.get(c.key)) for c in spec.columns]
        return
    n = len(next(iter(table.values()))) if table else 0
    columns = []
    for c in spec.columns:
        values = table.get(c.key)
        if values is None:
            values = list(range(1, n + 1)) if c.key == "seq" else [None] * n
        if c.kind in ("percent", "bool", "date"):
            values = [format_cell(c.kind, v) for v in values]
        columns.append(values)
    yield from (list(row) for row in zip(*columns))


def humanise(tables: RegistryTables) -> RegistryTables:
    """Industry and process codes replaced by their Chinese names, as people write them."""
    from config.industries import load_industries

    catalog = load_industries().industries
    ents = dict(tables.enterprises)
    ents["industry"] = [catalog[c].name_zh if c in catalog else c for c in ents.get("industry", [])]
    lines = dict(tables.lines)
    industry_of = dict(zip(tables.enterprises.get("uscc", []), tables.enterprises.get("industry", [])))
    lines["process"] = [
        catalog[industry_of[u]].processes.get(p, p) if industry_of.get(u) in catalog else p
        for u, p in zip(lines.get("uscc", []), lines.get("process", []))
    ]
    return RegistryTables(version=tables.version, areas=tables.areas, enterprises=ents, lines=lines)


def write_list_file(tables: RegistryTables, path: Path, progress: Progress | None = None) -> Path:
    """Write a list (industry and process by their Chinese names) as .xlsx or CSV dir."""
    path = Path(path)
    tables = humanise(tables)
    if is_workbook(path):
        _write_workbook(tables, path, progress)
    else:
        _write_csv_dir(tables, path, progress)
    return path


_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _write_workbook(tables: RegistryTables, path: Path, progress: Progress | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    for spec in SHEETS:
        ws = wb.create_sheet(spec.title)
        ws.freeze_panes = "A2"
        for i, c in enumerate(spec.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(10, len(c.header) * 2)
        header = []
        for c in spec.columns:
            cell = WriteOnlyCell(ws, value=c.header)
            cell.font = _HEADER_FONT
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(wrap_text=True)
            header.append(cell)
        ws.append(header)
        for i, row in enumerate(_table_rows(spec, getattr(tables, spec.key)), start=1):
            ws.append(row)
            if progress and i % 20000 == 0:
                progress(spec.key, i)
    wb.save(path)


def _write_csv_dir(tables: RegistryTables, path: Path, progress: Progress | None) -> None:
    path.mkdir(parents=True, exist_ok=True)
    for spec in SHEETS:
        with (path / f"{spec.key}.csv").open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([c.header for c in spec.columns])
            for i, row in enumerate(_table_rows(spec, getattr(tables, spec.key)), start=1):
                writer.writerow(["" if v is None else v for v in row])
                if progress and i % 20000 == 0:
                    progress(spec.key, i)


def write_template(path: Path) -> Path:
    """An empty workbook with every sheet and a documented 填表说明 sheet."""
    path = Path(path)
    if not is_workbook(path):
        raise RegistryError("模板只能写成 .xlsx 文件 (template must be an .xlsx file)")
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    guide = wb.active
    guide.title = "填表说明"
    guide.append(["工作表", "列名", "是否必填", "单位", "说明"])
    for cell in guide[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for spec in SHEETS:
        for c in spec.columns:
            required = "系统计算" if c.export_only else ("必填" if c.required else "选填")
            guide.append([spec.title, c.header, required, c.unit, c.doc])
    for col, width in zip("ABCDE", (10, 28, 10, 8, 80)):
        guide.column_dimensions[col].width = width
    guide.append([])
    guide.append(["", "通用规则", "", "", "整个文件要么全部导入，要么全部不导入；任何单元格有误都会列出工作表、行号、列名和原因。"])
    guide.append(["", "", "", "", "数值单元格只填数字（单位见表头）；百分比填0–100；是/否列填“是”或“否”。"])
    for spec in SHEETS:
        ws = wb.create_sheet(spec.title)
        ws.append([c.header for c in spec.columns])
        for i, c in enumerate(spec.columns, start=1):
            ws.cell(row=1, column=i).font = _HEADER_FONT
            ws.cell(row=1, column=i).fill = _HEADER_FILL
            ws.column_dimensions[get_column_letter(i)].width = max(10, len(c.header) * 2)
        ws.freeze_panes = "A2"
    wb.save(path)
    return path
