"""Receipt and report reminders (催办) and escalation (逾期上报), exactly once each.

For every active warning, each order (``emergency.workflow.receipts.statuses``) whose
receipt (回执) is overdue gets ONE reminder per (version, firm, purpose) through the
firm's channels; the same for an overdue execution report (落实报告). Deadlines are the
policy's (``[documents]`` confirm_within_hours / report_within_hours, 1 h / 24 h by
default), judged in UTC and shown in the bureau's zone. When the receipt or report is
still overdue ``escalate_after_minutes`` after its deadline, ONE escalation per
(version, county, purpose) goes to the county's configured recipients (``escalation`` of
the county's — else the city's — delivery entry), listing the firms still overdue, and
is audited for the duty officer (``delivery.escalate``). Exactly once: every message is
an outbox row with a unique key (emergency.delivery.outbox).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlmodel import Session

from emergency import clock
from emergency.delivery import models as m
from emergency.delivery.config import AreaDelivery, DeliveryConfig, load_delivery_config
from emergency.delivery.outbox import Recipient, _cities, _rows, drain, insert_rows
from emergency.workflow.audit import record

log = logging.getLogger("emergency.delivery")


def _remind_text(s, purpose: str) -> tuple[str, str]:
    o = s.order
    if purpose == m.REMIND_RECEIPT:
        subject = f"【催办】请确认收到预警 {o.warning_id} 第 {o.version_no} 版管控通知"
        body = (f"{o.name}（统一社会信用代码：{o.uscc}）：\n\n贵单位尚未确认收到预警 {o.warning_id} 第 {o.version_no} 版的管控通知，"
                f"确认期限 {clock.fmt(o.confirm_by)}（{clock.zone_label()}）已过。请立即登录系统确认（回执），并按通知落实措施。\n")
    else:
        subject = f"【催办】请报告预警 {o.warning_id} 第 {o.version_no} 版措施落实情况"
        body = (f"{o.name}（统一社会信用代码：{o.uscc}）：\n\n贵单位尚未报告预警 {o.warning_id} 第 {o.version_no} 版管控措施的落实情况，"
                f"报告期限 {clock.fmt(o.report_by)}（{clock.zone_label()}）已过。请立即逐条报告落实情况并上传证明材料。\n")
    return subject, body


def _firm_recipient(s, purpose: str, phone: str | None, email: str | None) -> Recipient:
    o = s.order
    subject, text = _remind_text(s, purpose)
    deadline = o.confirm_by if purpose == m.REMIND_RECEIPT else o.report_by
    return Recipient(recipient=o.uscc, uscc=o.uscc, county=o.county, email=email, phone=phone, subject=subject, text=text,
                     html=None, sms={"enterprise": o.name, "purpose": m.PURPOSE_ZH[purpose], "level": "",
                                     "warning": str(o.warning_id), "version": str(o.version_no),
                                     "deadline": clock.fmt(deadline), "county": o.county})


def _contacts(engine: Engine, warning_id: int) -> dict[str, tuple[str | None, str | None]]:
    """USCC -> (phone, e-mail) in the warning's registry version."""
    from emergency.workflow.package import package_input

    ents = package_input(engine, warning_id).tables.enterprises
    emails = ents.get("contact_email") or [None] * len(ents["uscc"])
    return {u: (p, e) for u, p, e in zip(ents["uscc"], ents["contact_phone"], emails)}


def remind_and_escalate(engine: Engine, now: datetime, cfg: DeliveryConfig | None = None, send: bool = True,
                        warning_id: int | None = None) -> int:
    """Enqueue the reminders and escalations due at ``now`` (of ``warning_id`` only if
    given; then send them when ``send``); the number of messages enqueued. Without a
    configuration: an error log."""
    from emergency.workflow.models import ACTIVE_STATES, WarningRecord
    from emergency.workflow.receipts import statuses

    cfg = cfg or load_delivery_config()
    if cfg is None:
        log.error("notice delivery is not configured (EMERGENCY_DELIVERY_CONFIG): no reminder is sent")
        return 0
    now = clock.as_utc(now)
    with Session(engine) as session:
        ids = session.execute(select(WarningRecord.id).where(
            WarningRecord.state.in_([s.value for s in ACTIVE_STATES])).order_by(WarningRecord.id)).scalars().all()
    ids = [w for w in ids if warning_id in (None, w)]
    escalate_after = timedelta(minutes=cfg.escalate_after_minutes)
    n = 0
    with clock.use_clock(now):
        for wid in ids:
            sts = statuses(engine, wid)
            if not sts:
                continue
            cities = _cities(engine, wid)
            contacts = _contacts(engine, wid)
            rows: list[dict] = []
            late: dict[tuple[int, str, str], list] = {}
            for s in sts:
                o = s.order
                area = cfg.area(o.county, cities)
                for purpose, state, deadline in ((m.REMIND_RECEIPT, s.confirm_state, o.confirm_by),
                                                 (m.REMIND_REPORT, s.report_state, o.report_by)):
                    if state != "overdue":
                        continue
                    if area is not None:
                        phone, email = contacts.get(o.uscc, (None, None))
                        rows += _rows(wid, o.version_no, purpose, _firm_recipient(s, purpose, phone, email), area, now)
                    else:
                        log.error("warning %d: %s (%s) is overdue but %s has no delivery channel: not reminded",
                                  wid, o.uscc, purpose, o.county)
                    if now >= clock.as_utc(deadline) + escalate_after:
                        esc = m.ESCALATE_RECEIPT if purpose == m.REMIND_RECEIPT else m.ESCALATE_REPORT
                        late.setdefault((o.version_no, o.county, esc), []).append(s)
            escalations = []
            for (vno, county, esc), firms in sorted(late.items()):
                area = cfg.area(county, cities)
                if area is None or area.escalation is None:
                    log.error("warning %d v%d: %d firm(s) of %s overdue but no escalation recipients configured",
                              wid, vno, len(firms), county)
                    continue
                rows += _escalation_rows(wid, vno, county, esc, firms, area, now)
                escalations.append((vno, county, esc, [s.order.uscc for s in firms]))
            if rows:
                added = insert_rows(engine, rows, None)
                n += added
                if added and escalations:
                    with Session(engine) as session:
                        for vno, county, esc, usccs in escalations:
                            record(session, "scheduler", "delivery.escalate", f"{wid}/{vno}/{county}",
                                   {"purpose": esc, "firms": usccs})
                        session.commit()
    if n and send:
        drain(engine, now, cfg)
    return n


def _escalation_rows(wid: int, vno: int, county: str, esc: str, firms: list, area: AreaDelivery, now: datetime) -> list[dict]:
    what = "确认收到通知（回执）" if esc == m.ESCALATE_RECEIPT else "报告措施落实情况"
    subject = f"【逾期上报】预警 {wid} 第 {vno} 版：{county} {len(firms)} 家企业未按时{what}"
    lines = [f"{county}：以下企业已过期限仍未{what}（已催办），请督促落实：", ""]
    for s in sorted(firms, key=lambda s: s.order.uscc):
        o = s.order
        deadline = o.confirm_by if esc == m.ESCALATE_RECEIPT else o.report_by
        lines.append(f"  · {o.name}（{o.uscc}），期限 {clock.fmt(deadline)}")
    lines += ["", f"（{clock.zone_label()}）"]
    r = Recipient(recipient=f"county:{county}", uscc=None, county=county, email=",".join(area.escalation.emails) or None,
                  phone=",".join(area.escalation.phones) or None, subject=subject, text="\n".join(lines) + "\n", html=None,
                  sms={"enterprise": f"{county}{len(firms)}家企业", "purpose": m.PURPOSE_ZH[esc], "level": "",
                       "warning": str(wid), "version": str(vno), "deadline": "", "county": county})
    return _rows(wid, vno, esc, r, area, now, area.escalation.channels or None)
