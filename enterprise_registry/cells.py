"""Parse and format the cells of a list file, column by column.

Each ColumnSpec.kind has a parser that turns a raw cell (what openpyxl / calamine /
csv gives) into the typed value of :class:`RegistryTables`, or raises
:class:`CellError` with a Chinese reason. Problems are collected, never raised one
by one, so a user sees every rejected cell of a file at once.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Iterator

from enterprise_registry.columns import SheetSpec, written_columns
from enterprise_registry.measure_text import MeasureTextError, action_name_zh
from enterprise_registry.measure_text import parse_action as _parse_action
from enterprise_registry.uscc import uscc_problem
from emergency.vocabulary import EssentialCategory, Grade


@dataclass(frozen=True)
class Problem:
    """One rejected cell (or row): where and why."""

    sheet: str
    row: int | None  # as the spreadsheet shows it (header = row 1)
    column: str | None
    value: Any  # as shown to people (see shown_value)
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", shown_value(self.value))
        object.__setattr__(self, "column", shown_value(self.column))

    def __str__(self) -> str:
        where = self.sheet
        if self.row is not None:
            where += f" 第{self.row}行"
        if self.column:
            where += f" [{self.column}]"
        shown = "" if self.value is None else f" “{self.value}”"
        return f"{where}{shown}: {self.reason}"


class CellError(ValueError):
    pass


SHOWN_CHARS = 200
_ESCAPED_RE = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def shown_value(value: Any) -> Any:
    """A rejected cell's value as messages and reports show it: control characters
    (and tabs, line breaks) written as escapes like ``\\x00``, at most
    :data:`SHOWN_CHARS` characters; other values unchanged."""
    if not isinstance(value, str):
        return value
    text = value if len(value) <= SHOWN_CHARS else value[:SHOWN_CHARS] + f"…（共{len(value)}个字符）"
    return _ESCAPED_RE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), text)


_UNIT_RE = re.compile(r"^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*([^\d\s.,-].*)$")
_COMMA_RE = re.compile(r"^-?[0-9][0-9,]*(?:\.[0-9]+)?$")


def normalise_text(text: str) -> str:
    """NFKC (full-width digits, letters, brackets, ％ → ASCII) and trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def header_key(header: object) -> str:
    """How headers are compared: NFKC, no spaces, case-insensitive.

    So ``SO2排放量（KG/D）`` typed with full-width brackets matches ``SO2排放量(kg/d)``.
    """
    if header is None:
        return ""
    return "".join(normalise_text(str(header)).split()).lower()


def is_blank(value: Any) -> bool:
    if value is None or value == "":
        return True
    return isinstance(value, str) and not value.strip()


# Characters a name may not hold: C0/C1 control characters other than tab and line
# breaks (a workbook cannot store them, a notice cannot print them), the XML
# non-characters U+FFFE/U+FFFF, lone surrogates, and the bidirectional overrides that
# make a printed name read differently from what is stored.
_FORBIDDEN_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be a name or label in the list (None if it can)."""
    m = _FORBIDDEN_RE.search(text)
    if m is None:
        return None
    return f"含有不可打印的控制字符 U+{ord(m.group()):04X}（第{m.start() + 1}个字符），请删除后重新填写"


def parse_str(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        value = int(value)
    text = str(value).strip()
    if not text:
        raise CellError("不能为空")
    reason = text_problem(text)
    if reason:
        raise CellError(reason)
    return text


# The largest magnitude a number in the list may have: a day's output value or a
# province's emission base is far below; 10^30 is a typing or unit mistake, and an
# integer column is a database INTEGER (32 bits).
MAX_NUMBER = 1e12
MAX_INTEGER = 2**31 - 1


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise CellError("应为数字，不是是/否")
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:
            raise CellError(f"数值过大（绝对值应不超过 {MAX_NUMBER:.0e}），请检查单位或小数点") from None
    else:
        text = normalise_text(str(value))
        if len(text) > 100:
            raise CellError("应为数字（内容过长）")
        try:
            number = float(text)
        except ValueError:
            if "," in text and _COMMA_RE.match(text):
                raise CellError("数字中不能有逗号：小数点请用“.”，也不要用千位分隔符；请只填数字") from None
            m = _UNIT_RE.match(text)
            if m:
                raise CellError(f"数值中含单位或文字“{m.group(2).strip()}”，请只填数字（单位见表头）") from None
            raise CellError("应为数字") from None
    if math.isnan(number) or math.isinf(number):
        raise CellError("应为有限数字")
    if abs(number) > MAX_NUMBER:
        raise CellError(f"数值过大（绝对值应不超过 {MAX_NUMBER:.0e}），请检查单位或小数点")
    return number + 0.0  # -0 is 0


def parse_float(value: Any) -> float:
    if type(value) is float and 0.0 < value <= MAX_NUMBER:  # fast path: a numeric cell
        return value
    number = _number(value)
    if number < 0:
        raise CellError("不能为负数")
    return number


def parse_int(value: Any) -> int:
    number = _number(value)
    if not float(number).is_integer():
        raise CellError("应为整数")
    if number < 0:
        raise CellError("不能为负数")
    if number > MAX_INTEGER:
        raise CellError(f"整数过大（应不超过 {MAX_INTEGER}）")
    return int(number)


def parse_percent(value: Any) -> float:
    """0–100 in the file (a trailing % is allowed), a 0–1 fraction in the result."""
    if isinstance(value, str):
        value = normalise_text(value)
        if value.endswith("%"):
            value = value[:-1]
    number = _number(value)
    if not 0.0 <= number <= 100.0:
        raise CellError("百分比应在0到100之间")
    return round(number / 100.0, 12)  # 72.4 % -> 0.724, not 0.7240000000000001


_TRUE = {"是", "Y", "YES", "TRUE", "1", "√"}
_FALSE = {"否", "N", "NO", "FALSE", "0", "×"}


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = normalise_text(str(value)).upper()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError("应填“是”或“否”")


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = normalise_text(str(value))
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError("日期格式应为 YYYY-MM-DD")


def parse_uscc(value: Any) -> str:
    text = parse_str(value)
    reason = uscc_problem(text)
    if reason:
        raise CellError(f"统一社会信用代码无效：{reason}")
    return text


_GRADES = {g.value: g.value for g in Grade}


def parse_grade(value: Any) -> str:
    text = normalise_text(parse_str(value)).upper().replace("级", "").replace("—", "-")
    try:
        return _GRADES[text]
    except KeyError:
        raise CellError(
            "未知绩效等级，应为 " + "、".join(g.value for g in Grade)
        ) from None


_ESSENTIAL = {e.value: e.value for e in EssentialCategory}
_ESSENTIAL.update({"军工": "军工/出口", "出口": "军工/出口", "": "无"})


def parse_essential(value: Any) -> str:
    text = normalise_text(str(value)).replace("／", "/")
    try:
        return _ESSENTIAL[text]
    except KeyError:
        raise CellError(
            "未知保障类类别，应为 " + "、".join(e.value for e in EssentialCategory)
        ) from None


def parse_action(value: Any) -> str:
    """A 措施类型 cell (停产, 限产 … or the code) -> the config.measures.Action value."""
    try:
        return _parse_action(parse_str(value))
    except MeasureTextError as exc:
        raise CellError(str(exc)) from None


PARSERS: dict[str, Callable[[Any], Any]] = {
    "str": parse_str,
    "int": parse_int,
    "float": parse_float,
    "percent": parse_percent,
    "bool": parse_bool,
    "date": parse_date,
    "uscc": parse_uscc,
    "grade": parse_grade,
    "essential": parse_essential,
    "action": parse_action,
    # resolved against config/industries.toml and other sheets by the importer:
    "industry": parse_str,
    "process": parse_str,
    "area": parse_str,
}

# ---------------------------------------------------------------- writing


def format_cell(kind: str, value: Any) -> Any:
    """How a typed value is written to a file (the inverse of the parsers)."""
    if value is None:
        return None
    if kind == "percent":
        return round(value * 100.0, 10)
    if kind == "bool":
        return "是" if value else "否"
    if kind == "date":
        return value.isoformat()
    if kind == "action":
        return action_name_zh(value)
    return value


def sheet_rows(spec: SheetSpec, table: dict) -> Iterator[list[Any]]:
    """The data rows of one sheet of a :class:`RegistryTables`, formatted for a file.

    Missing columns are written blank, except 序号 (numbered from 1); the columns are
    :func:`~enterprise_registry.columns.written_columns` (no filed-measure columns for a
    list without filed measures).
    """
    if spec.key == "version":
        yield [format_cell(c.kind, table.get(c.key)) for c in spec.columns]
        return
    if spec.key == "lines":
        from enterprise_registry.filed import own_lines

        table = own_lines(table)  # a measure the 企业 sheet gives is written there, not on each line
    n = len(next(iter(table.values()))) if table else 0
    columns = []
    for c in written_columns(spec, table):
        values = table.get(c.key)
        if values is None:
            values = list(range(1, n + 1)) if c.key == "seq" else [None] * n
        if c.kind in ("percent", "bool", "date", "action"):
            values = [format_cell(c.kind, v) for v in values]
        columns.append(values)
    yield from (list(row) for row in zip(*columns))


HEADER_SEARCH_ROWS = 10  # title rows allowed above a header row


def find_header(rows: list[tuple[int, list[Any]]], name: str, columns: dict[str, tuple[str, tuple[str, ...]]],
                required: tuple[str, ...], one_of: tuple[str, ...] = (), help_text: str = "") -> tuple[int, dict[str, int]]:
    """Where the header of an imported file is: (index of its row in ``rows``, column key ->
    cell index). ``rows``: (row number, cells); ``columns``: key -> (shown name, accepted
    names); ``one_of``: at least one of these keys. The header is the first of the first
    :data:`HEADER_SEARCH_ROWS` rows naming any known column; a column named twice, a
    required one missing, or no header at all is refused with every place located."""
    from emergency.errors import ImportRejected

    accepted = {header_key(n): key for key, (_, names) in columns.items() for n in names}
    for i, (line, row) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = [accepted.get(header_key(h)) for h in row]
        if not any(keys):
            continue
        problems, col = [], {}
        for j, key in enumerate(keys):
            if key is None:
                continue
            if key in col:
                problems.append(Problem(name, line, str(row[j]).strip(), None, f"列重复（第{col[key] + 1}列与第{j + 1}列）"))
            else:
                col[key] = j
        for key in required:
            if key not in col:
                problems.append(Problem(name, line, columns[key][0], None, "缺少必填列"))
        if one_of and not any(k in col for k in one_of):
            problems.append(Problem(name, line, " / ".join(columns[k][0] for k in one_of), None, "至少需要其中一列"))
        if problems:
            raise ImportRejected(f"{name}: 表头有误，未导入任何数据。{help_text}", problems)
        return i, col
    first = rows[0][0] if rows else 1
    raise ImportRejected(f"{name}: 找不到表头（前{HEADER_SEARCH_ROWS}行中没有可识别的列名），未导入任何数据。{help_text}",
                         [Problem(name, first, columns[k][0], None, "缺少必填列") for k in required])
