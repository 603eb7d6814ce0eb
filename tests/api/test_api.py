"""The HTTP API driven as officers would: auth, roles, validation, conflicts, audit, notices."""

import threading
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from emergency import clock
from emergency.api.app import create_app
from emergency.workflow import accounts as wf
from enterprise_registry import service as registry
from enterprise_registry.generator import generate_registry
from enterprise_registry.listfiles import write_list_file

BODY = {"level": "orange", "start": "2026-12-01T08:00:00+08:00", "end": "2026-12-04T08:00:00+08:00"}


@pytest.fixture(autouse=True)
def _before_the_episode():
    """The night is 2026-11-28 08:00 Beijing time: the warnings below start 3 days ahead,
    so every line's lead time fits (lead times are counted from now)."""
    with clock.use_clock(datetime(2026, 11, 28, 8, tzinfo=timezone(timedelta(hours=8)))):
        yield


@pytest.fixture
def api(db_url):
    app = create_app(db_url)
    engine = app.state.engine
    registry.import_tables(engine, generate_registry(300, seed=5))
    tokens = {}
    for name, role in (("viewer1", "viewer"), ("planner1", "planner"), ("officer1", "duty_officer"), ("officer2", "duty_officer"), ("admin1", "admin")):
        wf.add_user(engine, name, "password-123", role)
    client = TestClient(app)
    for name in ("viewer1", "planner1", "officer1", "officer2", "admin1"):
        r = client.post("/api/auth/token", json={"username": name, "password": "password-123"})
        assert r.status_code == 200
        tokens[name] = {"Authorization": f"Bearer {r.json()['access_token']}"}
    yield app, client, tokens
    engine.dispose()


def test_openapi_served(api):
    _, client, _ = api
    spec = client.get("/openapi.json").json()
    assert "/api/warnings" in spec["paths"] and "/api/audit" in spec["paths"]


def test_authentication_and_roles(api):
    _, client, t = api
    assert client.get("/api/warnings").status_code == 401
    assert client.get("/api/warnings", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert client.post("/api/auth/token", json={"username": "officer1", "password": "wrong-password"}).status_code == 401
    assert client.get("/api/warnings", headers=t["viewer1"]).status_code == 200
    assert client.post("/api/warnings", json=BODY, headers=t["viewer1"]).status_code == 403
    assert client.post("/api/warnings", json=BODY, headers=t["planner1"]).status_code == 403
    assert client.post("/api/users", json={"username": "x1", "password": "password-123", "role": "viewer"}, headers=t["officer1"]).status_code == 403
    assert client.post("/api/users", json={"username": "x1", "password": "password-123", "role": "viewer"}, headers=t["admin1"]).status_code == 201


def test_validation_errors_name_the_field(api):
    _, client, t = api
    r = client.post("/api/warnings", json={**BODY, "level": "purple"}, headers=t["officer1"])
    assert r.status_code == 422
    assert any(e["loc"][-1] == "level" for e in r.json()["detail"])
    r = client.post("/api/warnings", json={**BODY, "end": "2026-11-30T08:00:00+08:00"}, headers=t["officer1"])
    assert r.status_code == 400 and "结束时间" in r.json()["detail"]


def test_issue_upgrade_downgrade_release_and_audit(api):
    _, client, t = api
    r = client.post("/api/warnings", json=BODY, headers=t["officer1"])
    assert r.status_code == 201, r.text
    wid = r.json()["id"]
    assert client.post("/api/warnings", json={**BODY, "level": "red"}, headers=t["officer2"]).status_code == 409
    up = client.post(f"/api/warnings/{wid}/adjust", json={"level": "red"}, headers=t["officer2"]).json()
    down = client.post(f"/api/warnings/{wid}/adjust", json={"level": "yellow"}, headers=t["officer1"]).json()
    versions = down["plan_versions"]
    assert [v["transition"] for v in versions] == ["issue", "upgrade", "downgrade"]
    assert all(isinstance(v["changes"]["lines_changed_total"], int) for v in versions)
    assert up["level"] == "red" and down["level"] == "yellow"
    plan2 = client.get(f"/api/warnings/{wid}/plans/2", headers=t["viewer1"]).json()
    assert plan2["level"] == "red" and plan2["actions"]
    uscc = plan2["actions"][0]["enterprise_uscc"]
    html = client.get(f"/api/warnings/{wid}/notices/{uscc}", headers=t["viewer1"])
    assert html.status_code == 200 and "管控通知" in html.text and uscc in html.text
    assert client.post(f"/api/warnings/{wid}/release", json={"reason": "好转"}, headers=t["officer1"]).status_code == 200
    audit = client.get("/api/audit", headers=t["viewer1"]).json()
    acts = [(a["actor"], a["action"]) for a in audit if a["action"].startswith("warning.")]
    assert acts == [("officer1", "warning.issue"), ("officer2", "warning.upgrade"), ("officer1", "warning.downgrade"), ("officer1", "warning.release")]
    shas = [v["sha256"] for v in versions]
    assert [a["plan_sha256"] for a in audit if a["action"] in ("warning.issue", "warning.upgrade", "warning.downgrade")] == shas
    # audit records cannot be edited through the API
    assert client.delete("/api/audit", headers=t["admin1"]).status_code == 405
    assert client.put("/api/audit", json={}, headers=t["admin1"]).status_code == 405


def test_concurrent_issues_give_one_warning_and_one_409(api):
    app, _, t = api
    barrier = threading.Barrier(2)
    codes = []

    def officer(who):
        with TestClient(app) as c:
            barrier.wait()
            codes.append(c.post("/api/warnings", json=BODY, headers=t[who]).status_code)

    threads = [threading.Thread(target=officer, args=(w,)) for w in ("officer1", "officer2")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(codes) == [201, 409]
    with TestClient(app) as c:
        assert len(c.get("/api/warnings?active=true", headers=t["viewer1"]).json()) == 1


def test_registry_import_over_http(api, tmp_path):
    _, client, t = api
    f = tmp_path / "new.xlsx"
    tables = generate_registry(50, seed=99)
    tables.version["name"] = "上传版本"
    write_list_file(tables, f)
    with f.open("rb") as fh:
        assert client.post("/api/registry/import", files={"file": ("new.xlsx", fh)}, headers=t["viewer1"]).status_code == 403
    with f.open("rb") as fh:
        r = client.post("/api/registry/import", files={"file": ("new.xlsx", fh)}, headers=t["planner1"])
    assert r.status_code == 201 and r.json()["enterprises"] == 50
    ents = client.get("/api/registry/enterprises?limit=5", headers=t["viewer1"]).json()
    assert ents["total"] >= 50 and len(ents["items"]) == 5
