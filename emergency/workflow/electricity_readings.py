"""Daily electricity readings (用电量数据) for the compliance check: the CSV import.

The file: CSV, UTF-8 (with or without BOM) or GB18030 (what Excel on a Chinese Windows
writes for "CSV (逗号分隔)"). Title rows above the header are allowed. Columns (header
names as below, or the English keys; full-width brackets and spaces do not matter):

    统一社会信用代码 (enterprise_uscc)   18 characters, GB 32100-2015 check digit
    生产线编号 (line_id)                 optional; blank = the whole enterprise; ≤ 80 characters
    日期 (day)                          the bureau's calendar day, 2026-12-05 (or 2026/12/05, 2026年12月05日)
    用电量(kWh) (kwh)                   that day's use in kWh: a finite number, ≥ 0 and < 10⁹

Whole file or nothing: any bad cell rejects the file (:class:`ImportRejected`, every
problem with file, row, column and reason; nothing written). Rows are numbered as the
file's lines (the header's line is the header row). A (firm, line, day) given twice in
one file is an error naming both rows. Readings already stored for the same (firm,
line, day) are replaced by the file's: the summary says how many rows were new and how
many replaced. A file that cannot be read (missing, a directory, unknown encoding,
empty) is an :class:`InputError`. Every import is audited (actor, the user's file
name — never a server path — and the counts).
"""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, and_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from emergency.errors import Conflict, ImportRejected, InputError
from emergency.workflow import audit
from emergency.workflow.models import ElectricityReading
from enterprise_registry.cells import CellError, Problem, find_header, parse_date, parse_float, parse_uscc

MAX_KWH = 1e9  # kWh per firm (or line) per day: 41.7 GW around the clock, beyond any single enterprise
LINE_ID_MAX = 80  # the column's length (PostgreSQL refuses longer)
MAX_PROBLEMS = 10_000  # problems listed; beyond that the message gives the count
BATCH = 2_000

# key -> (header shown to users, accepted header names)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "enterprise_uscc": ("统一社会信用代码", ("统一社会信用代码", "enterprise_uscc", "uscc")),
    "line_id": ("生产线编号", ("生产线编号", "line_id", "生产线代码")),
    "day": ("日期", ("日期", "day", "date")),
    "kwh": ("用电量(kWh)", ("用电量(kWh)", "kwh", "日用电量(kWh)", "用电量")),
}
REQUIRED = ("enterprise_uscc", "day", "kwh")


@dataclass(frozen=True)
class ImportSummary:
    file: str  # the user's file name
    rows: int
    new: int
    replaced: int
    enterprises: int
    first_day: date | None
    last_day: date | None

    def as_dict(self) -> dict:
        d = asdict(self)
        d["first_day"] = None if self.first_day is None else self.first_day.isoformat()
        d["last_day"] = None if self.last_day is None else self.last_day.isoformat()
        return d


def columns_help() -> str:
    """The columns as `--help` shows them."""
    return ("列 (columns): 统一社会信用代码 (18位); 生产线编号 (可空 = 全厂, ≤80字符); "
            "日期 (2026-12-05, 北京时间日历日); 用电量(kWh) (有限数字, ≥0, <10⁹)")


# ------------------------------------------------------------------ reading the file


def _decode(path: Path, name: str) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{name}: 文件不存在 (file not found)") from None
    except IsADirectoryError:
        raise InputError(f"{name}: 是目录，不是 CSV 文件 (a directory, not a CSV file)") from None
    except OSError as exc:
        raise InputError(f"{name}: 无法读取 ({exc.strerror or 'read error'})") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{name}: 无法识别文件编码，请另存为 UTF-8 或 GB18030 编码的 CSV 文件 (unknown encoding)")


def _records(text: str, name: str, problems: list[Problem]) -> Iterable[tuple[int, list[str]]]:
    """(first line number, cells) of each record; a quoting error ends the file with a
    located problem (strict CSV: a stray quote is not silently absorbed)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            quotes = '"' in str(exc) or "end of data" in str(exc)
            problems.append(Problem(name, line, None, None, "CSV 格式错误：" + (
                "引号不配对或引号后有多余字符；含逗号或引号的内容须整体加英文双引号，内部引号写两遍" if quotes else
                "无法解析此行") + f"（{exc}）"))
            return
        yield line, row


def _shown(value: str) -> str:
    """A cell as a message may show it: control characters escaped, at most 60 characters."""
    text = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in value)
    return text if len(text) <= 60 else text[:57] + "…"


def _control(value: str) -> str | None:
    bad = next((ch for ch in value if unicodedata.category(ch) == "Cc" and ch != "\t"), None)
    if bad is None:
        return None
    what = "NUL 字节" if bad == "\x00" else f"控制字符 U+{ord(bad):04X}"
    return f"含{what}（文件可能损坏或不是文本 CSV）"


def _find_header(records: list[tuple[int, list[str]]], name: str) -> tuple[int, dict[str, int]]:
    """Index of the header record and column key -> cell index."""
    return find_header(records, name, COLUMNS, REQUIRED, help_text=columns_help())


def _cell(key: str, raw: str) -> object:
    """The value of one cell of column ``key``, or :class:`CellError` saying why not."""
    reason = _control(raw)
    if reason is not None:
        raise CellError(reason)
    text = raw.strip()
    if key == "line_id":
        if len(text) > LINE_ID_MAX:
            raise CellError(f"长度为{len(text)}个字符，不得超过{LINE_ID_MAX}个")
        return text
    if not text:
        raise CellError("不能为空")
    if key == "enterprise_uscc":
        return parse_uscc(text)
    if key == "day":
        return parse_date(text)
    kwh = parse_float(text)
    if not math.isfinite(kwh) or kwh >= MAX_KWH:
        raise CellError(f"数值过大：日用电量应小于 {MAX_KWH:.0e} kWh")
    return kwh


def read_readings(path: Path, name: str) -> list[dict]:
    """The readings of the file, or :class:`ImportRejected` listing every bad cell."""
    text = _decode(Path(path), name)
    problems: list[Problem] = []
    records = [(line, row) for line, row in _records(text, name, problems) if any(c.strip() for c in row)]
    if not records:
        if problems:
            raise ImportRejected(f"{name}: CSV 格式错误，未导入任何数据", problems)
        raise InputError(f"{name}: 空文件，没有表头和数据 (empty file). {columns_help()}")
    h, col = _find_header(records, name)
    out: list[dict] = []
    seen: dict[tuple[str, str, date], int] = {}
    for line, row in records[h + 1:]:
        cells: dict[str, str] = {key: (row[j] if j < len(row) else "") for key, j in col.items()}
        values: dict[str, object] = {}
        for key, raw in cells.items():
            try:
                values[key] = _cell(key, raw)
            except CellError as exc:
                problems.append(Problem(name, line, COLUMNS[key][0], _shown(raw), str(exc)))
        if len(values) < len(cells):
            continue
        ident = (values["enterprise_uscc"], values.get("line_id", ""), values["day"])
        if ident in seen:
            problems.append(Problem(name, line, COLUMNS["day"][0], values["day"].isoformat(),
                                    f"与第{seen[ident]}行重复（同一企业、生产线、日期只能有一个用电量）"))
            continue
        seen[ident] = line
        out.append({"enterprise_uscc": ident[0], "line_id": ident[1], "day": ident[2], "kwh": values["kwh"]})
    if problems:
        shown = problems[:MAX_PROBLEMS]
        more = f"（仅列出前 {MAX_PROBLEMS} 处）" if len(problems) > MAX_PROBLEMS else ""
        raise ImportRejected(f"{name}: {len(problems)} 处错误{more}，未导入任何数据", shown)
    return out


# ------------------------------------------------------------------ the database


def _existing(session: Session, rows: list[dict]) -> set[tuple[str, str, date]]:
    """Keys of ``rows`` already stored."""
    firms = sorted({r["enterprise_uscc"] for r in rows})
    first, last = min(r["day"] for r in rows), max(r["day"] for r in rows)
    R = ElectricityReading
    found: set[tuple[str, str, date]] = set()
    for i in range(0, len(firms), 500):
        q = select(R.enterprise_uscc, R.line_id, R.day).where(
            and_(R.enterprise_uscc.in_(firms[i:i + 500]), R.day >= first, R.day <= last))
        found.update((u, ln, d) for u, ln, d in session.execute(q).all())
    return found & {(r["enterprise_uscc"], r["line_id"], r["day"]) for r in rows}


def _upsert(session: Session, rows: list[dict]) -> None:
    """Insert ``rows``; a stored (firm, line, day) takes the row's kWh (one statement per
    batch, so a concurrent import of the same readings cannot make a duplicate)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = ElectricityReading.__table__
    for i in range(0, len(rows), BATCH):
        stmt = insert(table)
        stmt = stmt.on_conflict_do_update(index_elements=["enterprise_uscc", "line_id", "day"],
                                          set_={"kwh": stmt.excluded.kwh})
        session.execute(stmt, rows[i:i + BATCH])


def _check_city_firms(engine: Engine, rows: list[dict], city: str, name: str) -> None:
    from sqlalchemy import select

    from enterprise_registry.models import Enterprise, ListVersion

    codes = sorted({r["enterprise_uscc"] for r in rows})
    with engine.connect() as conn:
        known = set(conn.execute(
            select(Enterprise.uscc).join(ListVersion, Enterprise.version_id == ListVersion.id)
            .where(ListVersion.city == city, Enterprise.uscc.in_(codes))).scalars())
    foreign = [c for c in codes if c not in known]
    if foreign:
        shown = "、".join(foreign[:10]) + (f" 等 {len(foreign)} 家" if len(foreign) > 10 else "")
        raise InputError(f"{name}: 以下企业不在{city}的清单中，未导入任何数据：{shown} "
                         "(firms not in your city's lists: nothing imported)")


def import_electricity(engine: Engine, path: Path, actor: str = "system", source_name: str | None = None,
                       city: str | None = None) -> ImportSummary:
    """Import the readings file at ``path`` (see the module docstring). ``source_name``:
    the file's name as the user gave it (an upload's client name), used in messages and
    the audit log instead of ``path``. ``city``: the importing account's city — a firm in
    none of that city's list versions is refused (a city does not touch another's data)."""
    path = Path(path)
    name = source_name or str(path)
    rows = read_readings(path, name)
    if city is not None and rows:
        _check_city_firms(engine, rows, city, name)
    file_name = source_name or path.name
    with Session(engine) as session:
        try:
            replaced = _existing(session, rows) if rows else set()
            if rows:
                _upsert(session, rows)
            summary = ImportSummary(
                file=file_name, rows=len(rows), new=len(rows) - len(replaced), replaced=len(replaced),
                enterprises=len({r["enterprise_uscc"] for r in rows}),
                first_day=min((r["day"] for r in rows), default=None), last_day=max((r["day"] for r in rows), default=None),
            )
            audit.record(session, actor, "compliance.import", "electricity", summary.as_dict())
            session.commit()
        except (IntegrityError, OperationalError) as exc:
            session.rollback()
            if isinstance(exc, OperationalError) and "lock" not in str(exc).lower():
                raise
            raise Conflict(f"{file_name}: 另一导入正在写入相同的用电数据，请稍后重试 (concurrent import)") from None
    return summary
