"""Reports over HTTP: the API (JSON, xlsx, html; inspections posted by a duty officer,
refused to a viewer and to an enterprise account) and the console's reports page with
its CSRF-checked inspection form."""

from __future__ import annotations

from datetime import timezone

import pytest
from fastapi.testclient import TestClient

from emergency import clock
from emergency.api.app import create_app
from emergency.console.session import COOKIE, csrf_for
from emergency.reports.inspections import list_inspections
from emergency.workflow import accounts
from tests.enterprise.city import C1, C2, C3
from tests.reports.scenario import AFTER, build

UTC = timezone.utc


@pytest.fixture
def api(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'db.sqlite'}")
    engine = app.state.engine
    ep = build(engine, tmp_path, release=False)
    with clock.use_clock(AFTER):
        tokens = {}
        for name, role in (("officer", "duty_officer"), ("viewer", "viewer")):
            tokens[name] = accounts.create_token(engine, accounts.add_user(engine, name, "password-123", role))
        firm = accounts.redeem(engine, accounts.invite(engine, "firm2", [C2, C3], actor="bureau").code, "firm2-password")
        tokens["firm"] = accounts.create_token(engine, firm)
    yield app, ep.wid, tokens
    engine.dispose()


def _h(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_api_reports_and_inspections(api):
    app, wid, t = api
    client = TestClient(app)
    with clock.use_clock(AFTER):
        days = client.get(f"/api/warnings/{wid}/daily-reports", headers=_h(t["viewer"])).json()
        assert days["days"] == ["2026-12-05", "2026-12-06", "2026-12-07"] and days["written"] == []
        j = client.get(f"/api/warnings/{wid}/daily-report", params={"day": "2026-12-05"}, headers=_h(t["viewer"]))
        assert j.status_code == 200 and j.json()["county"][-1]["county"] == "全市合计"
        x = client.get(f"/api/warnings/{wid}/daily-report", params={"day": "2026-12-05", "format": "xlsx"},
                       headers=_h(t["viewer"]))
        assert x.content[:2] == b"PK" and "attachment" in x.headers["content-disposition"]
        h = client.get(f"/api/warnings/{wid}/summary", params={"format": "html"}, headers=_h(t["viewer"]))
        assert h.headers["content-type"].startswith("text/html") and "default-src 'none'" in h.headers["content-security-policy"]
        assert client.get(f"/api/warnings/{wid}/daily-report", params={"day": "2026-12-09"},
                          headers=_h(t["viewer"])).status_code == 400
        body = {"uscc": C1, "inspected_at": "2026-12-07T08:00", "inspector": "周七", "result": "落实"}
        assert client.post(f"/api/warnings/{wid}/inspections", json=body, headers=_h(t["viewer"])).status_code == 403
        assert client.post(f"/api/warnings/{wid}/inspections", json=body, headers=_h(t["firm"])).status_code == 403
        assert client.get(f"/api/warnings/{wid}/summary", headers=_h(t["firm"])).status_code == 403
        r = client.post(f"/api/warnings/{wid}/inspections", json=body, headers=_h(t["officer"]))
        assert r.status_code == 201 and r.json()["inspected_at"] == "2026-12-07T08:00:00+08:00"
        bad = client.post(f"/api/warnings/{wid}/inspections", json={**body, "result": "还行"}, headers=_h(t["officer"]))
        assert bad.status_code == 400 and bad.json()["field"] == "result"
        up = client.post(f"/api/warnings/{wid}/inspections/import", headers=_h(t["officer"]), files={"file": (
            "../../x.csv", f"统一社会信用代码,检查时间,检查人员,检查结果\n{C2},2026-12-07 09:00,周七,停产\n".encode())})
        assert up.status_code == 201 and up.json()["rows"] == 1
        rows = client.get(f"/api/warnings/{wid}/inspections", params={"day": "2026-12-07"}, headers=_h(t["viewer"])).json()
        assert [(i["uscc"], i["result"]) for i in rows["inspections"]] == [(C1, "compliant"), (C2, "stopped")]


def test_console_reports_page_and_form(api):
    app, wid, t = api
    client = TestClient(app)
    with clock.use_clock(AFTER):
        client.cookies.set(COOKIE, t["officer"])
        page = client.get(f"/warnings/{wid}/reports")
        assert page.status_code == 200 and "2026-12-06" in page.text and 'id="inspection-form"' in page.text
        assert 'href="/warnings/1/reports"' in client.get(f"/warnings/{wid}").text
        daily = client.get(f"/warnings/{wid}/reports/daily", params={"day": "2026-12-05"})
        assert daily.status_code == 200 and "全市合计" in daily.text
        form = {"uscc": C3, "inspected_at": "2026-12-07T09:30", "inspector": "吴八", "result": "non_compliant", "note": "夜间生产"}
        assert client.post(f"/warnings/{wid}/inspections", data={**form, "csrf": "forged"}).status_code == 403
        n = len(list_inspections(app.state.engine, wid))
        r = client.post(f"/warnings/{wid}/inspections", data={**form, "csrf": csrf_for(t["officer"])})
        assert r.status_code == 201 and 'id="recorded"' in r.text and "夜间生产" in r.text
        assert len(list_inspections(app.state.engine, wid)) == n + 1
        client.cookies.clear()
        client.cookies.set(COOKIE, t["viewer"])
        v = client.get(f"/warnings/{wid}/reports")
        assert v.status_code == 200 and 'id="inspection-form"' not in v.text
        assert client.post(f"/warnings/{wid}/inspections", data={**form, "csrf": csrf_for(t["viewer"])}).status_code == 403
