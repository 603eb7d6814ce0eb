"""Reminders and escalation against the policy's deadlines, on a UTC machine.

The warning is issued 2026-12-03 15:30 UTC = 23:30 北京时间 (national policy: receipt
within 1 h, report within 24 h of max(issue, effect)); the measures take effect
2026-12-05 00:00 北京时间:
- receipt due 2026-12-04 00:30 北京时间 (the next Beijing day; still 2026-12-03 16:30 UTC);
- report due 2026-12-06 00:00 北京时间 = 2026-12-05 16:00 UTC.
Escalation 60 min after a deadline (configured), to the county's recipients.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from emergency import clock
from emergency.delivery import models as m
from emergency.delivery.config import DeliveryConfig
from emergency.delivery.reminders import remind_and_escalate
from emergency.workflow import receipts as rc
from tests.delivery.sinks import HttpSink, SmtpSink
from tests.delivery.test_delivery import rows
from tests.enterprise.city import C1, C2, C3, NOW

UTC = timezone.utc
CONFIRM_BY = datetime(2026, 12, 3, 16, 30, tzinfo=UTC)
REPORT_BY = datetime(2026, 12, 5, 16, 0, tzinfo=UTC)


def config(smtp_port: int, robot_url: str) -> DeliveryConfig:
    channels = [{"kind": "email", "name": "email", "host": "127.0.0.1", "port": smtp_port, "security": "none",
                 "from_address": "yingji@bureau.example.com"},
                {"kind": "webhook", "name": "robot", "flavor": "feishu", "url": robot_url}]
    return DeliveryConfig.model_validate({"escalate_after_minutes": 60, "areas": [
        {"area": "测试市", "channels": channels},
        {"area": "乙县", "channels": channels,
         "escalation": {"emails": ["yixian@bureau.example.com", "duty@bureau.example.com"], "channels": ["email"]}},
    ]})


def _purposes(engine, purpose):
    return sorted((r["uscc"] or r["recipient"], r["channel"]) for r in rows(engine, purpose=purpose))


def test_reminders_once_then_escalation_once_across_the_beijing_midnight(warning):
    engine, wid, _ = warning
    with SmtpSink() as smtp, HttpSink("feishu") as robot:
        cfg = config(smtp.port, robot.url)
        with clock.use_clock(CONFIRM_BY - timedelta(minutes=5)):  # 00:25 北京时间: nothing is overdue
            rc.confirm(engine, wid, 1, C1, "c1")
            assert remind_and_escalate(engine, clock.now(), cfg) == 0
        late = CONFIRM_BY + timedelta(minutes=1)  # 00:31 北京时间 on 12-04, still 12-03 in UTC
        assert late.date().isoformat() == "2026-12-03" and clock.local(late).date().isoformat() == "2026-12-04"
        with clock.use_clock(late):
            n = remind_and_escalate(engine, late, cfg)
            # C2, C3 overdue (C1 confirmed): one reminder per firm and channel; C3 has no e-mail
            assert n == 4
            assert _purposes(engine, m.REMIND_RECEIPT) == sorted([(C2, "email"), (C2, "robot"), (C3, "email"), (C3, "robot")])
            assert remind_and_escalate(engine, late + timedelta(minutes=10), cfg) == 0  # once
        assert {r[0][0] for r in smtp.messages} == {"c2@firm.example.com"}
        assert sum("催办" in robot.json(i)["content"]["text"] for i in range(len(robot.requests))) == 2
        assert {r["status"] for r in rows(engine, purpose=m.REMIND_RECEIPT, uscc=C3, channel="email")} == {m.NO_ADDRESS}

        with clock.use_clock(CONFIRM_BY + timedelta(minutes=59)):
            assert remind_and_escalate(engine, clock.now(), cfg) == 0  # not yet 60 min late
            rc.confirm(engine, wid, 1, C3, "c3")  # late, but confirmed: C3 is not escalated
        t = CONFIRM_BY + timedelta(minutes=60)
        with clock.use_clock(t):
            assert remind_and_escalate(engine, t, cfg) == 1  # one e-mail to 乙县's two recipients
            assert remind_and_escalate(engine, t + timedelta(minutes=30), cfg) == 0
        esc = rows(engine, purpose=m.ESCALATE_RECEIPT)
        assert [(r["recipient"], r["channel"], r["status"]) for r in esc] == [("county:乙县", "email", m.SENT)]
        to, msg = smtp.messages[-1]
        assert sorted(to) == ["duty@bureau.example.com", "yixian@bureau.example.com"]
        body = msg.get_body(("plain",)).get_content()
        assert C2 in body and C3 not in body and "2026-12-04 00:30" in body
        with engine.connect() as conn:
            audits = conn.execute(sa.text("SELECT target FROM audit_record WHERE action = 'delivery.escalate'")).scalars().all()
        assert audits == [f"{wid}/1/乙县"]

        with clock.use_clock(REPORT_BY + timedelta(minutes=1)):  # 2026-12-06 00:01 北京时间
            remind_and_escalate(engine, clock.now(), cfg)
        # every firm's report is overdue: C1 (甲县, 测试市's channels) as well
        assert sorted({u for u, _ in _purposes(engine, m.REMIND_REPORT)}) == sorted([C1, C2, C3])
        assert _purposes(engine, m.ESCALATE_REPORT) == []  # not 60 min yet
