"""Reading the hourly files of effect evaluation (CEMS readings, station observations).

A file is CSV (UTF-8 with or without BOM, or GB18030 as Excel saves it) or .xlsx (its
first sheet; the workbook is checked for size before it is read, as lists are). Title
rows above the header are allowed. A column spec maps each key to the header users see
and the names accepted (full-width brackets, spaces and case do not matter), like
``enterprise_registry.columns``. Rows are numbered as the file shows them (CSV: its
line; xlsx: the sheet's row), so a message's row is where the user looks.

Times (监测时间) are the START of the hour, the bureau's time (北京时间) unless the cell
carries an offset (``2026-12-05T08:00+08:00``); a time not on the hour is refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from emergency import clock
from emergency.errors import ImportRejected, InputError, TooLarge
from emergency.workflow.electricity_readings import _control, _decode, _records  # the CSV rules of every import
from enterprise_registry.cells import HEADER_SEARCH_ROWS, CellError, Problem, is_blank, normalise_text
from enterprise_registry.cells import find_header as cells_find_header

MAX_PROBLEMS = 10_000

# key -> (header shown to users, accepted header names)
Columns = dict[str, tuple[str, tuple[str, ...]]]


def columns_help(columns: Columns, optional: tuple[str, ...] = ()) -> str:
    return "列 (columns): " + "、".join(shown + ("（可空）" if key in optional else "") for key, (shown, _) in columns.items())


def read_rows(path: Path, name: str, max_rows: int) -> list[tuple[int, list[Any]]]:
    """(row number, cells) of every non-blank row of the CSV or .xlsx file at ``path``."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{name}: 文件不存在 (file not found)")
    if path.is_dir():
        raise InputError(f"{name}: 是目录，不是文件 (a directory)")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path, name)
    else:
        problems: list[Problem] = []
        rows = [(line, list(row)) for line, row in _records(_decode(path, name), name, problems)]
        if problems:
            raise ImportRejected(f"{name}: CSV 格式错误，未导入任何数据", problems)
    rows = [(n, r) for n, r in rows if any(not is_blank(c) for c in r)]
    if len(rows) > max_rows + HEADER_SEARCH_ROWS:
        raise TooLarge(f"{name}: {len(rows)} 行，超过单个文件 {max_rows} 行的上限，请分批导入 (too many rows)")
    if not rows:
        raise InputError(f"{name}: 空文件，没有表头和数据 (empty file)")
    return rows


def _xlsx_rows(path: Path, name: str) -> list[tuple[int, list[Any]]]:
    from python_calamine import CalamineError, CalamineWorkbook

    from enterprise_registry.workbook import check_workbook
    from emergency.errors import RegistryError

    try:
        check_workbook(path)
        wb = CalamineWorkbook.from_path(str(path))
        sheet = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except RegistryError as exc:
        raise InputError(str(exc).replace(str(path), name)) from None
    except (CalamineError, OSError, ValueError, OverflowError) as exc:
        raise InputError(f"{name}: 无法读取 Excel 文件（文件损坏或不是 .xlsx？）: {type(exc).__name__}") from None
    return [(i + 1, list(row)) for i, row in enumerate(sheet)]


def find_header(rows: list[tuple[int, list[Any]]], name: str, columns: Columns, required: tuple[str, ...],
                one_of: tuple[str, ...] = ()) -> tuple[int, dict[str, int]]:
    """Index of the header row and column key -> cell index (:func:`enterprise_registry.cells.find_header`)."""
    return cells_find_header(rows, name, columns, required, one_of, columns_help(columns))


def shown(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return value


def text_cell(value: Any, max_len: int) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        value = int(value)
    text = str(value)
    reason = _control(text)
    if reason is not None:
        raise CellError(reason)
    text = text.strip()
    if len(text) > max_len:
        raise CellError(f"长度为{len(text)}个字符，不得超过{max_len}个")
    return text


def number_cell(value: Any, upper: float) -> float:
    """A finite, non-negative number below ``upper`` (a text cell is read as a number)."""
    if isinstance(value, bool):
        raise CellError("应为数字，不是是/否")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = normalise_text(str(value))
        if _control(text):
            raise CellError(_control(text))
        try:
            number = float(text)
        except ValueError:
            raise CellError("应为数字（非数字内容）") from None
    if not math.isfinite(number):
        raise CellError("应为有限数字")
    if number < 0:
        raise CellError("不能为负数")
    if number >= upper:
        raise CellError(f"数值过大（应小于 {upper:g}），请检查单位或小数点")
    return number + 0.0


_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H",
                 "%Y年%m月%d日%H时", "%Y年%m月%d日 %H:%M", "%Y%m%d%H")


def hour_cell(value: Any) -> datetime:
    """The start of the hour (aware UTC) of a 监测时间 cell; naive = the bureau's time."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime.combine(value, time())
    else:
        text = normalise_text(str(value))
        dt = None
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            for fmt in _TIME_FORMATS:
                try:
                    dt = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if dt is None:
            raise CellError("时间格式应为 2026-12-05 08:00（北京时间）或带时区 2026-12-05T08:00+08:00")
    dt = clock.aware(dt)
    if dt.minute or dt.second or dt.microsecond:
        raise CellError("时间不在整点（小时数据的时间应为该小时的开始，如 08:00）")
    return dt.astimezone(timezone.utc)


def not_future(hour: datetime) -> None:
    """A reading's hour must have begun (start ≤ now)."""
    if hour > clock.now():
        raise CellError(f"未来时间（现在是 {clock.fmt(clock.now())} {clock.zone_label()}）")


def parse_rows(rows: list[tuple[int, list[Any]]], h: int, col: dict[str, int], name: str, columns: Columns,
               parsers: dict[str, Callable[[Any], Any]], problems: list[Problem],
               optional: tuple[str, ...] = (), memo: tuple[str, ...] = ()) -> list[tuple[int, dict[str, Any]]]:
    """Each data row's typed values (rows with a rejected cell are left out, their problems listed).
    ``memo``: keys whose cells repeat (firm, outlet, hour, pollutant): each distinct cell is parsed once."""
    out = []
    cache: dict[str, dict[Any, tuple[bool, Any]]] = {key: {} for key in memo}

    def parse(key: str, raw: Any) -> Any:
        seen = cache.get(key)
        if seen is None:
            return parsers[key](raw)
        hit = seen.get(raw)
        if hit is None:
            try:
                hit = (True, parsers[key](raw))
            except CellError as exc:
                hit = (False, str(exc))
            seen[raw] = hit
        if not hit[0]:
            raise CellError(hit[1])
        return hit[1]

    for line, row in rows[h + 1:]:
        values: dict[str, Any] = {}
        ok = True
        for key, j in col.items():
            raw = row[j] if j < len(row) else None
            if is_blank(raw) and key in optional:
                values[key] = None
                continue
            if is_blank(raw):
                problems.append(Problem(name, line, columns[key][0], None, "不能为空"))
                ok = False
                continue
            try:
                values[key] = parse(key, raw)
            except CellError as exc:
                problems.append(Problem(name, line, columns[key][0], shown(raw), str(exc)))
                ok = False
        if ok:
            out.append((line, values))
    return out


def reject_if(problems: list[Problem], name: str) -> None:
    if problems:
        listed = problems[:MAX_PROBLEMS]
        more = f"（仅列出前 {MAX_PROBLEMS} 处）" if len(problems) > MAX_PROBLEMS else ""
        raise ImportRejected(f"{name}: {len(problems)} 处错误{more}，未导入任何数据", listed)


def hours_of_day(day: date) -> list[datetime]:
    """The UTC starts of the bureau's ``day``'s hours (24, or 23/25 in a zone with DST)."""
    start, end = clock.as_utc(clock.day_start(day)), clock.as_utc(clock.day_start(day + timedelta(days=1)))
    n = int((end - start).total_seconds() // 3600)
    return [start + timedelta(hours=i) for i in range(n)]
