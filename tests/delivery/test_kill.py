"""A sender process killed (SIGKILL) mid-delivery and started again: no message is sent
twice, every message is sent or held. The robot answers slowly, so the kill lands while
messages are in flight (handed over, not recorded): those rows are held as ``uncertain``
for the duty officer — the firm normally has the message once — and the rest go out
after the restart, whose sweep sees that the dead process's claims are free at once
(same host, process gone). A held row may lack its message only if the kill fell between
the handover mark and the server's receipt (one request's time): held, never silent."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from emergency.delivery import models as m
from tests.delivery.sinks import HttpSink, SmtpSink
from tests.delivery.test_adapters import _toml
from tests.delivery.test_delivery import rows
from tests.enterprise.city import NOW

SENDER = ("import sys; from emergency import clock; from emergency.delivery.outbox import deliver_due; "
          "from enterprise_registry.db import open_database; print(deliver_due(open_database(sys.argv[1]), clock.now()))")


def test_a_killed_sender_process_never_sends_twice_and_holds_what_was_in_flight(warning, tmp_path):
    engine, wid, _ = warning
    url = engine.url.render_as_string(hide_password=False)
    with SmtpSink() as smtp, HttpSink(delay=1.0) as robot:
        env = {**os.environ, "EMERGENCY_DELIVERY_CONFIG": str(_toml(tmp_path, smtp.port, robot.url)),
               "EMERGENCY_NOW": NOW.isoformat()}
        first = subprocess.Popen([sys.executable, "-c", SENDER, url], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while not robot.requests and time.monotonic() < deadline:
            time.sleep(0.02)
        assert robot.requests, first.communicate()[1].decode()[-2000:]
        first.kill()  # SIGKILL while the robot holds its answers (four senders per channel: several in flight)
        first.wait()
        again = subprocess.run([sys.executable, "-c", SENDER, url], env=env, capture_output=True, timeout=120)
        assert again.returncode == 0, again.stderr.decode()[-2000:]
        received = robot.keys() + [mm["X-Idempotency-Key"] for _, mm in smtp.messages]
    statuses = {r["idempotency_key"]: r["status"] for r in rows(engine) if r["status"] != m.NO_ADDRESS}
    assert len(statuses) == 5  # C1, C2: e-mail and robot; C3: robot
    assert len(received) == len(set(received))  # never twice
    assert set(received) <= set(statuses)
    assert set(statuses.values()) <= {m.SENT, m.UNCERTAIN}
    held = {k for k, s in statuses.items() if s == m.UNCERTAIN}
    assert held  # the kill caught messages in flight: held for the duty officer, not sent again
    assert {k for k, s in statuses.items() if s == m.SENT} <= set(received)
    # a firm not reached is never silent: only a held row (killed between handover and the
    # server's receipt, a window of one request) may be missing at the sink
    assert set(statuses) - set(received) <= held
