"""The list as a directory of CSV files: version.csv, areas.csv, enterprises.csv, lines.csv.

Same Chinese headers as the workbook. Written as UTF-8 with a BOM so Excel opens
them; read as UTF-8 (BOM or not) or, failing that, GB 18030 — what Excel on a
Chinese Windows writes when a user saves "CSV (逗号分隔)".
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Callable

from emergency.errors import RegistryError
from enterprise_registry.cells import sheet_rows
from enterprise_registry.columns import SHEETS, RegistryTables

Progress = Callable[[str, int], None]  # (sheet key, rows written)
PROGRESS_EVERY = 20_000


def csv_name(sheet_key: str) -> str:
    return f"{sheet_key}.csv"


def _decode(file: Path) -> str:
    data = file.read_bytes()
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
    out = {}
    for spec in SHEETS:
        file = path / csv_name(spec.key)
        rows = [list(r) for r in csv.reader(io.StringIO(_decode(file), newline=""))]
        out[spec.key] = (csv_name(spec.key), rows)
    return out


def write_csv_dir(tables: RegistryTables, path: Path, progress: Progress | None = None) -> None:
    path.mkdir(parents=True, exist_ok=True)
    for spec in SHEETS:
        with (path / csv_name(spec.key)).open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([c.header for c in spec.columns])
            for i, row in enumerate(sheet_rows(spec, getattr(tables, spec.key)), start=1):
                writer.writerow(["" if v is None else v for v in row])
                if progress and i % PROGRESS_EVERY == 0:
                    progress(spec.key, i)
