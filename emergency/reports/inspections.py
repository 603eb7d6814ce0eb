"""On-site inspections (现场检查: 晨查、夜查) of firms under a warning: record one, import a
file of them, list them.

An inspection names the warning, the firm (统一社会信用代码) — which must have a measure in
one of the warning's plan versions — optionally one of the firm's lines in those plans,
when (a time typed without a zone is Beijing time; stored in UTC; between the warning's
issue and now), the inspector, the result (:data:`emergency.reports.models.RESULTS`:
落实 / 未落实 / 停产 / 无法核实, or their codes) and a note. Every record is audited
(``inspection.record``; an import is one ``inspection.import`` record with its rows).

The import file: CSV (UTF-8 with or without BOM, or GB18030) or .xlsx (first sheet), a
header row among the first ten rows, columns (Chinese header or English key):

    统一社会信用代码 (uscc)        required, 18 characters (GB 32100-2015)
    生产线编号 (line_id)           optional: blank = the whole firm
    检查时间 (inspected_at)        required, 2026-12-05 08:30 (Beijing time) or ISO with offset
    检查人员 (inspector)           required, ≤ 100 characters
    检查结果 (result)              required: 落实 / 未落实 / 停产 / 无法核实
    情况说明 (note)                optional, ≤ 1000 characters

Whole file or nothing: any bad cell rejects the file (:class:`ImportRejected`, every
problem with file, row, column and reason).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session

from emergency import clock
from emergency.errors import ImportRejected, InputError, NotFound
from emergency.reports.models import RESULTS, Inspection
from emergency.workflow.audit import record
from enterprise_registry.cells import CellError, Problem, header_key, parse_uscc

INSPECTOR_MAX = 100
NOTE_MAX = 1000
LINE_ID_MAX = 80
MAX_ROWS = 20_000
HEADER_SEARCH_ROWS = 10
CLOCK_SKEW = timedelta(minutes=10)

COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "uscc": ("统一社会信用代码", ("统一社会信用代码", "uscc", "enterprise_uscc")),
    "line_id": ("生产线编号", ("生产线编号", "line_id")),
    "inspected_at": ("检查时间", ("检查时间", "inspected_at", "时间")),
    "inspector": ("检查人员", ("检查人员", "inspector", "检查人")),
    "result": ("检查结果", ("检查结果", "result", "结果")),
    "note": ("情况说明", ("情况说明", "note", "备注")),
}
REQUIRED = ("uscc", "inspected_at", "inspector", "result")
_HEADER_KEYS = {header_key(n): key for key, (_, names) in COLUMNS.items() for n in names}
_RESULT_CODES = {**{code: code for code in RESULTS}, **{zh: code for code, zh in RESULTS.items()}}


@dataclass(frozen=True)
class InspectionIn:
    """One inspection as entered (times aware or Beijing-naive)."""

    uscc: str
    inspected_at: datetime
    inspector: str
    result: str  # a code of RESULTS or its Chinese label
    line_id: str | None = None
    note: str | None = None


def result_code(text: str) -> str:
    """The code of a result typed as code or label (``未落实`` → ``non_compliant``)."""
    code = _RESULT_CODES.get(unicodedata.normalize("NFKC", str(text)).strip())
    if code is None:
        raise CellError(f"检查结果应为 {' / '.join(RESULTS.values())}")
    return code


def _text(value: object, limit: int, required: bool) -> str | None:
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            raise CellError("不能为空")
        return None
    if len(text) > limit:
        raise CellError(f"长度为{len(text)}个字符，不得超过{limit}个")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") and ch not in "\t\n\r" for ch in text):
        raise CellError("不能含控制字符")
    return text


def _time(value: object) -> datetime:
    if isinstance(value, datetime):
        return clock.as_utc(clock.aware(value))
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()
    if not text:
        raise CellError("不能为空")
    try:
        return clock.as_utc(clock.aware(datetime.fromisoformat(text.replace("/", "-"))))
    except ValueError:
        raise CellError("时间格式应为 2026-12-05 08:30（北京时间）") from None


@dataclass(frozen=True)
class _Scope:
    warning_id: int
    issued_at: datetime
    lines: dict[str, set[str]]  # firm -> its lines with a measure in some version


def _scope(engine: Engine, warning_id: int) -> _Scope:
    from emergency.plans.document import PlanDocument
    from emergency.workflow.lifecycle import get_warning

    w, versions = get_warning(engine, warning_id)
    lines: dict[str, set[str]] = {}
    for v in versions:
        for a in PlanDocument.model_validate_json(v.document).actions:
            lines.setdefault(a.enterprise_uscc, set()).add(a.line_id)
    return _Scope(warning_id, clock.as_utc(w.created_at), lines)


def _check(scope: _Scope, values: dict, now: datetime) -> list[tuple[str, str]]:
    """(column key, reason) of each problem of one inspection against the warning."""
    out = []
    u = values.get("uscc")
    if u is not None and u not in scope.lines:
        out.append(("uscc", f"不是预警 {scope.warning_id} 的管控企业（各版方案中均无该企业的措施）"))
    elif u is not None and values.get("line_id") and values["line_id"] not in scope.lines[u]:
        out.append(("line_id", f"预警 {scope.warning_id} 的方案中该企业没有此生产线的措施"))
    at = values.get("inspected_at")
    if at is not None and at < scope.issued_at:
        out.append(("inspected_at", f"早于预警发布时间 {clock.fmt(scope.issued_at)}（{clock.zone_label()}）"))
    elif at is not None and at > now + CLOCK_SKEW:
        out.append(("inspected_at", f"晚于现在 {clock.fmt(now)}（{clock.zone_label()}）"))
    return out


def _parse(raw: dict) -> tuple[dict, list[tuple[str, str, object]]]:
    """Typed values of one entered inspection and (key, reason, raw) of each bad cell."""
    values, bad = {}, []
    parsers = {
        "uscc": lambda v: parse_uscc(v),
        "line_id": lambda v: _text(v, LINE_ID_MAX, False),
        "inspected_at": _time,
        "inspector": lambda v: _text(v, INSPECTOR_MAX, True),
        "result": result_code,
        "note": lambda v: _text(v, NOTE_MAX, False),
    }
    for key, parse in parsers.items():
        if key not in raw:
            continue
        try:
            values[key] = parse(raw[key])
        except CellError as exc:
            bad.append((key, str(exc), raw[key]))
    return values, bad


def _row(warning_id: int, values: dict, actor: str, now: datetime) -> Inspection:
    return Inspection(warning_id=warning_id, uscc=values["uscc"], line_id=values.get("line_id"),
                      inspected_at=values["inspected_at"], inspector=values["inspector"], result=values["result"],
                      note=values.get("note"), created_by=actor, created_at=now)


def as_dict(i: Inspection) -> dict:
    return {"id": i.id, "warning_id": i.warning_id, "uscc": i.uscc, "line_id": i.line_id,
            "inspected_at": clock.iso(i.inspected_at), "day": clock.local_day(i.inspected_at).isoformat(),
            "inspector": i.inspector, "result": i.result, "result_zh": RESULTS.get(i.result, i.result),
            "note": i.note, "created_by": i.created_by, "created_at": clock.iso(i.created_at)}


def record_inspection(engine: Engine, warning_id: int, item: InspectionIn, actor: str) -> dict:
    """Record one inspection (rules: module docstring); the stored row as a dict."""
    raw = {"uscc": item.uscc, "line_id": item.line_id, "inspected_at": item.inspected_at,
           "inspector": item.inspector, "result": item.result, "note": item.note}
    values, bad = _parse(raw)
    if bad:
        key, reason, _ = bad[0]
        raise InputError(f"{COLUMNS[key][0]}: {reason}", field=key)
    scope = _scope(engine, warning_id)
    now = clock.now()
    problems = _check(scope, values, now)
    if problems:
        key, reason = problems[0]
        raise InputError(f"{COLUMNS[key][0]}: {reason}", field=key)
    with Session(engine) as session:
        row = _row(warning_id, values, actor, now)
        session.add(row)
        session.flush()
        out = as_dict(row)
        record(session, actor, "inspection.record", f"{warning_id}/{row.uscc}", out)
        session.commit()
    return out


# --- the file -------------------------------------------------------------------------


def _csv_rows(path: Path, name: str) -> list[tuple[int, list[object]]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(f"{name}: 无法识别文件编码，请另存为 UTF-8 或 GB18030 编码的 CSV 文件 (unknown encoding)")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    out = []
    try:
        for row in reader:
            out.append((reader.line_num, list(row)))
    except csv.Error as exc:
        raise ImportRejected(f"{name}: CSV 格式错误，未导入任何数据",
                             [Problem(name, reader.line_num + 1, None, None, f"CSV 格式错误（{exc}）")]) from None
    return out


def _xlsx_rows(path: Path, name: str) -> list[tuple[int, list[object]]]:
    from python_calamine import CalamineError, CalamineWorkbook

    from enterprise_registry.workbook import check_workbook

    try:
        check_workbook(path)
        wb = CalamineWorkbook.from_path(str(path))
        rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError, OverflowError) as exc:
        raise InputError(f"{name}: 无法读取 Excel 文件（文件损坏或不是 .xlsx？）: {exc}") from None
    return [(i + 1, list(r)) for i, r in enumerate(rows)]


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def read_inspections(path: Path, name: str) -> list[tuple[int, dict]]:
    """(row number, raw cells by column key) of each data row, or ImportRejected for the header."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{name}: 文件不存在 (file not found)")
    rows = _xlsx_rows(path, name) if name.lower().endswith(".xlsx") else _csv_rows(path, name)
    rows = [(n, r) for n, r in rows if any(not _blank(c) for c in r)]
    if not rows:
        raise InputError(f"{name}: 空文件，没有表头和数据 (empty file)")
    for i, (line, row) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = [_HEADER_KEYS.get(header_key(h)) if isinstance(h, str) else None for h in row]
        if not any(keys):
            continue
        col = {k: j for j, k in reversed(list(enumerate(keys))) if k is not None}
        missing = [k for k in REQUIRED if k not in col]
        if missing:
            raise ImportRejected(f"{name}: 表头缺少必填列，未导入任何数据",
                                 [Problem(name, line, COLUMNS[k][0], None, "缺少必填列") for k in missing])
        data = rows[i + 1:]
        if len(data) > MAX_ROWS:
            raise InputError(f"{name}: {len(data)} 行，超过 {MAX_ROWS} 行上限 (too many rows)")
        return [(n, {k: (r[j] if j < len(r) else None) for k, j in col.items()}) for n, r in data]
    raise ImportRejected(f"{name}: 找不到表头（前{HEADER_SEARCH_ROWS}行中没有可识别的列名），未导入任何数据",
                         [Problem(name, rows[0][0], COLUMNS[k][0], None, "缺少必填列") for k in REQUIRED])


@dataclass(frozen=True)
class ImportSummary:
    file: str
    rows: int
    firms: int
    first_day: date | None
    last_day: date | None
    by_result: dict[str, int]

    def as_dict(self) -> dict:
        return {"file": self.file, "rows": self.rows, "firms": self.firms,
                "first_day": self.first_day.isoformat() if self.first_day else None,
                "last_day": self.last_day.isoformat() if self.last_day else None, "by_result": self.by_result}


def import_inspections(engine: Engine, warning_id: int, path: Path, actor: str, source_name: str | None = None) -> ImportSummary:
    """Import a file of inspections of warning ``warning_id``: whole file or nothing."""
    name = source_name or Path(path).name
    scope = _scope(engine, warning_id)
    now = clock.now()
    problems: list[Problem] = []
    good: list[dict] = []
    for line, raw in read_inspections(Path(path), name):
        values, bad = _parse(raw)
        for key, reason, value in bad:
            problems.append(Problem(name, line, COLUMNS[key][0], value, reason))
        for key, reason in _check(scope, values, now):
            problems.append(Problem(name, line, COLUMNS[key][0], raw.get(key), reason))
        if not bad:
            good.append(values)
    if problems:
        raise ImportRejected(f"{name}: {len(problems)} 处错误，未导入任何数据", problems)
    with Session(engine) as session:
        rows = [_row(warning_id, v, actor, now) for v in good]
        session.add_all(rows)
        session.flush()
        days = [clock.local_day(v["inspected_at"]) for v in good]
        by_result = {code: sum(v["result"] == code for v in good) for code in RESULTS}
        summary = ImportSummary(name, len(rows), len({v["uscc"] for v in good}), min(days, default=None),
                                max(days, default=None), by_result)
        record(session, actor, "inspection.import", str(warning_id),
               {**summary.as_dict(), "ids": [r.id for r in rows]})
        session.commit()
    return summary


def list_inspections(engine: Engine, warning_id: int, day: date | None = None) -> list[Inspection]:
    """The warning's inspections (of one Beijing ``day`` if given), in time order."""
    from emergency.workflow.models import WarningRecord

    with Session(engine) as session:
        if session.get(WarningRecord, warning_id) is None:
            raise NotFound(f"预警 {warning_id} 不存在 (no such warning)")
        q = select(Inspection).where(Inspection.warning_id == warning_id)
        if day is not None:
            lo = clock.as_utc(clock.day_start(day))
            q = q.where(Inspection.inspected_at >= lo, Inspection.inspected_at < lo + timedelta(days=1))
        rows = list(session.execute(q.order_by(Inspection.inspected_at, Inspection.id)).scalars())
        for r in rows:
            session.expunge(r)
    return rows
