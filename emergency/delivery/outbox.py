"""The delivery outbox: every notice, reminder and escalation reaches its recipient once.

Enqueue. :func:`enqueue_version` inserts, in ONE transaction, a row per (warning,
version, recipient, channel, purpose) — unique — and a ``delivery_enqueued`` marker
for (warning, version, purpose): a second enqueue (a restart, a second scheduler)
inserts nothing. :func:`enqueue_due` enqueues every version of an active warning (and
the 解除通知 of a warning released within ``release_window_hours``) not yet marked, so
the workflow needs no hook: the delivery job finds new versions by itself. Rows whose
recipient has no address for a channel are inserted as ``no_address`` (shown to the
duty officer), never silently left out.

Send. :func:`drain` runs one lane per configured channel (area, name) with
``workers_per_channel`` threads each, so a channel that is down or slow delays only its
own rows. A lane repeatedly *claims* a
due row — ``pending``, ``failed`` whose ``next_attempt_at`` has come, or ``sending``
whose lease expired before the try was handed over — with a conditional UPDATE (status,
claim token, lease) in its own short transaction, sends it, and records the result in
another one. A failed try is recorded (``delivery_attempt``: time, result, error) and
retried after ``backoff_base_minutes · 2^(n−1)`` (capped); after ``max_attempts`` the
row is ``gave_up``, and a permanent refusal (an address the server rejects) gives up at
once. When a channel cannot be reached at all the lane stops for this pass after
recording that try: its other rows wait for the next pass.

Crashes (exactly once). Each try has a point of no return, the *handover*: the
channel has been reached (TCP connect, SMTP greeting/TLS/login) and the message is
about to leave. Just before it the worker commits ``handed_over_at`` on its claimed row.
After a kill:

- killed between rows, after claiming, or while the channel was being reached (slow or
  down): ``handed_over_at`` is empty — nothing left the process — so once the lease
  expires (or at once, when the claim's process on this host is gone) the row is
  claimed again and sent, with the same idempotency key. Never twice;
- killed after the handover and before the result was recorded: whether the message
  arrived is unknown. Re-sending would risk a second notice to the firm (SMTP servers,
  SMS gateways and robots do not de-duplicate on our key), so the row becomes
  ``uncertain`` and is held for the duty officer (``emergency delivery retry`` re-sends
  it after checking with the firm; the attempt is recorded as ``crashed``). We chose
  "hold" over "re-send": a duplicate order is confusing, a held one is visible on the
  board with its firm's phone; and the window is the few milliseconds of one DATA or
  HTTP request.

Idempotency key: ``sha256(warning/version/recipient/channel/purpose)[:32]``, sent as
the e-mail Message-ID, the SMS OutId / SessionContext and the webhook
``X-Idempotency-Key`` header on every try of the row.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from emergency import clock
from emergency.delivery import models as m
from emergency.delivery.channels import Message, send as channel_send
from emergency.delivery.channels.sms import mobile
from emergency.delivery.config import AreaDelivery, ChannelError, DeliveryConfig, load_delivery_config
from emergency.delivery.models import DeliveryAttempt, DeliveryEnqueued, DeliveryOutbox

log = logging.getLogger("emergency.delivery")

HOST = socket.gethostname()[:60]
INCARNATION = secrets.token_hex(4)  # this process, as distinct from an earlier one with the same pid (containers)


def idempotency_key(warning_id: int, version_no: int, recipient: str, channel: str, purpose: str) -> str:
    return hashlib.sha256(f"{warning_id}/{version_no}/{recipient}/{channel}/{purpose}".encode()).hexdigest()[:32]


# --- enqueue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """Whom one message goes to, and what it says."""
    recipient: str  # USCC or county:<区县>
    uscc: str | None
    county: str
    email: str | None
    phone: str | None
    subject: str
    text: str
    html: str | None
    sms: dict[str, str]


def _address(kind: str, r: Recipient) -> str | None:
    if kind == "email":
        return r.email or None
    if kind == "sms":
        phones = [p for p in (mobile(x) for x in (r.phone or "").split(",")) if p]
        return ",".join(phones) or None
    return ",".join(p for p in (mobile(x) for x in (r.phone or "").split(",")) if p)  # webhook: the phones to @


def _rows(warning_id: int, version_no: int, purpose: str, r: Recipient, area: AreaDelivery, now: datetime,
          channel_names: list[str] | None = None) -> list[dict]:
    out = []
    for ch in area.channels:
        if channel_names is not None and ch.name not in channel_names:
            continue
        address = _address(ch.kind, r)
        payload = {"subject": r.subject, "text": r.text, "html": r.html if ch.kind == "email" else None, "sms": r.sms}
        out.append({
            "warning_id": warning_id, "version_no": version_no, "recipient": r.recipient, "uscc": r.uscc,
            "county": r.county, "area": area.area, "channel": ch.name, "kind": ch.kind, "purpose": purpose,
            "address": address, "status": m.NO_ADDRESS if address is None else m.PENDING, "attempts": 0,
            "next_attempt_at": None if address is None else now,
            "idempotency_key": idempotency_key(warning_id, version_no, r.recipient, ch.name, purpose),
            "payload": json.dumps(payload, ensure_ascii=False), "created_at": now, "updated_at": now,
            "last_error": "没有该渠道的联系方式（请在企业清单中补充）" if address is None else None,
        })
    return out


def unconfigured_row(warning_id: int, version_no: int, purpose: str, r: Recipient, now: datetime) -> dict:
    """A ``no_address`` row for a recipient whose area has no channel configured (shown, never skipped)."""
    return {
        "warning_id": warning_id, "version_no": version_no, "recipient": r.recipient, "uscc": r.uscc, "county": r.county,
        "area": "", "channel": "-", "kind": "none", "purpose": purpose, "address": None, "status": m.NO_ADDRESS,
        "attempts": 0, "next_attempt_at": None, "idempotency_key": idempotency_key(warning_id, version_no, r.recipient, "-", purpose),
        "payload": json.dumps({"subject": r.subject, "text": r.text, "html": None, "sms": r.sms}, ensure_ascii=False),
        "created_at": now, "updated_at": now, "last_error": f"区县“{r.county}”没有配置送达渠道 (no channel configured)",
    }


def insert_rows(engine: Engine, rows: list[dict], marker: dict | None, actor: str = "scheduler") -> int:
    """Insert ``rows`` (skipping keys already there) and ``marker`` in ONE transaction;
    the number inserted (0 when the marker existed: another enqueue did it)."""
    from sqlmodel import Session

    from emergency.workflow.audit import record

    with Session(engine) as session:
        try:
            if marker is not None:
                session.execute(insert(DeliveryEnqueued).values(**marker, rows=len(rows)))
            n = 0
            for row in rows:
                exists = session.execute(select(DeliveryOutbox.id).where(
                    DeliveryOutbox.idempotency_key == row["idempotency_key"])).first()
                if exists is None:
                    session.execute(insert(DeliveryOutbox).values(**row))
                    n += 1
            if n:
                first = rows[0]
                record(session, actor, "delivery.enqueue", f"{first['warning_id']}/{first['version_no']}",
                       {"purpose": sorted({r["purpose"] for r in rows}), "rows": n,
                        "no_address": sum(r["status"] == m.NO_ADDRESS for r in rows)})
            session.commit()
            return n
        except IntegrityError:  # a concurrent enqueue of the same key won: its rows are the rows
            session.rollback()
            return 0


def _cities(engine: Engine, warning_id: int) -> tuple[str, ...]:
    from emergency.workflow.models import WarningRecord
    from sqlmodel import Session

    with Session(engine) as session:
        w = session.get(WarningRecord, warning_id)
    return tuple(json.loads(w.areas)) if w else ()


def _notice_text(n, order, frame) -> str:
    lines = [f"{n.name}（统一社会信用代码：{n.uscc}）：", "", f"{n.title}（{n.number}）"]
    if n.rows:
        lines += ["", "贵单位须落实的措施："] + [f"  · {r.line}：{r.measure}" for r in n.rows]
    if order is not None:
        lines += ["", f"请于 {clock.fmt(order.confirm_by)}（{clock.zone_label()}）前确认收到本通知（回执）。"]
        if order.report_by is not None:
            lines.append(f"请于 {clock.fmt(order.report_by)}（{clock.zone_label()}）前报告落实情况。")
    lines += ["", "通知全文见电子邮件正文，或登录系统企业端查看。", frame.office or frame.issuer]
    return "\n".join(lines) + "\n"


def version_recipients(engine: Engine, warning_id: int, version_no: int | None) -> tuple[int, str, list[Recipient]]:
    """(version, purpose, recipients) of a version's notices; ``version_no`` None: the 解除
    package of a released warning (purpose ``release``, version = the latest)."""
    from emergency.notices import render
    from emergency.workflow.package import package
    from emergency.workflow.receipts import orders

    pkg = package(engine, warning_id, version_no)
    purpose = m.RELEASE if pkg.frame.released else m.NOTICE
    vno = pkg.frame.version_no
    ents = pkg.input.tables.enterprises
    email = dict(zip(ents["uscc"], ents.get("contact_email") or [None] * len(ents["uscc"])))
    by_order = {o.uscc: o for o in orders(engine, warning_id) if o.version_no == vno} if purpose == m.NOTICE else {}
    level = pkg.frame.level_zh
    out = []
    for n in pkg.notices:
        o = by_order.get(n.uscc)
        deadline = clock.fmt(o.confirm_by) if o else ""
        out.append(Recipient(
            recipient=n.uscc, uscc=n.uscc, county=n.county, email=email.get(n.uscc), phone=n.contact_phone,
            subject=f"【{m.PURPOSE_ZH[purpose]}】{n.title}", text=_notice_text(n, o, pkg.frame),
            html=render.notice_html(pkg, n),
            sms={"enterprise": n.name, "purpose": m.PURPOSE_ZH[purpose], "level": level, "warning": str(warning_id),
                 "version": str(vno), "deadline": deadline, "county": n.county},
        ))
    return vno, purpose, out


def enqueue_version(engine: Engine, warning_id: int, version_no: int | None, cfg: DeliveryConfig,
                    now: datetime | None = None, actor: str = "scheduler") -> int:
    """Enqueue the notices of one version (``None``: the 解除通知 of a released warning)
    through each firm's channels (its county's configuration, else its city's); one
    transaction, nothing inserted twice. Returns the rows inserted."""
    now = clock.as_utc(now or clock.now())
    vno, purpose, recipients = version_recipients(engine, warning_id, version_no)
    cities = _cities(engine, warning_id)
    rows: list[dict] = []
    for r in recipients:
        area = cfg.area(r.county, cities)
        if area is None:
            log.error("no delivery channels configured for %s (warning %d): %s not notified", r.county, warning_id, r.recipient)
            rows.append(unconfigured_row(warning_id, vno, purpose, r, now))
            continue
        rows += _rows(warning_id, vno, purpose, r, area, now)
    marker = {"warning_id": warning_id, "version_no": vno, "purpose": purpose, "enqueued_at": now}
    return insert_rows(engine, rows, marker, actor)


def enqueue_due(engine: Engine, now: datetime, cfg: DeliveryConfig, warning_id: int | None = None) -> int:
    """Enqueue every version of an active warning, and the release of a warning released
    within ``release_window_hours``, not yet enqueued (of ``warning_id`` only if given)."""
    from emergency.workflow.models import ACTIVE_STATES, PlanVersion, WarningRecord, WarningState

    now = clock.as_utc(now)
    with engine.connect() as conn:
        done = {(w, v, p) for w, v, p in conn.execute(select(
            DeliveryEnqueued.warning_id, DeliveryEnqueued.version_no, DeliveryEnqueued.purpose))}
        active = conn.execute(select(PlanVersion.warning_id, PlanVersion.version_no).join(
            WarningRecord, WarningRecord.id == PlanVersion.warning_id).where(
            WarningRecord.state.in_([s.value for s in ACTIVE_STATES])).order_by(PlanVersion.warning_id, PlanVersion.version_no)).all()
        since = now - timedelta(hours=cfg.release_window_hours)
        released = conn.execute(select(WarningRecord.id, WarningRecord.released_at, WarningRecord.updated_at).where(
            WarningRecord.state == WarningState.RELEASED.value)).all()
        latest = dict(conn.execute(select(PlanVersion.warning_id, PlanVersion.version_no).order_by(PlanVersion.version_no)).all())
    n = 0
    for wid, vno in active:
        if (wid, vno, m.NOTICE) not in done and warning_id in (None, wid):
            n += enqueue_version(engine, wid, vno, cfg, now)
    for wid, released_at, updated_at in released:
        at = clock.as_utc(released_at or updated_at)
        if at >= since and (wid, latest.get(wid), m.RELEASE) not in done and warning_id in (None, wid):
            n += enqueue_version(engine, wid, None, cfg, now)
    return n


# --- claim, send, record ---------------------------------------------------------------


def _token() -> str:
    return f"{HOST}:{os.getpid()}:{INCARNATION}:{secrets.token_hex(6)}"


def _alive(token: str | None) -> bool:
    """Whether the process that holds ``token`` may still be running (another host: assume
    so, its lease decides). The same pid in another incarnation (a restarted container's
    pid 1) is a dead process."""
    if not token:
        return False
    parts = token.split(":")
    if len(parts) != 4 or parts[0] != HOST or not parts[1].isdigit():
        return True
    pid, incarnation = int(parts[1]), parts[2]
    if pid == os.getpid():
        return incarnation == INCARNATION
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep(engine: Engine, now: datetime) -> int:
    """Claims of dead processes on this host expire now; expired claims past their
    handover become ``uncertain`` (held for the duty officer). Returns rows held."""
    now = clock.as_utc(now)
    with engine.connect() as conn:
        live = conn.execute(select(DeliveryOutbox.id, DeliveryOutbox.claim_token).where(
            DeliveryOutbox.status == m.SENDING, DeliveryOutbox.lease_until >= now)).all()
    for rid, token in live:
        if not _alive(token):
            with engine.begin() as conn:
                conn.execute(update(DeliveryOutbox).where(DeliveryOutbox.id == rid, DeliveryOutbox.claim_token == token)
                             .values(lease_until=now - timedelta(seconds=1)))
    with engine.connect() as conn:
        lost = conn.execute(select(DeliveryOutbox.id, DeliveryOutbox.claim_token, DeliveryOutbox.attempts).where(
            DeliveryOutbox.status == m.SENDING, DeliveryOutbox.lease_until < now,
            DeliveryOutbox.handed_over_at.is_not(None))).all()
    held = 0
    for rid, token, attempts in lost:
        error = "发送过程中进程中断，消息可能已送达也可能未送达：请与企业核实后再重发 (crashed after handover: held)"
        with engine.begin() as conn:
            if conn.execute(update(DeliveryOutbox).where(DeliveryOutbox.id == rid, DeliveryOutbox.claim_token == token,
                                                         DeliveryOutbox.status == m.SENDING)
                            .values(status=m.UNCERTAIN, claim_token=None, lease_until=None, last_error=error,
                                    updated_at=now)).rowcount:
                conn.execute(update(DeliveryAttempt).where(DeliveryAttempt.outbox_id == rid,
                                                           DeliveryAttempt.attempt_no == attempts,
                                                           DeliveryAttempt.result == m.ATTEMPT_STARTED)
                             .values(result=m.ATTEMPT_CRASHED, error=error, finished_at=now))
                held += 1
                log.error("delivery row %d held as uncertain: the sender died after handing it over", rid)
    return held


def _due(now: datetime):
    return or_(
        DeliveryOutbox.status == m.PENDING,
        and_(DeliveryOutbox.status == m.FAILED, DeliveryOutbox.next_attempt_at <= now),
        and_(DeliveryOutbox.status == m.SENDING, DeliveryOutbox.lease_until < now, DeliveryOutbox.handed_over_at.is_(None)),
    )


@dataclass
class Claim:
    id: int
    token: str
    attempt_no: int
    row: dict


def claim_next(engine: Engine, area: str, channel: str, now: datetime, cfg: DeliveryConfig,
               warning_id: int | None = None) -> Claim | None:
    """Claim the oldest due row of the lane (conditional UPDATE; a row another worker took
    is passed over); None when the lane has nothing due."""
    now = clock.as_utc(now)
    skip: set[int] = set()
    while True:
        q = select(DeliveryOutbox).where(DeliveryOutbox.area == area, DeliveryOutbox.channel == channel, _due(now))
        if warning_id is not None:
            q = q.where(DeliveryOutbox.warning_id == warning_id)
        if skip:
            q = q.where(DeliveryOutbox.id.not_in(skip))
        with engine.connect() as conn:
            row = conn.execute(q.order_by(DeliveryOutbox.id).limit(1)).mappings().first()
        if row is None:
            return None
        token = _token()
        attempt_no = row["attempts"] + 1
        with engine.begin() as conn:
            won = conn.execute(update(DeliveryOutbox).where(
                DeliveryOutbox.id == row["id"], DeliveryOutbox.status == row["status"],
                DeliveryOutbox.attempts == row["attempts"],
                (DeliveryOutbox.claim_token == row["claim_token"]) if row["claim_token"] else DeliveryOutbox.claim_token.is_(None),
            ).values(status=m.SENDING, claim_token=token, attempts=attempt_no, handed_over_at=None,
                     lease_until=now + timedelta(seconds=cfg.lease_seconds), updated_at=now)).rowcount
            if won:
                if row["status"] == m.SENDING:  # an expired claim that never handed over: its try sent nothing
                    conn.execute(update(DeliveryAttempt).where(
                        DeliveryAttempt.outbox_id == row["id"], DeliveryAttempt.result == m.ATTEMPT_STARTED).values(
                        result=m.ATTEMPT_CRASHED, finished_at=now, error="进程在发送前中断（未交付，已重新发送）"))
                conn.execute(insert(DeliveryAttempt).values(outbox_id=row["id"], attempt_no=attempt_no, started_at=now,
                                                            result=m.ATTEMPT_STARTED))
        if won:
            return Claim(row["id"], token, attempt_no, dict(row))
        skip.add(row["id"])


class LostClaim(Exception):
    """Our claim expired and another worker took the row: do not send."""


def _handover(engine: Engine, claim: Claim):
    def mark() -> None:
        with engine.begin() as conn:
            if not conn.execute(update(DeliveryOutbox).where(
                    DeliveryOutbox.id == claim.id, DeliveryOutbox.claim_token == claim.token,
                    DeliveryOutbox.status == m.SENDING).values(handed_over_at=clock.now())).rowcount:
                raise LostClaim(claim.id)
    return mark


def record_result(engine: Engine, claim: Claim, cfg: DeliveryConfig, *, provider_id: str | None = None,
                  error: ChannelError | None = None) -> str:
    """Record the try's outcome (the row's new status), in one transaction."""
    now = clock.now()
    if error is None:
        values = {"status": m.SENT, "sent_at": now, "provider_message_id": (provider_id or "")[:200] or None,
                  "last_error": None, "next_attempt_at": None}
        result = m.ATTEMPT_SENT
    else:
        give_up = error.permanent or claim.attempt_no >= cfg.max_attempts
        values = {"status": m.GAVE_UP if give_up else m.FAILED, "last_error": error.message[:2000],
                  "next_attempt_at": None if give_up else now + timedelta(minutes=cfg.backoff_minutes(claim.attempt_no))}
        result = m.ATTEMPT_FAILED
    with engine.begin() as conn:
        conn.execute(update(DeliveryOutbox).where(DeliveryOutbox.id == claim.id, DeliveryOutbox.claim_token == claim.token)
                     .values(**values, claim_token=None, lease_until=None, handed_over_at=None, updated_at=now))
        conn.execute(update(DeliveryAttempt).where(DeliveryAttempt.outbox_id == claim.id,
                                                   DeliveryAttempt.attempt_no == claim.attempt_no)
                     .values(result=result, finished_at=now, error=None if error is None else error.message[:2000],
                             provider_message_id=values.get("provider_message_id")))
    if values["status"] == m.GAVE_UP:
        log.error("GAVE UP delivery row %d (%s %s to %s) after %d tries: %s", claim.id, claim.row["channel"],
                  claim.row["purpose"], claim.row["recipient"], claim.attempt_no, error.message)
    elif error is not None:
        log.warning("delivery row %d failed (try %d): %s", claim.id, claim.attempt_no, error.message)
    return values["status"]


def message_of(row: dict) -> Message:
    p = json.loads(row["payload"])
    return Message(key=row["idempotency_key"], address=row["address"] or "", subject=p["subject"], text=p["text"],
                   html=p.get("html"), sms_params=p.get("sms") or {})


@dataclass
class LaneResult:
    area: str
    channel: str
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    down: str | None = None  # why the channel could not be reached (its other rows wait)


@dataclass
class DrainResult:
    lanes: list[LaneResult] = field(default_factory=list)
    held: int = 0

    @property
    def sent(self) -> int:
        return sum(lane.sent for lane in self.lanes)

    @property
    def failed(self) -> int:
        return sum(lane.failed for lane in self.lanes)

    @property
    def gave_up(self) -> int:
        return sum(lane.gave_up for lane in self.lanes)


# test hooks: called with the claim after claiming / after the channel accepted (to simulate a kill)
AFTER_CLAIM = None
AFTER_SEND = None


def run_lane(engine: Engine, area: AreaDelivery, channel, now: datetime, cfg: DeliveryConfig,
             warning_id: int | None = None, down: threading.Event | None = None) -> LaneResult:
    """One worker of a lane: claim, send, record, until nothing is due or the channel is
    down (``down``, shared by the lane's workers: one worker's connect failure stops all)."""
    out = LaneResult(area.area, channel.name)
    down = down or threading.Event()
    while not down.is_set():
        claim = claim_next(engine, area.area, channel.name, now, cfg, warning_id)
        if claim is None:
            return out
        if AFTER_CLAIM is not None:
            AFTER_CLAIM(claim)
        try:
            provider_id = channel_send(channel, message_of(claim.row), _handover(engine, claim))
        except LostClaim:
            log.error("delivery row %d: claim lost to another worker, not sent", claim.id)
            continue
        except ChannelError as exc:
            status = record_result(engine, claim, cfg, error=exc)
            out.failed += status == m.FAILED
            out.gave_up += status == m.GAVE_UP
            if exc.connect:
                out.down = exc.message
                down.set()
                log.error("channel %s of %s is down: %s (its other rows wait for the next pass)", channel.name,
                          area.area, exc.message)
                return out
            continue
        except Exception as exc:  # noqa: BLE001 — an unexpected error is a failed try, not a dead lane
            status = record_result(engine, claim, cfg, error=ChannelError(f"{type(exc).__name__}: {exc}"))
            out.failed += status == m.FAILED
            out.gave_up += status == m.GAVE_UP
            continue
        if AFTER_SEND is not None:
            AFTER_SEND(claim)
        record_result(engine, claim, cfg, provider_id=provider_id)
        out.sent += 1
    return out


def drain(engine: Engine, now: datetime, cfg: DeliveryConfig, warning_id: int | None = None) -> DrainResult:
    """Send every due row (of ``warning_id`` only if given), ``workers_per_channel`` threads
    per configured channel; see the module docstring."""
    now = clock.as_utc(now)
    result = DrainResult(held=sweep(engine, now))
    with engine.connect() as conn:
        q = select(DeliveryOutbox.area, DeliveryOutbox.channel).where(_due(now))
        if warning_id is not None:
            q = q.where(DeliveryOutbox.warning_id == warning_id)
        busy = {(a, c) for a, c in conn.execute(q.distinct())}
    lanes = [(a, ch) for a in cfg.areas for ch in a.channels if (a.area, ch.name) in busy]
    results: list[LaneResult] = []
    errors: list[BaseException] = []

    flags = {(a.area, ch.name): threading.Event() for a, ch in lanes}

    def run(a, ch):
        try:
            results.append(run_lane(engine, a, ch, now, cfg, warning_id, flags[(a.area, ch.name)]))
        except BaseException as exc:  # noqa: BLE001 — reported after the other lanes finished
            errors.append(exc)

    threads = [threading.Thread(target=run, args=lane, name=f"delivery-{lane[0].area}-{lane[1].name}-{i}")
               for lane in lanes for i in range(cfg.workers_per_channel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    merged: dict[tuple[str, str], LaneResult] = {}
    for r in results:  # the workers of one lane
        lane = merged.setdefault((r.area, r.channel), LaneResult(r.area, r.channel))
        lane.sent, lane.failed, lane.gave_up = lane.sent + r.sent, lane.failed + r.failed, lane.gave_up + r.gave_up
        lane.down = lane.down or r.down
    result.lanes = sorted(merged.values(), key=lambda r: (r.area, r.channel))
    return result


def deliver_due(engine: Engine, now: datetime, cfg: DeliveryConfig | None = None) -> int:
    """The scheduler's delivery job: enqueue new versions, then send what is due. Returns
    the messages sent. Without a configuration (``EMERGENCY_DELIVERY_CONFIG``) nothing
    can be sent: logged as an error on every run."""
    cfg = cfg or load_delivery_config()
    if cfg is None:
        log.error("notice delivery is not configured (EMERGENCY_DELIVERY_CONFIG): no notice is sent")
        return 0
    enqueue_due(engine, now, cfg)
    result = drain(engine, now, cfg)
    if result.gave_up or result.held:
        log.error("delivery: %d message(s) gave up, %d held as uncertain: see emergency delivery status",
                  result.gave_up, result.held)
    return result.sent
