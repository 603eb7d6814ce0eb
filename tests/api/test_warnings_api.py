"""Warnings over HTTP as a duty officer meets them on a UTC server: Beijing times with
+08:00, lead times from now, the summary, 412 for a short plan, 409 for a lost race."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from emergency import clock
from emergency.api.app import create_app
from emergency.workflow import accounts
from enterprise_registry import service as registry
from enterprise_registry.generator import generate_registry
from tests.workflow.test_issuance import tiny_city

BJ = timezone(timedelta(hours=8))
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=BJ)  # 04:00 UTC
AHEAD_36H = "2026-12-05T00:00:00+08:00"


def _api(db_url, tables):
    app = create_app(db_url)
    engine = app.state.engine
    registry.import_tables(engine, tables)
    headers = {}
    for name, role in (("officer1", "duty_officer"), ("officer2", "duty_officer"), ("viewer1", "viewer")):
        user = accounts.add_user(engine, name, "password-123", role)
        headers[name] = {"Authorization": f"Bearer {accounts.create_token(engine, user)}"}
    return app, TestClient(app), headers


@pytest.fixture
def city(db_url):
    with clock.use_clock(NOW):
        app, client, headers = _api(db_url, generate_registry(400, seed=8))
        yield app, client, headers
    app.state.engine.dispose()


@pytest.fixture
def tiny(sqlite_url):
    with clock.use_clock(NOW):
        app, client, headers = _api(sqlite_url, tiny_city())
        yield app, client, headers
    app.state.engine.dispose()


def test_a_warning_36_hours_ahead_orders_no_line_that_needs_longer(city):
    app, client, h = city
    r = client.post("/api/warnings", json={"level": "yellow", "start": AHEAD_36H, "end": "2026-12-08T00:00"},
                    headers=h["officer1"])
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["start"], body["end"]) == ("2026-12-05T00:00:00+08:00", "2026-12-08T00:00:00+08:00")
    s = body["summary"]
    assert s["hours_to_start"] == pytest.approx(36.0) and s["hours_to_start_from"] == "now"
    assert s["targets_met"] and s["plan_version"] == 1 and s["warning_id"] == body["id"]
    assert body["plan_versions"][0]["effective_from"] == "2026-12-05T00:00:00+08:00"
    plan = client.get(f"/api/warnings/{body['id']}/plans/1", headers=h["viewer1"]).json()
    tables = registry.export_tables(app.state.engine)
    lead = {f"{u}/{c}": t for u, c, t in zip(tables.lines["uscc"], tables.lines["line_code"], tables.lines["stop_lead_time_h"])}
    assert plan["actions"] and max(lead[a["line_id"]] for a in plan["actions"]) <= 36.0
    assert s["excluded_by_lead_time"]["count"] == len(plan["excluded_by_lead_time"]) > 0
    assert all(lead[x["line_id"]] > 36.0 for x in plan["excluded_by_lead_time"])


def test_adjust_from_a_given_time_and_release_answer_in_beijing_time(city):
    _, client, h = city
    wid = client.post("/api/warnings", json={"level": "yellow", "start": "2026-12-05T00:00", "end": "2026-12-08T00:00",
                                             "hours_to_start": 96}, headers=h["officer1"]).json()["id"]
    r = client.post(f"/api/warnings/{wid}/adjust", json={"level": "orange", "effective_from": "2026-12-05T12:00"},
                    headers=h["officer2"])
    assert r.status_code == 200, r.text
    s = r.json()["summary"]
    assert s["transition"] == "upgrade" and s["effective_from"] == "2026-12-05T12:00:00+08:00"
    assert s["hours_to_start"] == pytest.approx(48.0)
    assert set(s["changes"]["lines"]) == {"added", "removed", "changed", "unchanged"}
    assert r.json()["plan_versions"][1]["effective_from"] == "2026-12-05T12:00:00+08:00"
    r = client.post(f"/api/warnings/{wid}/release", json={"reason": "好转"}, headers=h["officer1"])
    body = r.json()
    assert (body["state"], body["released_by"], body["release_reason"]) == ("released", "officer1", "好转")
    assert body["released_at"] == "2026-12-03T12:00:00+08:00"
    audit = client.get("/api/audit", headers=h["viewer1"]).json()
    details = [json.loads(a["details"]) if isinstance(a["details"], str) else a["details"]
               for a in audit if a["action"].startswith("warning.")]
    assert details[0]["start"] == "2026-12-05T00:00:00+08:00"
    assert details[1]["effective_from"] == "2026-12-05T12:00:00+08:00"
    assert details[2]["released_at"] == "2026-12-03T12:00:00+08:00"


def test_a_short_plan_answers_412_with_the_facts_and_issues_nothing(tiny):
    _, client, h = tiny
    body = {"level": "orange", "start": AHEAD_36H, "end": "2026-12-08T00:00"}
    r = client.post("/api/warnings", json=body, headers=h["officer1"])
    assert r.status_code == 412 and r.json()["code"] == "targets_not_met", r.text
    s = r.json()["summary"]
    assert {(x["area"], x["pollutant"]) for x in s["shortfall"]} == {(a, p) for a in ("测试市", "甲县") for p in ("SO2", "NOx", "PM")}
    assert all(x["shortfall_kg"] == pytest.approx(10.0) for x in s["shortfall"])
    assert r.json()["suggestion"]["closes_shortfall"] and len(r.json()["suggestion"]["enterprises"]) == 1
    assert client.get("/api/warnings", headers=h["viewer1"]).json() == []
    r = client.post("/api/warnings", json={**body, "accept_shortfall": True}, headers=h["officer1"])
    assert r.status_code == 201 and r.json()["summary"]["accepted_shortfall"] is True
    wid = r.json()["id"]
    r = client.post(f"/api/warnings/{wid}/adjust", json={"end": "2026-12-09T00:00"}, headers=h["officer1"])
    assert r.status_code == 412  # the extension is short too, and nobody accepted it this time
    r = client.post(f"/api/warnings/{wid}/adjust", json={"end": "2026-12-09T00:00", "approve_suggested": True},
                    headers=h["officer1"])
    assert r.status_code == 200 and r.json()["summary"]["targets_met"], r.text
    assert r.json()["end"] == "2026-12-09T00:00:00+08:00"


def test_adjust_and_release_at_the_same_moment_one_409(city):
    app, client, h = city
    wid = client.post("/api/warnings", json={"level": "yellow", "start": AHEAD_36H, "end": "2026-12-08T00:00",
                                             "hours_to_start": 96}, headers=h["officer1"]).json()["id"]
    barrier = threading.Barrier(2, timeout=30)

    def hold(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE WARNING"):
            barrier.wait()  # both requests have read the warning before either writes

    statuses = {}

    def call(name, path, body, who):
        statuses[name] = client.post(path, json=body, headers=h[who])

    event.listen(app.state.engine, "before_cursor_execute", hold)
    try:
        threads = [threading.Thread(target=call, args=("adjust", f"/api/warnings/{wid}/adjust", {"level": "orange"}, "officer1")),
                   threading.Thread(target=call, args=("release", f"/api/warnings/{wid}/release", {"reason": "好转"}, "officer2"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        event.remove(app.state.engine, "before_cursor_execute", hold)
    codes = sorted(r.status_code for r in statuses.values())
    assert codes == [200, 409], {k: r.text for k, r in statuses.items()}
    lost = next(r for r in statuses.values() if r.status_code == 409).json()
    assert lost["code"] == "conflict" and "已被他人修改或解除" in lost["detail"]
    state = client.get(f"/api/warnings/{wid}", headers=h["viewer1"]).json()
    if statuses["release"].status_code == 200:
        assert state["state"] == "released"
        again = client.post("/api/warnings", json={"level": "yellow", "start": AHEAD_36H, "end": "2026-12-08T00:00",
                                                   "hours_to_start": 96}, headers=h["officer1"])
        assert again.status_code == 201
    else:
        assert (state["state"], state["level"]) == ("adjusted", "orange")
        again = client.post("/api/warnings", json={"level": "yellow", "start": AHEAD_36H, "end": "2026-12-08T00:00"},
                            headers=h["officer1"])
        assert again.status_code == 409
