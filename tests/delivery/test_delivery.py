"""Notices of a warning delivered to a local SMTP sink and a local robot webhook, with one
channel down and the sender killed mid-delivery: every firm reached exactly once.

The warning (tests/enterprise/city.py) orders C1 (甲县), C2 and C3 (乙县); C3 has no
e-mail address. Times are the test city's: issued 2026-12-03 15:30 UTC (23:30 北京时间).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from emergency import clock
from emergency.delivery import models as m, outbox
from emergency.delivery.config import DeliveryConfig
from tests.delivery.conftest import EMAILS
from tests.delivery.sinks import HttpSink, SmtpSink, free_port
from tests.enterprise.city import C1, C2, C3, NOW

LEASE = 120


def config(smtp_port: int, webhook_url: str, **extra) -> DeliveryConfig:
    channels = [
        {"kind": "email", "name": "email", "host": "127.0.0.1", "port": smtp_port, "security": "none",
         "from_address": "yingji@bureau.example.com", "timeout": 3},
        {"kind": "webhook", "name": "robot", "flavor": "dingtalk", "url": webhook_url, "timeout": 3},
        *extra.pop("channels", []),
    ]
    # one worker per channel: the order of the tries is part of what is checked (test_kill runs four)
    return DeliveryConfig.model_validate({"lease_seconds": LEASE, "backoff_base_minutes": 1, "max_attempts": 5,
                                          "workers_per_channel": 1,
                                          "areas": [{"area": "测试市", "channels": channels}], **extra})


def rows(engine, **where) -> list[dict]:
    q = sa.select(m.DeliveryOutbox).order_by(m.DeliveryOutbox.id)
    for k, v in where.items():
        q = q.where(getattr(m.DeliveryOutbox, k) == v)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def attempts(engine, outbox_id: int) -> list[tuple[str, str | None]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(m.DeliveryAttempt.result, m.DeliveryAttempt.error).where(
            m.DeliveryAttempt.outbox_id == outbox_id).order_by(m.DeliveryAttempt.attempt_no))]


class Crash(BaseException):
    """The process dies here (not an Exception: nothing may catch it)."""


def test_one_channel_down_and_killed_mid_delivery_every_firm_once(warning):
    engine, wid, _ = warning
    port = free_port()  # nothing listens yet: the SMTP server refuses connections
    with HttpSink() as robot:
        cfg = config(port, robot.url)
        with clock.use_clock(NOW):
            assert outbox.deliver_due(engine, NOW, cfg) == 3  # the robot's three, not held up by SMTP
            assert outbox.enqueue_due(engine, NOW, cfg) == 0  # enqueued once
        assert sorted(robot.keys()) == sorted(outbox.idempotency_key(wid, 1, u, "robot", "notice") for u in (C1, C2, C3))
        email_rows = {r["uscc"]: r for r in rows(engine, channel="email")}
        assert email_rows[C3]["status"] == m.NO_ADDRESS and email_rows[C3]["address"] is None
        # the first e-mail failed on the refused connection; the lane stopped, C2 waits untried
        tried, waiting = sorted((C1, C2), key=lambda u: email_rows[u]["id"])  # the lane takes rows in order
        assert email_rows[tried]["status"] == m.FAILED and email_rows[waiting]["status"] == m.PENDING
        assert clock.as_utc(email_rows[tried]["next_attempt_at"]) == NOW + timedelta(minutes=1)  # 1 min after try 1
        assert attempts(engine, email_rows[tried]["id"])[0][0] == m.ATTEMPT_FAILED
        assert "无法连接" in attempts(engine, email_rows[tried]["id"])[0][1]

        with SmtpSink(port) as smtp:
            def die_after_send(claim):
                raise Crash(claim.id)
            outbox.AFTER_SEND = die_after_send  # `waiting` reaches the server, the process dies before recording
            t1 = NOW + timedelta(seconds=30)  # the retry of `tried` is not due yet: only `waiting` is claimed
            with clock.use_clock(t1), pytest.raises(Crash):
                outbox.drain(engine, t1, cfg)
            assert [r for r, _ in smtp.messages] == [[EMAILS[waiting]]]

            def die_after_claim(claim):
                raise Crash(claim.id)
            outbox.AFTER_SEND, outbox.AFTER_CLAIM = None, die_after_claim  # `tried` claimed, dies before sending
            t2 = NOW + timedelta(minutes=2)
            with clock.use_clock(t2), pytest.raises(Crash):
                outbox.drain(engine, t2, cfg)
            assert len(smtp.messages) == 1

            outbox.AFTER_CLAIM = None  # the restart, after the leases expired
            t3 = t2 + timedelta(seconds=LEASE + 1)
            with clock.use_clock(t3):
                result = outbox.drain(engine, t3, cfg)
                again = outbox.drain(engine, t3 + timedelta(hours=1), cfg)
            assert (result.sent, result.held, again.sent) == (1, 1, 0)
            to = sorted(r[0] for r, _ in smtp.messages)
            assert to == sorted([EMAILS[C1], EMAILS[C2]])  # each firm with an address exactly once
            ids = {mm["Message-ID"] for _, mm in smtp.messages}
            assert ids == {f"<{outbox.idempotency_key(wid, 1, u, 'email', 'notice')}@bureau.example.com>" for u in (C1, C2)}
        assert len(robot.requests) == 3

    email_rows = {r["uscc"]: r for r in rows(engine, channel="email")}
    assert email_rows[tried]["status"] == m.SENT and email_rows[tried]["attempts"] == 3
    assert [a for a, _ in attempts(engine, email_rows[tried]["id"])] == [m.ATTEMPT_FAILED, m.ATTEMPT_CRASHED, m.ATTEMPT_SENT]
    # `waiting` reached the server but was never recorded: held for the duty officer, not sent again
    assert email_rows[waiting]["status"] == m.UNCERTAIN and "核实" in email_rows[waiting]["last_error"]
    assert [a for a, _ in attempts(engine, email_rows[waiting]["id"])] == [m.ATTEMPT_CRASHED]


def test_notice_bodies_carry_the_notice_and_the_idempotency_key(warning):
    engine, wid, _ = warning
    with SmtpSink() as smtp, HttpSink() as robot:
        cfg = config(smtp.port, robot.url)
        with clock.use_clock(NOW):
            outbox.deliver_due(engine, NOW, cfg)
        _, msg = next(x for x in smtp.messages if x[0] == [EMAILS[C1]])
        assert msg["X-Idempotency-Key"] == outbox.idempotency_key(wid, 1, C1, "email", "notice")
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        assert C1 in text and "2026-12-04 00:30" in text  # receipt due 00:30 北京时间 the next Beijing day
        assert "<html" in html.lower() and C1 in html
        body = robot.json(0)
        assert body["msgtype"] == "markdown" and body["at"]["isAtAll"] is False
        phones = {json.dumps(robot.json(i)["at"]["atMobiles"]) for i in range(3)}
        assert phones == {'["13800000001"]', '["13800000002"]', "[]"}  # C3's landline cannot be @-ed


def test_backoff_then_gave_up(warning):
    engine, wid, _ = warning
    with HttpSink() as robot:
        robot.fail_next = 100  # the robot refuses every message
        cfg = DeliveryConfig.model_validate({"backoff_base_minutes": 2, "backoff_cap_minutes": 3, "max_attempts": 3, "areas": [
            {"area": "乙县", "channels": [{"kind": "webhook", "name": "robot", "flavor": "wecom", "url": robot.url}]}]})
        t = NOW
        with clock.use_clock(t):
            outbox.deliver_due(engine, t, cfg)
        r = rows(engine, uscc=C2)[0]
        assert (r["status"], r["attempts"], clock.as_utc(r["next_attempt_at"])) == (m.FAILED, 1, t + timedelta(minutes=2))
        with clock.use_clock(t + timedelta(minutes=1)):
            assert outbox.drain(engine, t + timedelta(minutes=1), cfg).failed == 0  # not due yet
        t2 = t + timedelta(minutes=2)
        with clock.use_clock(t2):
            outbox.drain(engine, t2, cfg)
        r = rows(engine, uscc=C2)[0]
        assert (r["attempts"], clock.as_utc(r["next_attempt_at"])) == (2, t2 + timedelta(minutes=3))  # 4 min capped at 3
        t3 = t2 + timedelta(minutes=3)
        with clock.use_clock(t3):
            assert outbox.drain(engine, t3, cfg).gave_up == 2  # C2 and C3 (乙县)
        r = rows(engine, uscc=C2)[0]
        assert (r["status"], r["attempts"]) == (m.GAVE_UP, 3) and "310000" in r["last_error"]
        # C1 is in 甲县: no channel configured there — shown, not skipped
        c1 = rows(engine, uscc=C1)
        assert [(x["status"], x["channel"]) for x in c1] == [(m.NO_ADDRESS, "-")]
    assert robot.requests == []


def test_an_adjusted_then_released_warning_notifies_each_version_once(warning):
    """Version 2 (an extension: no measure changes) notices nobody new; the release sends
    each firm with measures its 解除通知 once, found by the job without a workflow hook."""
    from emergency.workflow import lifecycle as wf
    from tests.enterprise.city import END

    engine, wid, _ = warning
    with SmtpSink() as smtp, HttpSink() as robot:
        cfg = config(smtp.port, robot.url)
        with clock.use_clock(NOW):
            outbox.deliver_due(engine, NOW, cfg)
        later = NOW + timedelta(hours=2)
        with clock.use_clock(later):
            wf.adjust_warning(engine, wid, actor="duty", end=END + timedelta(days=1))
            outbox.deliver_due(engine, later, cfg)
            wf.release_warning(engine, wid, actor="duty", reason="空气质量好转")
            outbox.deliver_due(engine, later, cfg)
            outbox.deliver_due(engine, later + timedelta(minutes=5), cfg)
        subjects = [mm["Subject"] for _, mm in smtp.messages]
        assert sorted(s.split("】")[0] for s in subjects) == ["【管控通知", "【管控通知", "【解除通知", "【解除通知"]
        assert len(robot.requests) == 6  # three firms, a notice and a 解除通知 each
    with engine.connect() as conn:
        marks = conn.execute(sa.select(m.DeliveryEnqueued.version_no, m.DeliveryEnqueued.purpose)
                             .order_by(m.DeliveryEnqueued.id)).all()
    assert [tuple(x) for x in marks] == [(1, "notice"), (2, "notice"), (2, "release")]


def test_a_send_for_one_warning_touches_no_other_warnings_rows(warning):
    """What a city's officer drives from its warning's page: that warning's queue only."""
    engine, wid, _ = warning
    with SmtpSink() as smtp, HttpSink() as robot:
        cfg = config(smtp.port, robot.url)
        with clock.use_clock(NOW):
            assert outbox.enqueue_due(engine, NOW, cfg, warning_id=wid + 1) == 0
            assert outbox.enqueue_due(engine, NOW, cfg, warning_id=wid) == 6
            other = outbox.drain(engine, NOW, cfg, warning_id=wid + 1)
            assert (other.sent, other.lanes) == (0, [])
            assert smtp.messages == [] and robot.requests == []
            assert outbox.drain(engine, NOW, cfg, warning_id=wid).sent == 5
