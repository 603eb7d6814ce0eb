"""What the CLI, the API and the console call: send now, the delivery status of a
warning (per version and channel, failures with reasons, firms with no address, the
receipts board with what was delivered, reminded and escalated), and the duty
officer's retry of rows that gave up or are held as uncertain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlmodel import Session

from emergency import clock
from emergency.delivery import models as m
from emergency.delivery.config import DeliveryConfig, load_delivery_config
from emergency.delivery.models import DeliveryAttempt, DeliveryOutbox
from emergency.delivery.outbox import DrainResult, drain, enqueue_due
from emergency.errors import ConfigurationError, NotFound
from emergency.workflow.audit import record

ATTENTION = (m.FAILED, m.GAVE_UP, m.NO_ADDRESS, m.UNCERTAIN)


def require_config(cfg: DeliveryConfig | None = None) -> DeliveryConfig:
    cfg = cfg or load_delivery_config()
    if cfg is None:
        raise ConfigurationError("未配置通知送达渠道：请设置 EMERGENCY_DELIVERY_CONFIG 指向送达配置文件 "
                                 "(notice delivery is not configured)")
    return cfg


@dataclass(frozen=True)
class SendSummary:
    enqueued: int
    reminders: int
    result: DrainResult
    open_rows: list[dict]  # rows of the warning(s) needing attention after the pass

    @property
    def ok(self) -> bool:
        return not self.open_rows


def send_now(engine: Engine, cfg: DeliveryConfig | None = None, warning_id: int | None = None,
             now: datetime | None = None, actor: str = "cli") -> SendSummary:
    """Enqueue new versions and due reminders, then send what is due — of ``warning_id``
    only when given (a city's officer drives its own warning, never another city's queue)."""
    from emergency.delivery.reminders import remind_and_escalate

    cfg = require_config(cfg)
    now = clock.as_utc(now or clock.now())
    enqueued = enqueue_due(engine, now, cfg, warning_id)
    reminders = remind_and_escalate(engine, now, cfg, send=False, warning_id=warning_id)
    result = drain(engine, now, cfg, warning_id)
    with Session(engine) as session:
        record(session, actor, "delivery.send", None if warning_id is None else str(warning_id),
               {"enqueued": enqueued, "reminders": reminders, "sent": result.sent, "failed": result.failed,
                "gave_up": result.gave_up, "held": result.held})
        session.commit()
    open_rows = [r for r in outbox_rows(engine, warning_id) if r["status"] in ATTENTION]
    return SendSummary(enqueued, reminders, result, open_rows)


def outbox_rows(engine: Engine, warning_id: int | None = None, uscc: str | None = None) -> list[dict]:
    q = select(DeliveryOutbox.__table__.c[*[c for c in DeliveryOutbox.__table__.c.keys() if c != "payload"]])
    if warning_id is not None:
        q = q.where(DeliveryOutbox.warning_id == warning_id)
    if uscc is not None:
        q = q.where(DeliveryOutbox.uscc == uscc)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(q.order_by(DeliveryOutbox.id)).mappings()]


def _row_dict(r: dict) -> dict:
    return {
        "id": r["id"], "version": r["version_no"], "recipient": r["recipient"], "uscc": r["uscc"], "county": r["county"],
        "channel": r["channel"], "kind": r["kind"], "purpose": r["purpose"], "purpose_zh": m.PURPOSE_ZH.get(r["purpose"]),
        "address": r["address"], "status": r["status"], "status_zh": m.STATUS_ZH.get(r["status"]), "attempts": r["attempts"],
        "next_attempt_at": clock.iso(r["next_attempt_at"]), "sent_at": clock.iso(r["sent_at"]),
        "last_error": r["last_error"], "provider_message_id": r["provider_message_id"],
    }


def warning_status(engine: Engine, warning_id: int) -> dict:
    """Per version and channel counts by status; the rows needing attention (failed, gave
    up, uncertain, no address) with their reasons; per firm and county the board."""
    from emergency.workflow.lifecycle import get_warning

    get_warning(engine, warning_id)  # NotFound for an unknown warning
    rows = outbox_rows(engine, warning_id)
    counts: dict[tuple[int, str, str], dict[str, int]] = {}
    for r in rows:
        c = counts.setdefault((r["version_no"], r["purpose"], r["channel"]), {s: 0 for s in m.STATUSES})
        c[r["status"]] += 1
    return {
        "warning_id": warning_id, "as_of": clock.iso(clock.now()),
        "channels": [{"version": v, "purpose": p, "purpose_zh": m.PURPOSE_ZH.get(p), "channel": ch, "counts": c}
                     for (v, p, ch), c in sorted(counts.items())],
        "attention": [_row_dict(r) for r in rows if r["status"] in ATTENTION],
        "no_address": sorted({(r["uscc"] or r["recipient"], r["channel"]) for r in rows if r["status"] == m.NO_ADDRESS}),
        "board": board(engine, warning_id, rows),
    }


def board(engine: Engine, warning_id: int, rows: list[dict] | None = None) -> list[dict]:
    """The duty officer's board: per county, each ordered firm with its notice delivery per
    channel, receipt, report, overdue, reminded, escalated."""
    from emergency.workflow.receipts import board as receipts_board

    rows = outbox_rows(engine, warning_id) if rows is None else rows
    by_firm: dict[tuple[int, str], list[dict]] = {}
    escalated: dict[tuple[int, str], list[str]] = {}
    for r in rows:
        if r["uscc"]:
            by_firm.setdefault((r["version_no"], r["uscc"]), []).append(r)
        elif r["status"] == m.SENT:
            escalated.setdefault((r["version_no"], r["county"]), []).append(r["purpose"])
    out = []
    for b in receipts_board(engine, warning_id):
        firms = []
        for s in b.rows:
            o = s.order
            mine = by_firm.get((o.version_no, o.uscc), [])
            firms.append({
                "version": o.version_no, "uscc": o.uscc, "name": o.name,
                "notice": {r["channel"]: r["status"] for r in mine if r["purpose"] in (m.NOTICE, m.RELEASE)},
                "confirm_state": s.confirm_state, "report_state": s.report_state, "late": s.late,
                "confirm_by": clock.iso(o.confirm_by), "report_by": clock.iso(o.report_by),
                "reminded": sorted({r["purpose"] for r in mine if r["purpose"] in (m.REMIND_RECEIPT, m.REMIND_REPORT)
                                    and r["status"] == m.SENT}),
                "escalated": sorted(set(escalated.get((o.version_no, o.county), []))),
                "deliveries": [_row_dict(r) for r in mine],
            })
        out.append({"county": b.county, "orders": b.orders, "not_confirmed": b.not_confirmed,
                    "not_reported": b.not_reported, "late": b.late, "firms": firms})
    return out


def attempts(engine: Engine, outbox_id: int) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(DeliveryAttempt).where(DeliveryAttempt.outbox_id == outbox_id)
                            .order_by(DeliveryAttempt.attempt_no)).mappings().all()
    return [{"attempt": r["attempt_no"], "started_at": clock.iso(r["started_at"]), "finished_at": clock.iso(r["finished_at"]),
             "result": r["result"], "error": r["error"], "provider_message_id": r["provider_message_id"]} for r in rows]


def retry(engine: Engine, warning_id: int, actor: str, row_ids: list[int] | None = None,
          statuses: tuple[str, ...] = (m.GAVE_UP, m.UNCERTAIN, m.FAILED)) -> int:
    """Re-queue the warning's rows that gave up, are held as uncertain (the duty officer
    checked with the firm) or wait for a retry: pending now, attempts kept (the next
    failure gives up again at once past ``max_attempts``). Audited; the number.
    A row with no address stays so: the address is read when the version is enqueued."""
    from emergency.workflow.lifecycle import get_warning

    get_warning(engine, warning_id)
    now = clock.now()
    with Session(engine) as session:
        q = update(DeliveryOutbox).where(DeliveryOutbox.warning_id == warning_id, DeliveryOutbox.status.in_(statuses))
        if row_ids:
            q = q.where(DeliveryOutbox.id.in_(row_ids))
        n = session.execute(q.values(status=m.PENDING, next_attempt_at=now, claim_token=None, lease_until=None,
                                     handed_over_at=None, updated_at=now)).rowcount
        if row_ids and n == 0:
            raise NotFound(f"预警 {warning_id} 没有可重发的送达记录 {row_ids} (nothing to retry)")
        record(session, actor, "delivery.retry", str(warning_id), {"rows": n, "ids": row_ids, "statuses": list(statuses)})
        session.commit()
    return n
