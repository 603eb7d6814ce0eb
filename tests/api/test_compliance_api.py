"""Compliance over HTTP: the electricity upload (never a path from the client, located
errors without server paths, re-uploads replace) and a warning's check with totals."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from emergency.api.app import create_app
from emergency.plans.service import make_plan, policy_for
from emergency.workflow import accounts
from emergency.workflow.audit import audit_log
from enterprise_registry import service as registry
from enterprise_registry.generator import generate_registry
from emergency.vocabulary import WarningLevel as L
from tests.workflow.test_compliance import HEADER, bj, days, notice_drop, record_warning

U1 = "91520000214434146R"


@pytest.fixture
def api(db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative path from the client's name would land here
    app = create_app(db_url)
    engine = app.state.engine
    registry.import_tables(engine, generate_registry(300, seed=8))
    accounts.add_user(engine, "officer1", "password-123", "duty_officer")
    accounts.add_user(engine, "viewer1", "password-123", "viewer")
    client = TestClient(app)
    headers = {}
    for name in ("officer1", "viewer1"):
        r = client.post("/api/auth/token", json={"username": name, "password": "password-123"})
        assert r.status_code == 200, r.text
        headers[name] = {"Authorization": f"Bearer {r.json()['access_token']}"}
    yield app, client, headers
    engine.dispose()


def _csv(rows: list[str]) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def test_upload_replaces_and_never_uses_the_client_name_as_a_path(api, tmp_path):
    app, client, h = api
    evil = ["../../../evil.csv", "/tmp/evil.csv", "..\\..\\evil.csv"]
    first = client.post("/api/compliance/electricity", headers=h["officer1"],
                        files={"file": (evil[0], _csv([f"{U1},,2026-12-01,10", f"{U1},,2026-12-02,20"]))})
    assert first.status_code == 201, first.text
    assert {k: first.json()[k] for k in ("rows", "new", "replaced")} == {"rows": 2, "new": 2, "replaced": 0}
    for name in evil[1:]:
        r = client.post("/api/compliance/electricity", headers=h["officer1"],
                        files={"file": (name, _csv([f"{U1},,2026-12-02,25", f"{U1},,2026-12-03,30"]))})
        assert r.status_code == 201, r.text
    assert {k: r.json()[k] for k in ("rows", "new", "replaced")} == {"rows": 2, "new": 0, "replaced": 2}
    assert not any(p.exists() for p in (tmp_path.parent.parent / "evil.csv", tmp_path / "evil.csv"))
    files = [a for a in audit_log(app.state.engine) if a.action == "compliance.import"]
    assert [a.actor for a in files] == ["officer1"] * 3
    assert all('"file": "evil.csv"' in a.details for a in files)


def test_upload_errors_are_located_with_the_client_name_and_no_server_path(api):
    _, client, h = api
    r = client.post("/api/compliance/electricity", headers=h["officer1"],
                    files={"file": ("用电.csv", _csv([f"{U1},,2026-12-01,10", f"{U1},,2026-12-01,11", f"{U1},\x00,2026-12-02,1e999"]))})
    assert r.status_code == 422 and r.json()["code"] == "import_rejected"
    body = r.json()
    assert {(p["row"], p["column"]) for p in body["problems"]} == {(3, "日期"), (4, "生产线编号"), (4, "用电量(kWh)")}
    assert all(p["sheet"] == "用电.csv" for p in body["problems"])
    assert "/tmp" not in r.text and "upload.csv" not in r.text
    r = client.post("/api/compliance/electricity", headers=h["officer1"], files={"file": ("用电.csv", b"")})
    assert r.status_code == 400 and r.json()["code"] == "input" and "用电.csv" in r.json()["detail"] and "/tmp" not in r.text
    r = client.post("/api/compliance/electricity", headers=h["officer1"], files={"file": ("用电.txt", _csv([]))})
    assert r.status_code == 400
    r = client.post("/api/compliance/electricity", headers=h["viewer1"], files={"file": ("用电.csv", _csv([]))})
    assert r.status_code == 403


def test_check_answers_totals_by_county_and_rows(api):
    app, client, h = api
    engine = app.state.engine
    tables = registry.load_planning_tables(engine)
    policy = policy_for(tables)
    orange = make_plan(tables, L.ORANGE, policy=policy).document
    wid = record_warning(engine, [(orange, None, None)], bj(2026, 12, 5), bj(2026, 12, 8))
    drops = {u: notice_drop(orange, tables, policy, u) for u in {a.enterprise_uscc for a in orange.actions}}
    good, bad = sorted((u for u, x in drops.items() if x > 0.3), key=lambda u: (-drops[u], u))[:2]
    rows = [f"{u},,{d},1000" for u in (good, bad) for d in days(date(2026, 11, 28), date(2026, 12, 4))]
    rows += [f"{good},,{d},{1000 * (1 - drops[good])}" for d in days(date(2026, 12, 5), date(2026, 12, 7))]
    rows += [f"{bad},,{d},1000" for d in days(date(2026, 12, 5), date(2026, 12, 7))]
    assert client.post("/api/compliance/electricity", headers=h["officer1"],
                       files={"file": ("kwh.csv", _csv(rows))}).status_code == 201
    body = client.get(f"/api/warnings/{wid}/compliance", headers=h["viewer1"]).json()
    judged = sum(1 for x in drops.values() if x > 0)
    assert body["totals"] == {"compliant": 1, "non_compliant": 1, "insufficient_data": judged - 2, "firms": judged}
    assert sum(c["firms"] for c in body["by_county"].values()) == judged
    verdicts = {r["enterprise_uscc"]: r["verdict"] for r in body["rows"]}
    assert verdicts[good] == "落实" and verdicts[bad] == "未落实" and len(body["rows"]) == judged
    assert body["warning_days"] == ["2026-12-05", "2026-12-06", "2026-12-07"]
    failed = client.get(f"/api/warnings/{wid}/compliance?only_failed=true", headers=h["viewer1"]).json()
    assert [r["enterprise_uscc"] for r in failed["rows"]] == [bad] and failed["totals"] == body["totals"]
    lenient = client.get(f"/api/warnings/{wid}/compliance?tolerance=1", headers=h["viewer1"]).json()
    assert lenient["totals"]["non_compliant"] == 0 and lenient["tolerance"] == 1
    assert client.get(f"/api/warnings/{wid}/compliance?tolerance=2", headers=h["viewer1"]).status_code == 422
    assert client.get("/api/warnings/999/compliance", headers=h["viewer1"]).status_code == 404
