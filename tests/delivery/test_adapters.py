"""The thin adapters: ``emergency delivery send/status/retry`` (Chinese summary, exit
code 20 and a loud message when something was not delivered), the API (readers see,
duty officers send and retry, viewers may not send) and the console board (CSRF)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from emergency import clock
from emergency.api.app import create_app
from emergency.cli.main import app as cli
from emergency.delivery import models as m
from emergency.workflow import accounts
from enterprise_registry import service as registry
from tests.console.conftest import Console, PASSWORD
from tests.delivery.conftest import EMAILS
from tests.delivery.sinks import HttpSink, SmtpSink, free_port
from tests.delivery.test_delivery import rows
from tests.enterprise.city import C1, C2, C3, NOW, city_tables, issue


def _toml(tmp_path, smtp_port: int, robot_url: str, workers: int = 4):
    p = tmp_path / "delivery.toml"
    p.write_text(f"""
[delivery]
max_attempts = 1
workers_per_channel = {workers}
[[delivery.areas]]
area = "测试市"
[[delivery.areas.channels]]
name = "email"
kind = "email"
host = "127.0.0.1"
port = {smtp_port}
security = "none"
from_address = "yingji@bureau.example.com"
timeout = 3
[[delivery.areas.channels]]
name = "robot"
kind = "webhook"
flavor = "dingtalk"
url = "{robot_url}"
""", encoding="utf-8")
    return p


def test_cli_send_status_retry(warning, tmp_path, monkeypatch):
    engine, wid, _ = warning
    url = str(engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    down = free_port()
    with HttpSink() as robot:
        cfg = _toml(tmp_path, down, robot.url, workers=1)  # one try on the refused server, the other row waits
        with clock.use_clock(NOW):
            r = runner.invoke(cli, ["delivery", "send", "--config", str(cfg), "--database", url])
        assert r.exit_code == 20, r.output
        assert "不可用" in r.output and "未送达" in r.output and "无联系方式" in r.output
        assert len(robot.requests) == 3
        with clock.use_clock(NOW):
            st = runner.invoke(cli, ["delivery", "status", "--warning", str(wid), "--database", url])
        assert st.exit_code == 0 and "需要处理" in st.output and "已放弃" in st.output
        gave_up = [r for r in rows(engine, channel="email") if r["status"] == m.GAVE_UP]
        assert len(gave_up) == 1  # max_attempts = 1: the first refused connection gives up; the other waits
        with SmtpSink(down) as smtp:  # the officer fixed the mail server
            with clock.use_clock(NOW + timedelta(minutes=5)):
                r = runner.invoke(cli, ["delivery", "retry", "--warning", str(wid), "--database", url])
                assert r.exit_code == 0 and "已重新排队 1 条" in r.output
                r = runner.invoke(cli, ["delivery", "send", "--config", str(cfg), "--database", url])
            assert r.exit_code == 20  # C3 still has no e-mail address: loud
            assert sorted(t[0] for t, _ in smtp.messages) == sorted([EMAILS[C1], EMAILS[C2]])
    assert len(robot.requests) == 3


def test_api_and_console_board(db_url, tmp_path, monkeypatch):
    with clock.use_clock(NOW):
        app = create_app(db_url)
        engine = app.state.engine
        t = city_tables()
        t.enterprises["contact_email"] = [EMAILS.get(u) for u in t.enterprises["uscc"]]
        registry.import_tables(engine, t)
        w, _, _ = issue(engine)
        officer = accounts.add_user(engine, "officer", PASSWORD, "duty_officer")
        viewer = accounts.add_user(engine, "viewer", PASSWORD, "viewer")
        tokens = {u.username: accounts.create_token(engine, u) for u in (officer, viewer)}
    with SmtpSink() as smtp, HttpSink() as robot:
        monkeypatch.setenv("EMERGENCY_DELIVERY_CONFIG", str(_toml(tmp_path, smtp.port, robot.url)))
        client = TestClient(app)
        h = {u: {"Authorization": f"Bearer {tok}"} for u, tok in tokens.items()}
        with clock.use_clock(NOW):
            assert client.post(f"/api/warnings/{w.id}/deliveries/send", headers=h["viewer"]).status_code == 403
            r = client.post(f"/api/warnings/{w.id}/deliveries/send", headers=h["officer"])
            assert r.status_code == 200 and r.json()["sent"] == 5 and r.json()["ok"] is False  # C3: no e-mail
            st = client.get(f"/api/warnings/{w.id}/deliveries", headers=h["viewer"]).json()
            assert [(a["uscc"], a["channel"], a["status"]) for a in st["attention"]] == [(C3, "email", m.NO_ADDRESS)]
            firms = {f["uscc"]: f for c in st["board"] for f in c["firms"]}
            assert firms[C1]["notice"] == {"email": m.SENT, "robot": m.SENT}
            assert firms[C3]["notice"] == {"email": m.NO_ADDRESS, "robot": m.SENT}
            row = next(d for d in firms[C1]["deliveries"] if d["channel"] == "email")
            tries = client.get(f"/api/warnings/{w.id}/deliveries/attempts?row={row['id']}", headers=h["viewer"]).json()
            assert [(a["attempt"], a["result"]) for a in tries] == [(1, "sent")]
            assert client.get(f"/api/warnings/{w.id + 1}/deliveries", headers=h["viewer"]).status_code == 404

            page = Console(app, "officer")
            html = page.get(f"/warnings/{w.id}/deliveries").text
            assert "送达与回执" in html and "C3砖厂" in html and "无联系方式" in html and 'id="attention"' in html
            assert f'href="/warnings/{w.id}/deliveries"' in page.get(f"/warnings/{w.id}").text
            no_csrf = page.client.post(f"/warnings/{w.id}/deliveries/send", data={}, follow_redirects=False)
            assert no_csrf.status_code == 403
            ok = page.post(f"/warnings/{w.id}/deliveries/send", follow_redirects=False)
            assert ok.status_code == 303
        assert len(smtp.messages) == 2 and len(robot.requests) == 3  # the second send sent nothing again
    engine.dispose()


def test_the_scheduler_jobs_deliver_with_the_configured_file(warning, tmp_path, monkeypatch):
    """``notice_delivery_job`` / ``receipt_reminders_job`` (emergency.scheduler.jobs) find the
    configuration in EMERGENCY_DELIVERY_CONFIG and the database in EMERGENCY_DATABASE_URL."""
    from emergency.scheduler import jobs

    engine, wid, _ = warning
    with SmtpSink() as smtp, HttpSink() as robot:
        monkeypatch.setenv("EMERGENCY_DELIVERY_CONFIG", str(_toml(tmp_path, smtp.port, robot.url)))
        monkeypatch.setenv("EMERGENCY_DATABASE_URL", engine.url.render_as_string(hide_password=False))
        jobs._engine.cache_clear()
        try:
            with clock.use_clock(NOW):
                assert jobs.notice_delivery_job({}) == 5
                assert jobs.notice_delivery_job({}) == 0
            with clock.use_clock(NOW + timedelta(hours=1, minutes=1)):  # every receipt 1 h overdue + 1 min
                assert jobs.receipt_reminders_job({}) == 6  # 3 firms x 2 channels (C3's e-mail row: no address)
        finally:
            jobs._engine.cache_clear()
        assert len(smtp.messages) == 4 and len(robot.requests) == 6
