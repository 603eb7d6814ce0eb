"""A sender process killed (SIGKILL) mid-delivery and started again: every firm
reached exactly once. The robot answers slowly, so the kill lands while a message is
in flight (handed over, not recorded): that row is held as ``uncertain`` — the firm has
it once — and the rest go out after the restart, whose sweep sees that the dead
process's claims are free at once (same host, process gone)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from emergency.delivery import models as m, outbox
from tests.delivery.conftest import EMAILS
from tests.delivery.sinks import HttpSink, SmtpSink
from tests.delivery.test_adapters import _toml
from tests.delivery.test_delivery import rows
from tests.enterprise.city import C1, C2, C3, NOW

SENDER = ("import sys; from emergency import clock; from emergency.delivery.outbox import deliver_due; "
          "from enterprise_registry.db import open_database; print(deliver_due(open_database(sys.argv[1]), clock.now()))")


def test_a_killed_sender_process_reaches_every_firm_once(warning, tmp_path):
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
        keys = robot.keys()
        assert sorted(keys) == sorted({outbox.idempotency_key(wid, 1, u, "robot", "notice") for u in (C1, C2, C3)})
        assert sorted(r[0] for r, _ in smtp.messages) == sorted([EMAILS[C1], EMAILS[C2]])  # each once
        assert len({mm["Message-ID"] for _, mm in smtp.messages}) == 2
    robot_rows = {r["idempotency_key"]: r["status"] for r in rows(engine, channel="robot")}
    held = {k for k, s in robot_rows.items() if s == m.UNCERTAIN}
    assert held  # in flight at the kill: held for the duty officer, and (above) not sent a second time
    assert {robot_rows[k] for k in robot_rows.keys() - held} <= {m.SENT}
