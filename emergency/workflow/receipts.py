"""Receipts (回执) and execution reports (落实情况报告) of the firms' orders.

An *order* is what a firm receives at one plan version of a warning: the notice of that
version (``emergency.notices.changes.noticed_firms``: at version 1 every firm with
measures, at a later version the firms whose measures changed, including those whose
measures were all lifted). Its lines are the firm's lines with a measure in that
version (none when everything was lifted: then only a receipt is due).

Deadlines are the ones the notice prints (``emergency.notices.frame``), from the locality's
policy ``[documents]``: receipt within ``confirm_within_hours`` of the version's issue
time (its ``created_at``); execution reported within ``report_within_hours`` of the
later of the issue time and the time the measures take effect (``effective_from``;
measures effective at once: the issue time). Times are stored in UTC and shown in the
bureau's zone (``emergency.clock``), so a deadline past midnight in Beijing is the next
Beijing day even on a UTC server.

States (as of ``clock.now()``): a receipt or report is ``on_time`` (done by the
deadline), ``late`` (done after it), ``pending`` (not done, deadline ahead) or
``overdue`` (not done, deadline passed); an order without lines has report state
``not_required``. A report is complete when every line of the order is reported; its
time is the latest *first* report of a line (a correction keeps the first time).

Writes are transactional and audited; a second confirmation of the same order is not a
new row (it answers the first one), nor is a second identical report of a line. A
changed report of a line updates its row (``updated_at``) and is audited as a
correction. Evidence files are stored under ``<data_dir>/evidence/`` with names the
server chooses; the client's file name is kept as text only.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from emergency import clock
from emergency.atomic_files import write_bytes
from emergency.errors import Conflict, EmergencyError, InputError, NotFound, PermissionDenied
from emergency.settings import get_settings
from emergency.workflow.audit import record
from emergency.workflow.models import ACTIVE_STATES, ExecutionReport, NoticeReceipt, WarningRecord

MEASURE_MAX = 200
EVIDENCE_SUFFIXES = (".jpg", ".jpeg", ".png", ".pdf")
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
CLOCK_SKEW = timedelta(minutes=10)  # a taken_at this far ahead of the server's clock is still accepted
NO_COUNTY = "（未填区县）"


@dataclass(frozen=True)
class OrderLine:
    line_id: str
    line_name: str
    measure: str
    measure_zh: str


@dataclass(frozen=True)
class Order:
    warning_id: int
    version_no: int
    transition: str
    uscc: str
    name: str
    county: str
    lines: tuple[OrderLine, ...]
    issued_at: datetime
    effective_from: datetime
    confirm_by: datetime
    report_by: datetime | None  # None: no line to report (every measure lifted)


@dataclass(frozen=True)
class LineReport:
    id: int
    line_id: str
    measure: str
    taken_at: datetime
    reported_at: datetime
    updated_at: datetime
    reported_by: str
    evidence: str | None  # the client's file name, as text
    evidence_sha256: str | None


@dataclass(frozen=True)
class OrderStatus:
    order: Order
    confirmed_at: datetime | None
    confirmed_by: str | None
    reports: dict[str, LineReport]
    now: datetime

    @property
    def confirm_state(self) -> str:
        return _state(self.confirmed_at, self.order.confirm_by, self.now)

    @property
    def reported_at(self) -> datetime | None:
        """When the report became complete (every line reported), else None."""
        lines = [ln.line_id for ln in self.order.lines]
        if not lines or any(ln not in self.reports for ln in lines):
            return None
        return max(self.reports[ln].reported_at for ln in lines)

    @property
    def report_state(self) -> str:
        if self.order.report_by is None:
            return "not_required"
        return _state(self.reported_at, self.order.report_by, self.now)

    @property
    def late(self) -> bool:
        return self.confirm_state in ("late", "overdue") or self.report_state in ("late", "overdue")

    def as_dict(self) -> dict:
        o = self.order
        return {
            "warning_id": o.warning_id, "version": o.version_no, "transition": o.transition, "uscc": o.uscc,
            "name": o.name, "county": o.county, "issued_at": clock.iso(o.issued_at),
            "effective_from": clock.iso(o.effective_from),
            "confirm_by": clock.iso(o.confirm_by), "confirmed_at": clock.iso(self.confirmed_at),
            "confirmed_by": self.confirmed_by, "confirm_state": self.confirm_state,
            "report_by": clock.iso(o.report_by), "reported_at": clock.iso(self.reported_at), "report_state": self.report_state,
            "late": self.late,
            "lines": [
                {"line_id": ln.line_id, "line_name": ln.line_name, "measure": ln.measure, "measure_zh": ln.measure_zh,
                 "report": _report_dict(self.reports.get(ln.line_id))}
                for ln in o.lines
            ],
        }


STATE_ZH = {"on_time": "按时", "late": "逾期完成", "pending": "未到期", "overdue": "已逾期未完成", "not_required": "无需报告"}


def _state(done: datetime | None, by: datetime, now: datetime) -> str:
    if done is not None:
        return "on_time" if clock.as_utc(done) <= clock.as_utc(by) else "late"
    return "pending" if now <= clock.as_utc(by) else "overdue"


def _report_dict(r: LineReport | None) -> dict | None:
    if r is None:
        return None
    return {"id": r.id, "measure": r.measure, "taken_at": clock.iso(r.taken_at), "reported_at": clock.iso(r.reported_at),
            "updated_at": clock.iso(r.updated_at), "reported_by": r.reported_by, "evidence": r.evidence,
            "evidence_sha256": r.evidence_sha256}


# --- orders ------------------------------------------------------------------------


def orders(engine: Engine, warning_id: int) -> list[Order]:
    """Every order of the warning, by version then firm."""
    from emergency.notices.changes import by_firm, noticed_firms
    from emergency.workflow.package import package_input

    inp = package_input(engine, warning_id)
    docs = inp.policy.documents
    confirm_h, report_h = timedelta(hours=docs.confirm_within_hours), timedelta(hours=docs.report_within_hours)
    out: list[Order] = []
    previous = None
    for v in inp.versions:
        now_firms, before = by_firm(v.plan), by_firm(previous.plan if previous else None)
        issued, effective = clock.as_utc(v.created_at), clock.as_utc(v.effective_from)
        for uscc in sorted(noticed_firms(previous.plan if previous else None, v.plan)):
            actions = now_firms.get(uscc, {})
            any_action = next(iter((actions or before.get(uscc, {})).values()))
            lines = tuple(
                OrderLine(a.line_id, a.line_name or a.line_id.rsplit("/", 1)[-1], a.measure, a.measure_zh or a.measure)
                for _, a in sorted(actions.items())
            )
            out.append(Order(
                warning_id=warning_id, version_no=v.no, transition=v.transition, uscc=uscc,
                name=any_action.enterprise_name or uscc, county=any_action.county or NO_COUNTY, lines=lines,
                issued_at=issued, effective_from=effective, confirm_by=issued + confirm_h,
                report_by=max(issued, effective) + report_h if lines else None,
            ))
        previous = v
    return out


def _order(engine: Engine, warning_id: int, version_no: int, uscc: str) -> Order:
    for o in orders(engine, warning_id):
        if o.version_no == version_no and o.uscc == uscc:
            return o
    raise NotFound(f"预警 {warning_id} 第 {version_no} 版没有发给企业 {uscc} 的通知 (no order to this firm at this version)")


def check_firm(uscc: str, usccs: tuple[str, ...] | None) -> None:
    """``usccs`` None: the caller is the bureau (the CLI); else the firm must be one of them."""
    if usccs is not None and uscc not in usccs:
        raise PermissionDenied("只能办理本企业的通知 (not one of this account's firms)")


def statuses(engine: Engine, warning_id: int, usccs: tuple[str, ...] | None = None,
             of: list[Order] | None = None) -> list[OrderStatus]:
    """Each order of the warning (or each of ``of``) with its receipt and reports (only
    ``usccs``' if given)."""
    os_ = [o for o in (orders(engine, warning_id) if of is None else of) if usccs is None or o.uscc in usccs]
    with Session(engine) as session:
        rq = select(NoticeReceipt).where(NoticeReceipt.warning_id == warning_id)
        eq = select(ExecutionReport).where(ExecutionReport.warning_id == warning_id)
        if usccs is not None:
            rq, eq = rq.where(NoticeReceipt.uscc.in_(usccs)), eq.where(ExecutionReport.uscc.in_(usccs))
        receipts = {(r.version_no, r.uscc): r for r in session.execute(rq).scalars()}
        reports: dict[tuple[int, str], dict[str, LineReport]] = {}
        for r in session.execute(eq).scalars():
            reports.setdefault((r.version_no, r.uscc), {})[r.line_id] = LineReport(
                r.id, r.line_id, r.measure, clock.as_utc(r.taken_at), clock.as_utc(r.reported_at), clock.as_utc(r.updated_at),
                r.reported_by, r.evidence_name, r.evidence_sha256)
    now = clock.now()
    out = []
    for o in os_:
        rc = receipts.get((o.version_no, o.uscc))
        out.append(OrderStatus(o, clock.as_utc(rc.confirmed_at) if rc else None, rc.confirmed_by if rc else None,
                               reports.get((o.version_no, o.uscc), {}), now))
    return out


def firm_statuses(engine: Engine, usccs: tuple[str, ...], warning_id: int | None = None) -> list[OrderStatus]:
    """The orders of ``usccs``: of one warning, or of every active warning."""
    if warning_id is not None:
        return statuses(engine, warning_id, usccs)
    with Session(engine) as session:
        ids = session.execute(select(WarningRecord.id).where(WarningRecord.state.in_([s.value for s in ACTIVE_STATES]))
                              .order_by(WarningRecord.id)).scalars().all()
    return [s for w in ids for s in statuses(engine, w, usccs)]


# --- the duty officer's board --------------------------------------------------------


@dataclass
class CountyBoard:
    county: str
    orders: int = 0
    not_confirmed: int = 0
    not_reported: int = 0
    late: int = 0
    rows: list[OrderStatus] = field(default_factory=list)


def board(engine: Engine, warning_id: int, county: str | None = None) -> list[CountyBoard]:
    """Per county (sorted), every order with what is missing or late: ``not_confirmed``
    (pending or overdue receipt), ``not_reported`` (pending or overdue report), ``late``
    (a deadline missed, done late or not at all). Rows needing attention first."""
    counties: dict[str, CountyBoard] = {}
    for s in statuses(engine, warning_id):
        if county is not None and s.order.county != county:
            continue
        b = counties.setdefault(s.order.county, CountyBoard(s.order.county))
        b.orders += 1
        b.not_confirmed += s.confirm_state in ("pending", "overdue")
        b.not_reported += s.report_state in ("pending", "overdue")
        b.late += s.late
        b.rows.append(s)
    if county is not None and not counties:
        raise NotFound(f"预警 {warning_id} 在区县“{county}”没有发出通知 (no orders in this county)")
    for b in counties.values():
        b.rows.sort(key=lambda s: (not s.late, s.confirm_state not in ("pending", "overdue"),
                                   s.report_state not in ("pending", "overdue"), s.order.version_no, s.order.uscc))
    return [counties[c] for c in sorted(counties)]


def board_dict(boards: list[CountyBoard], warning_id: int) -> dict:
    return {
        "warning_id": warning_id, "as_of": clock.iso(clock.now()),
        "totals": {k: sum(getattr(b, k) for b in boards) for k in ("orders", "not_confirmed", "not_reported", "late")},
        "counties": [
            {"county": b.county, "orders": b.orders, "not_confirmed": b.not_confirmed, "not_reported": b.not_reported,
             "late": b.late, "firms": [s.as_dict() for s in b.rows]}
            for b in boards
        ],
    }


# --- the firm's acts -----------------------------------------------------------------


@dataclass(frozen=True)
class Confirmation:
    status: OrderStatus
    new: bool


def confirm(engine: Engine, warning_id: int, version_no: int, uscc: str, actor: str,
            usccs: tuple[str, ...] | None = None) -> Confirmation:
    """Record the firm's receipt of its order (idempotent: a second call answers the first)."""
    check_firm(uscc, usccs)
    o = _order(engine, warning_id, version_no, uscc)
    now = clock.now()
    with Session(engine) as session:
        exists = session.execute(select(NoticeReceipt.id).where(
            NoticeReceipt.warning_id == warning_id, NoticeReceipt.version_no == version_no, NoticeReceipt.uscc == uscc)).first()
    new = False
    if not exists:
        with Session(engine) as session:  # the insert is the transaction's first statement (SQLite: no stale snapshot)
            session.add(NoticeReceipt(warning_id=warning_id, version_no=version_no, uscc=uscc, confirmed_at=now,
                                      confirmed_by=actor))
            try:
                session.flush()
                record(session, actor, "receipt.confirm", f"{warning_id}/{version_no}/{uscc}",
                       {"confirm_by": o.confirm_by, "late": now > o.confirm_by})
                session.commit()
                new = True
            except IntegrityError:  # a concurrent confirmation won: it is the receipt
                session.rollback()
    return Confirmation(_status_of(engine, o), new)


def _status_of(engine: Engine, o: Order) -> OrderStatus:
    return statuses(engine, o.warning_id, (o.uscc,), of=[o])[0]


@dataclass(frozen=True)
class Evidence:
    path: Path  # the received upload (a server-made folder)
    client_name: str


@dataclass(frozen=True)
class Reported:
    status: OrderStatus
    outcome: str  # new | corrected | unchanged


def parse_taken_at(text: str) -> datetime:
    """The time a measure was taken, as the firm typed it (Beijing time unless it names a zone)."""
    if not text.strip():
        raise InputError("请填写落实时间（北京时间，如 2026-12-05 08:00）(taken_at required)", field="taken_at")
    try:
        return clock.parse(text, "落实时间")
    except EmergencyError as exc:
        raise InputError(exc.message, field="taken_at") from None


def _check_measure(text: str) -> str:
    text = text.strip()
    if not text or len(text) > MEASURE_MAX:
        raise InputError(f"落实措施应为1至{MEASURE_MAX}个字符，当前{len(text)}个 (measure taken)", field="measure")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") and ch not in "\t\n\r" for ch in text):
        raise InputError("落实措施不能含控制字符 (control characters)", field="measure")
    return text


def evidence_dir() -> Path:
    return Path(get_settings().data_dir) / "evidence"


def _store_evidence(warning_id: int, ev: Evidence) -> tuple[str, str, int]:
    """(server name relative to :func:`evidence_dir`, sha256, bytes) of the stored copy."""
    if ev.path.stat().st_size > EVIDENCE_MAX_BYTES:
        raise InputError(f"证明材料“{ev.client_name}”超过 {EVIDENCE_MAX_BYTES // 1048576} MB 上限 (evidence too large)",
                         field="file")
    suffix = next((s for s in EVIDENCE_SUFFIXES if ev.path.name.lower().endswith(s)), None)
    if suffix is None:
        raise InputError(f"证明材料“{ev.client_name}”应为 {' / '.join(EVIDENCE_SUFFIXES)} 文件 (evidence type)", field="file")
    data = ev.path.read_bytes()
    name = f"w{warning_id}/{secrets.token_hex(16)}{suffix}"
    target = evidence_dir() / name
    target.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(target, data)
    return name, hashlib.sha256(data).hexdigest(), len(data)


def report(engine: Engine, warning_id: int, version_no: int, uscc: str, line_id: str, measure: str, taken_at: datetime,
           actor: str, usccs: tuple[str, ...] | None = None, evidence: Evidence | None = None) -> Reported:
    """Record the measure the firm took on one line of its order (rules in the module
    docstring). The receipt must have been confirmed first (Conflict)."""
    check_firm(uscc, usccs)
    measure = _check_measure(measure)
    taken_at = clock.as_utc(clock.aware(taken_at))
    now = clock.now()
    if taken_at > now + CLOCK_SKEW:
        raise InputError(f"落实时间 {clock.fmt(taken_at)} 晚于现在（{clock.zone_label()}）(taken_at is in the future)",
                         field="taken_at")
    o = _order(engine, warning_id, version_no, uscc)
    if line_id not in {ln.line_id for ln in o.lines}:
        raise NotFound(f"预警 {warning_id} 第 {version_no} 版给企业 {uscc} 的通知中没有生产线 {line_id} 的措施 (no such line in the order)")
    with Session(engine) as session:  # reads first, in their own transaction (see _write)
        if not session.execute(select(NoticeReceipt.id).where(
                NoticeReceipt.warning_id == warning_id, NoticeReceipt.version_no == version_no,
                NoticeReceipt.uscc == uscc)).first():
            raise Conflict("请先确认收到通知（回执），再报告落实情况 (confirm receipt first)")
        row = session.execute(select(ExecutionReport).where(
            ExecutionReport.warning_id == warning_id, ExecutionReport.version_no == version_no,
            ExecutionReport.uscc == uscc, ExecutionReport.line_id == line_id)).scalars().first()
        if row is not None:
            session.expunge(row)
    stored = _store_evidence(warning_id, evidence) if evidence is not None else None
    if row is not None and row.measure == measure and clock.as_utc(row.taken_at) == taken_at and (
            stored is None or stored[1] == row.evidence_sha256):
        if stored is not None:
            (evidence_dir() / stored[0]).unlink(missing_ok=True)  # the same file again: keep the first copy
        return Reported(_status_of(engine, o), "unchanged")
    ev = {} if stored is None else {"evidence_file": stored[0], "evidence_name": evidence.client_name,
                                    "evidence_sha256": stored[1], "evidence_bytes": stored[2]}
    target = f"{warning_id}/{version_no}/{uscc}/{line_id}"
    details = {"measure": measure, "taken_at": taken_at, "report_by": o.report_by,
               "evidence": evidence.client_name if evidence else None, "evidence_sha256": stored[1] if stored else None}
    lost = Conflict("该生产线的报告刚由另一请求提交或更正，请刷新后重试 (a concurrent report of this line)")
    try:
        with Session(engine) as session:  # the write is the transaction's first statement (SQLite: no stale snapshot)
            if row is None:
                session.add(ExecutionReport(
                    warning_id=warning_id, version_no=version_no, uscc=uscc, line_id=line_id, measure=measure,
                    taken_at=taken_at, reported_at=now, updated_at=now, reported_by=actor, **ev))
                session.flush()
                record(session, actor, "report.execution", target, {**details, "late": o.report_by is not None and now > o.report_by})
                outcome = "new"
            else:
                changed = session.execute(update(ExecutionReport).where(
                    ExecutionReport.id == row.id, ExecutionReport.updated_at == row.updated_at).values(
                    measure=measure, taken_at=taken_at, updated_at=now, reported_by=actor, **ev)).rowcount
                if changed != 1:
                    raise lost
                previous = {"measure": row.measure, "taken_at": clock.as_utc(row.taken_at), "evidence_sha256": row.evidence_sha256}
                record(session, actor, "report.correct", target, {**details, "previous": previous})
                outcome = "corrected"
            session.commit()
    except IntegrityError:  # the same line first reported at the same moment by another request
        if stored is not None:
            (evidence_dir() / stored[0]).unlink(missing_ok=True)
        raise lost from None
    except BaseException:
        if stored is not None:
            (evidence_dir() / stored[0]).unlink(missing_ok=True)
        raise
    if stored is not None and row is not None and row.evidence_file:
        (evidence_dir() / row.evidence_file).unlink(missing_ok=True)  # replaced by the new evidence
    return Reported(_status_of(engine, o), outcome)



MEDIA_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".pdf": "application/pdf"}


@dataclass(frozen=True)
class StoredEvidence:
    data: bytes
    client_name: str
    media_type: str


def evidence(engine: Engine, warning_id: int, report_id: int, usccs: tuple[str, ...] | None = None) -> StoredEvidence:
    """The evidence file of report ``report_id`` of the warning (only of ``usccs``' reports if given)."""
    with Session(engine) as session:
        row = session.get(ExecutionReport, report_id)
    if row is None or row.warning_id != warning_id or (usccs is not None and row.uscc not in usccs) or not row.evidence_file:
        raise NotFound(f"预警 {warning_id} 没有编号为 {report_id} 的落实报告证明材料 (no such evidence)")
    path = evidence_dir() / row.evidence_file
    if not path.is_file():
        raise NotFound(f"落实报告 {report_id} 的证明材料文件已不在服务器上 (evidence file missing)")
    suffix = path.suffix.lower()
    return StoredEvidence(path.read_bytes(), row.evidence_name or f"evidence{suffix}", MEDIA_TYPES.get(suffix, "application/octet-stream"))
