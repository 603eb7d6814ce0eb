"""The list as a directory of CSV files: version.csv, areas.csv, enterprises.csv, lines.csv.

Same Chinese headers as the workbook. Written as UTF-8 with a BOM so Excel opens
them; read as UTF-8 (BOM or not) or, failing that, GB 18030 — what Excel on a
Chinese Windows writes when a user saves "CSV (逗号分隔)".

A text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be a
live formula when Excel opens the file: it is written with a leading ``'`` (as Excel
itself marks text), and reading takes one leading ``'`` off such a text, so a firm
named ``=HYPERLINK(…)`` is exported harmless and re-imported exactly. Quotes must pair
(RFC 4180): a stray ``"`` is reported with the file and row, not read as a cell that
swallows the rest of the file.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Callable

from emergency.errors import ImportRejected, InputError, RegistryError
from enterprise_registry.cells import Problem, sheet_rows
from enterprise_registry.columns import SHEETS, RegistryTables, SheetSpec, written_columns

Progress = Callable[[str, int], None]  # (sheet key, rows written)
PROGRESS_EVERY = 20_000


def csv_name(sheet_key: str) -> str:
    return f"{sheet_key}.csv"


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"


def neutral_text(value):
    """``value`` as written to a CSV cell: a text Excel would read as a formula (or one
    starting with the mark itself) gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_START + (TEXT_MARK,)):
        return TEXT_MARK + value
    return value


def unmark(cell: str) -> str:
    """The inverse of :func:`neutral_text` for a cell read back."""
    if cell.startswith(TEXT_MARK) and cell[1:2] and cell[1:].startswith(FORMULA_START + (TEXT_MARK,)):
        return cell[1:]
    return cell


def _decode(file: Path) -> str:
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise RegistryError(f"{file}: 无法读取（{exc.strerror or exc}）") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise RegistryError(f"{file}: 无法识别文件编码，请另存为 UTF-8 编码的 CSV 文件") from None


def read_csv_dir(path: Path) -> dict[str, tuple[str, list[list[Any]]]]:
    """Every file's rows (``sheet key -> (file name, rows)``)."""
    if not path.is_dir():
        raise RegistryError(f"{path}: 应为 .xlsx 文件或包含 CSV 文件的目录")
    missing = [f"{csv_name(s.key)}（{s.title}）" for s in SHEETS if not (path / csv_name(s.key)).is_file()]
    if missing:
        raise RegistryError(f"{path}: 缺少 {'、'.join(missing)}")
    return {spec.key: (csv_name(spec.key), _rows(path / csv_name(spec.key))) for spec in SHEETS}


def _rows(file: Path) -> list[list[str]]:
    """The records of one CSV file (strict quoting: a stray quote is an ImportRejected
    naming the row, the way a spreadsheet numbers it, and the line it starts on)."""
    text = _decode(file)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    line = 0
    try:
        for row in reader:
            rows.append(row)
            line = reader.line_num
    except csv.Error as exc:
        detail = str(exc)
        if "field larger" in detail:
            reason = f"单元格内容过长（超过 {csv.field_size_limit()} 个字符），多半是引号不成对使后面的内容都并入了这一格"
        else:
            reason = f"英文双引号 \" 不成对或位置不对（{detail}）：引号应成对地包住整个单元格，单元格内的引号写成两个 \"\""
        problem = Problem(file.name, len(rows) + 1, None, None, f"{reason}；该行从文件第{line + 1}行开始")
        raise ImportRejected(f"{file}: 无法按 CSV 格式读取，未导入任何数据 (nothing was imported)", [problem]) from None
    if TEXT_MARK in text:
        rows = [[unmark(c) for c in row] for row in rows]
    return rows


def write_csv_dir(tables: RegistryTables, path: Path, progress: Progress | None = None) -> None:
    """Write the four CSV files into the folder ``path`` as a set: all or none of them
    replace the old ones (other files in the folder are left alone)."""
    from emergency.atomic_files import replacing_all

    try:
        path.mkdir(parents=True, exist_ok=True)
        with replacing_all(*(path / csv_name(spec.key) for spec in SHEETS)) as temps:
            for spec, tmp in zip(SHEETS, temps):
                _write_csv(tables, spec, tmp, progress)
    except OSError as exc:
        raise InputError(f"{path}: 无法写入（{exc.strerror or exc}）(cannot write)", file=str(path)) from None


def _write_csv(tables: RegistryTables, spec: SheetSpec, file: Path, progress: Progress | None) -> None:
    with file.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.header for c in written_columns(spec, getattr(tables, spec.key))])
        for i, row in enumerate(sheet_rows(spec, getattr(tables, spec.key)), start=1):
            writer.writerow(["" if v is None else neutral_text(v) for v in row])
            if progress and i % PROGRESS_EVERY == 0:
                progress(spec.key, i)
