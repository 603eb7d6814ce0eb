"""List files: an .xlsx workbook or a directory of CSV files, chosen by the path.

``*.xlsx`` is a workbook (:mod:`enterprise_registry.workbook`), anything else a
directory of CSV files (:mod:`enterprise_registry.csvfiles`); the format is
:mod:`enterprise_registry.columns`. Reading returns :class:`RawSheet` s — the header
and the data rows with the row numbers a spreadsheet shows — that
:mod:`enterprise_registry.validation` checks. Writing takes a
:class:`RegistryTables` and writes industries and processes by their Chinese names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from emergency.errors import RegistryError
from enterprise_registry.cells import header_key, is_blank
from enterprise_registry.columns import SHEETS, RegistryTables, SheetSpec
from enterprise_registry.csvfiles import read_csv_dir, write_csv_dir
from enterprise_registry.workbook import read_workbook, write_workbook

Progress = Callable[[str, int], None]  # (sheet key, rows done)

HEADER_SEARCH_ROWS = 10  # published lists often have a title row or two above the header


@dataclass
class RawSheet:
    spec: SheetSpec
    label: str  # what problems call the sheet: its title, or the CSV file name
    header_row: int  # the row number of the header
    header: list[str]
    rows: list[list[Any]]  # data rows (blank rows dropped)
    row_numbers: list[int]  # the row number a spreadsheet shows for each data row


def is_workbook(path: Path) -> bool:
    return Path(path).suffix.lower() == ".xlsx"


def locate_header(spec: SheetSpec, label: str, cells: list[list[Any]]) -> RawSheet:
    """Find the header row (the first of the top rows naming two known columns, else
    row 1) and keep the non-blank rows below it with their row numbers."""
    known = {header_key(c.header) for c in spec.columns}
    need = min(2, len(spec.columns))
    at = 0
    for i, row in enumerate(cells[:HEADER_SEARCH_ROWS]):
        if sum(header_key(v) in known for v in row) >= need:
            at = i
            break
    header = [str(h).strip() if not is_blank(h) else "" for h in cells[at]] if cells else []
    while header and not header[-1]:
        header.pop()
    rows, numbers = [], []
    for offset, row in enumerate(cells[at + 1 :], start=at + 2):
        if any(not is_blank(v) for v in row):
            rows.append(row)
            numbers.append(offset)
    return RawSheet(spec, label, at + 1, header, rows, numbers)


def read_list_file(path: Path) -> dict[str, RawSheet]:
    """Raw sheets keyed by ``SheetSpec.key``. An unreadable file or a missing sheet
    is a :class:`RegistryError` (nothing can be checked cell by cell)."""
    path = Path(path)
    if not path.exists():
        raise RegistryError(f"文件不存在 (file not found): {path}")
    cells = read_workbook(path) if is_workbook(path) else read_csv_dir(path)
    return {spec.key: locate_header(spec, *cells[spec.key]) for spec in SHEETS}


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
    """Write a list as .xlsx or as a CSV directory (industry and process by Chinese name)."""
    path = Path(path)
    tables = humanise(tables)
    if is_workbook(path):
        write_workbook(tables, path, progress)
    else:
        write_csv_dir(tables, path, progress)
    return path
