"""Every route of the application, walked with an enterprise account's token (and its
console cookie): it refuses the account (403), or answers only about the account's own
firms, or is public / for any signed-in account by decision. :data:`DECISIONS` names
the decision for every route: a route added without one fails
:func:`test_every_route_has_a_decision`.

The account ``firm2`` is bound to C2 and C3; C1 (甲县) is another firm's, with orders
in the same warning: nothing of C1 may come back.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from emergency import clock
from emergency.api.app import create_app
from emergency.console.session import COOKIE, csrf_for
from emergency.workflow import accounts
from tests.enterprise.city import C1, C2, C3, NOW, issue, load_city

PUBLIC, SIGNED_IN, OWN, REFUSE = "public", "signed_in", "own", "refuse"

DECISIONS: dict[tuple[str, str], str] = {
    ("GET", "/openapi.json"): PUBLIC,
    ("MOUNT", "/static/swagger-ui"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("POST", "/api/auth/token"): PUBLIC,
    ("POST", "/api/auth/redeem"): PUBLIC,
    ("POST", "/api/auth/logout"): SIGNED_IN,
    ("GET", "/api/me"): SIGNED_IN,
    ("GET", "/api/users"): REFUSE,
    ("POST", "/api/users"): REFUSE,
    ("POST", "/api/users/{username}/revoke-tokens"): REFUSE,
    ("POST", "/api/users/{username}/deactivate"): REFUSE,
    ("GET", "/api/registry/versions"): REFUSE,
    ("GET", "/api/registry/enterprises"): REFUSE,
    ("GET", "/api/registry/enterprises/{uscc}"): REFUSE,
    ("POST", "/api/registry/import"): REFUSE,
    ("GET", "/api/registry/versions/{version}/check"): REFUSE,
    ("POST", "/api/plans/preview"): REFUSE,
    ("GET", "/api/warnings/{warning_id}/plans"): REFUSE,
    ("GET", "/api/warnings/{warning_id}/plans/{version}"): REFUSE,
    ("GET", "/api/warnings"): REFUSE,
    ("POST", "/api/warnings"): REFUSE,
    ("GET", "/api/warnings/{warning_id}"): REFUSE,
    ("POST", "/api/warnings/{warning_id}/adjust"): REFUSE,
    ("POST", "/api/warnings/{warning_id}/release"): REFUSE,
    ("GET", "/api/warnings/{warning_id}/notices/{uscc}"): REFUSE,
    ("GET", "/api/warnings/{warning_id}/announcement"): REFUSE,
    ("GET", "/api/warnings/{warning_id}/compliance"): REFUSE,
    ("GET", "/api/warnings/{warning_id}/receipts"): REFUSE,
    ("GET", "/api/warnings/{warning_id}/reports/{report_id}/evidence"): REFUSE,
    ("POST", "/api/compliance/electricity"): REFUSE,
    ("GET", "/api/audit"): REFUSE,
    ("GET", "/api/enterprise/me"): OWN,
    ("GET", "/api/enterprise/firms"): OWN,
    ("GET", "/api/enterprise/rotation"): OWN,
    ("GET", "/api/enterprise/orders"): OWN,
    ("GET", "/api/enterprise/warnings/{warning_id}/notices/{uscc}"): OWN,
    ("GET", "/api/enterprise/warnings/{warning_id}/compliance"): OWN,
    ("GET", "/api/enterprise/warnings/{warning_id}/reports/{report_id}/evidence"): OWN,
    ("POST", "/api/enterprise/warnings/{warning_id}/versions/{version}/receipt"): OWN,
    ("POST", "/api/enterprise/warnings/{warning_id}/versions/{version}/reports"): OWN,
    # the console (值班台): the bureau's pages; the enterprise pages come later
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): SIGNED_IN,
    ("MOUNT", "/console-static"): PUBLIC,
    ("GET", "/"): SIGNED_IN,  # the bureau's home; an enterprise account is redirected to its portal (/firm)
    ("POST", "/forecast/evaluate"): REFUSE,
    ("GET", "/warnings"): REFUSE,
    ("GET", "/warnings/new"): REFUSE,
    ("POST", "/warnings/preview"): REFUSE,
    ("POST", "/warnings/issue"): REFUSE,
    ("GET", "/warnings/{warning_id}"): REFUSE,
    ("POST", "/warnings/{warning_id}/adjust/preview"): REFUSE,
    ("POST", "/warnings/{warning_id}/adjust"): REFUSE,
    ("POST", "/warnings/{warning_id}/release"): REFUSE,
    ("GET", "/warnings/{warning_id}/plans/{version_no}"): REFUSE,
    ("GET", "/warnings/{warning_id}/plans/{version_no}/firms/{uscc}"): REFUSE,
    ("GET", "/warnings/{warning_id}/plans/{old}/diff/{new}"): REFUSE,
    ("GET", "/warnings/{warning_id}/notices"): REFUSE,
    ("GET", "/warnings/{warning_id}/notices/county/{index}"): REFUSE,
    ("GET", "/warnings/{warning_id}/notices/firm/{uscc}"): REFUSE,
    ("GET", "/warnings/{warning_id}/announcement"): REFUSE,
    ("GET", "/warnings/{warning_id}/notices.zip"): REFUSE,
    ("GET", "/compliance"): REFUSE,
    ("POST", "/compliance/electricity"): REFUSE,
    ("GET", "/warnings/{warning_id}/compliance"): REFUSE,
    ("GET", "/warnings/{warning_id}/compliance.xlsx"): REFUSE,
    ("GET", "/registry"): REFUSE,
    ("GET", "/registry/firms/{uscc}"): REFUSE,
    ("POST", "/registry/import"): REFUSE,
    ("GET", "/registry/check"): REFUSE,
    ("GET", "/registry/check.xlsx"): REFUSE,
    ("GET", "/map"): REFUSE,
    ("GET", "/map/points.json"): REFUSE,
    ("GET", "/rotation"): REFUSE,
    ("POST", "/rotation/plan"): REFUSE,
    ("GET", "/rotation/runs/{run_id}"): REFUSE,
    ("GET", "/rotation/{plan}/rotation.xlsx"): REFUSE,
    ("GET", "/rotation/{plan}/ics/{uscc}.ics"): REFUSE,
    ("GET", "/scenarios"): REFUSE,
    ("POST", "/scenarios/run"): REFUSE,
    ("POST", "/scenarios/compare"): REFUSE,
    ("GET", "/audit"): REFUSE,
    ("GET", "/users"): REFUSE,
    ("POST", "/users"): REFUSE,
    ("POST", "/users/{username}/revoke"): REFUSE,
    ("POST", "/users/{username}/deactivate"): REFUSE,
    # --- issue 17: delivery and the receipts board (emergency/delivery) ---
    # REFUSE: the delivery board names every county's firms; a firm sees its own orders under /api/enterprise
    ("GET", "/api/warnings/{warning_id}/deliveries"): REFUSE,
    ("GET", "/api/warnings/{warning_id}/deliveries/attempts"): REFUSE,
    ("POST", "/api/warnings/{warning_id}/deliveries/send"): REFUSE,
    ("POST", "/api/warnings/{warning_id}/deliveries/retry"): REFUSE,
    ("GET", "/warnings/{warning_id}/deliveries"): REFUSE,
    ("POST", "/warnings/{warning_id}/deliveries/send"): REFUSE,
    ("POST", "/warnings/{warning_id}/deliveries/retry"): REFUSE,
    # --- issue 17: reports upward and inspections (emergency/reports) ---
    # REFUSE: reports go upward from the bureau; they name every county's firms
    ("GET", "/api/warnings/{warning_id}/daily-reports"): REFUSE,
    ("GET", "/api/warnings/{warning_id}/daily-report"): REFUSE,
    ("GET", "/api/warnings/{warning_id}/summary"): REFUSE,
    ("GET", "/api/warnings/{warning_id}/inspections"): REFUSE,
    ("POST", "/api/warnings/{warning_id}/inspections"): REFUSE,
    ("POST", "/api/warnings/{warning_id}/inspections/import"): REFUSE,
    ("GET", "/warnings/{warning_id}/reports"): REFUSE,
    ("GET", "/warnings/{warning_id}/reports/daily"): REFUSE,
    ("GET", "/warnings/{warning_id}/reports/summary"): REFUSE,
    ("POST", "/warnings/{warning_id}/inspections"): REFUSE,
    ("POST", "/warnings/{warning_id}/inspections/import"): REFUSE,
    # --- issue 17: effect evaluation (emergency/evaluation) ---
    ("POST", "/api/evaluation/cems"): REFUSE,
    ("POST", "/api/evaluation/observations"): REFUSE,
    ("GET", "/api/warnings/{warning_id}/evaluation"): REFUSE,
    ("GET", "/evaluation"): REFUSE,
    ("POST", "/evaluation/cems"): REFUSE,
    ("POST", "/evaluation/observations"): REFUSE,
    ("GET", "/warnings/{warning_id}/evaluation"): REFUSE,
    ("GET", "/warnings/{warning_id}/evaluation.xlsx"): REFUSE,
    # --- issue 18: regions and regional warnings (emergency/region) ---
    # REFUSE: the province's regional warnings and the cities' responses are the bureau's
    ("GET", "/api/regions"): REFUSE,
    ("GET", "/api/regions/warnings"): REFUSE,
    ("POST", "/api/regions/warnings"): REFUSE,
    ("GET", "/api/regions/warnings/{regional_id}"): REFUSE,
    ("POST", "/api/regions/warnings/{regional_id}/release"): REFUSE,
    ("GET", "/api/regions/warnings/{regional_id}/board"): REFUSE,
    ("GET", "/regions"): REFUSE,
    ("POST", "/regions/warnings"): REFUSE,
    ("GET", "/regions/warnings/{regional_id}"): REFUSE,
    ("POST", "/regions/warnings/{regional_id}/release"): REFUSE,
    # --- issue 18: joint plans (emergency/joint) ---
    # --- issue 17: the enterprise's own console pages (emergency/console/pages/firm.py) ---
    # OWN: the enterprise role only, its own firms (the bureau's roles get 403: they have the bureau's pages)
    ("GET", "/firm"): OWN,
    ("GET", "/firm/warnings/{warning_id}/notices/{uscc}"): OWN,
    ("POST", "/firm/warnings/{warning_id}/versions/{version}/receipt"): OWN,
    ("POST", "/firm/warnings/{warning_id}/versions/{version}/reports"): OWN,
    ("GET", "/firm/warnings/{warning_id}/reports/{report_id}/evidence"): OWN,
    ("GET", "/firm/measures"): OWN,
    ("GET", "/firm/rotation"): OWN,
    ("GET", "/firm/compliance"): OWN,
    ("GET", "/firm/redeem"): PUBLIC,  # redeeming an invitation: before any account exists (throttled, nonce cookie)
    ("POST", "/firm/redeem"): PUBLIC,
}


def app_routes(app) -> set[tuple[str, str]]:
    out = set()
    for c in iter_route_contexts(app.routes):
        for m in c.methods or ("MOUNT",):
            if m != "HEAD":
                out.add((m, c.path))
    return out


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    return tmp_path_factory.mktemp("scoping")


@pytest.fixture(autouse=True)
def _one_data_dir(shared, monkeypatch):
    """The module's tests share one database and one data dir (evidence files live there)."""
    monkeypatch.setenv("EMERGENCY_DATA_DIR", str(shared / "data"))


@pytest.fixture(scope="module")
def world(shared):
    url = f"sqlite:///{shared / 'db.sqlite'}"
    with clock.use_clock(NOW):
        app = create_app(url)
        engine = app.state.engine
        load_city(engine)
        w, _, _ = issue(engine)
        code = accounts.invite(engine, "firm2", [C2, C3], actor="bureau").code
        firm = accounts.redeem(engine, code, "firm2-password")
        other = accounts.redeem(engine, accounts.invite(engine, "firm1", [C1], actor="bureau").code, "firm1-password")
        tokens = {"firm2": accounts.create_token(engine, firm), "firm1": accounts.create_token(engine, other)}
    yield app, w.id, tokens
    engine.dispose()


def _fill(path: str, wid: int, uscc: str) -> str:
    values = {"warning_id": str(wid), "uscc": uscc, "version": "1", "version_no": "1", "old": "1", "new": "1",
              "username": "firm1", "index": "0", "run_id": "1", "plan": "1",
              "report_id": "1", "regional_id": "1"}
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def test_every_route_has_a_decision(world):
    app, _, _ = world
    routes = app_routes(app)
    missing = sorted(routes - DECISIONS.keys())
    assert not missing, f"routes without an enterprise-role decision (add them to DECISIONS): {missing}"
    assert not DECISIONS.keys() - routes, "decisions for routes that no longer exist"


def test_every_refusing_route_refuses_the_enterprise_account(world):
    app, wid, tokens = world
    token = tokens["firm2"]
    client = TestClient(app)
    refused = [(m, p) for (m, p), d in DECISIONS.items() if d == REFUSE]
    assert len(refused) > 50
    with clock.use_clock(NOW):
        for method, path in refused:
            url = _fill(path, wid, C1)
            if path.startswith("/api/"):
                r = client.request(method, url, headers={"Authorization": f"Bearer {token}"})
            else:  # the console: the session cookie, and a right CSRF token on forms
                client.cookies.set(COOKIE, token)
                r = client.request(method, url, data={"csrf": csrf_for(token)} if method == "POST" else None,
                                   follow_redirects=False)
                client.cookies.clear()
            assert r.status_code == 403, (method, path, r.status_code, r.text[:200])
            assert C1 not in r.text and "甲县" not in r.text, (method, path)


def test_own_routes_answer_only_about_the_accounts_firms(world):
    app, wid, tokens = world
    client = TestClient(app)
    h = {"Authorization": f"Bearer {tokens['firm2']}"}
    seen = set()

    def get(path, status=200, **kw):
        seen.add(("GET", path))
        r = client.get(_fill(path, wid, kw.pop("uscc", C2)), headers=h, **kw)
        assert r.status_code == status, (path, r.text[:300])
        if status == 200:
            assert C1 not in r.text, path
        return r

    with clock.use_clock(NOW):
        assert get("/api/enterprise/me").json()["usccs"] == [C2, C3]
        firms = get("/api/enterprise/firms").json()
        assert [f["uscc"] for f in firms] == [C2, C3] and [len(f["lines"]) for f in firms] == [1, 2]
        assert get("/api/enterprise/rotation").json() == {"plan": None, "lines": []}
        orders = get("/api/enterprise/orders").json()
        assert sorted(o["uscc"] for o in orders) == [C2, C3]
        assert get("/api/enterprise/orders", params={"warning": wid}).json() == orders
        notice = get("/api/enterprise/warnings/{warning_id}/notices/{uscc}")
        assert "C2砖厂" in notice.text and notice.headers["content-security-policy"].startswith("default-src 'none'")
        get("/api/enterprise/warnings/{warning_id}/notices/{uscc}", status=403, uscc=C1)
        rows = get("/api/enterprise/warnings/{warning_id}/compliance").json()["rows"]
        assert {r["enterprise_uscc"] for r in rows} <= {C2, C3}

        receipt = "/api/enterprise/warnings/{warning_id}/versions/{version}/receipt"
        reports = "/api/enterprise/warnings/{warning_id}/versions/{version}/reports"
        seen |= {("POST", receipt), ("POST", reports)}
        r = client.post(_fill(receipt, wid, C1), json={"uscc": C1}, headers=h)
        assert r.status_code == 403 and C1 not in r.text
        r = client.post(_fill(reports, wid, C1), data={"uscc": C1, "line_id": f"{C1}/L01", "measure": "停产",
                                                       "taken_at": "2026-12-03T23:40"}, headers=h)
        assert r.status_code == 403
        r = client.post(_fill(receipt, wid, C2), json={"uscc": C2}, headers=h)
        assert r.status_code == 200 and r.json()["new"] and r.json()["confirm_state"] == "on_time"
        assert r.json()["confirmed_by"] == "firm2"
        r = client.post(_fill(receipt, wid, C2), json={"uscc": C2}, headers=h)
        assert r.status_code == 200 and not r.json()["new"]
        r = client.post(_fill(reports, wid, C2), data={"uscc": C2, "line_id": f"{C2}/L01", "measure": "停产",
                                                       "taken_at": "2026-12-03T23:40"},
                        files={"file": ("../../现场照片.png", b"\x89PNG...", "image/png")}, headers=h)
        assert r.status_code == 200, r.text
        line = r.json()["lines"][0]
        assert r.json()["outcome"] == "new" and line["report"]["evidence"] == "现场照片.png"
        report_id = line["report"]["id"]
        download = "/api/enterprise/warnings/{warning_id}/reports/{report_id}/evidence"
        seen.add(("GET", download))
        got = client.get(_fill(download, wid, C2).replace("/reports/1/", f"/reports/{report_id}/"), headers=h)
        assert got.status_code == 200 and got.content == b"\x89PNG..." and got.headers["content-type"] == "image/png"
        assert got.headers["content-disposition"].startswith("attachment;")
        r = client.post(_fill(reports, wid, C2), data={"uscc": C2, "line_id": f"{C2}/L01", "measure": "停产",
                                                       "taken_at": "2026-12-03T23:40"},
                        files={"file": ("x.exe", b"MZ", "application/octet-stream")}, headers=h)
        assert r.status_code == 400 and "类型" in r.json()["detail"]

        # the other account sees its own firm and not these
        h1 = {"Authorization": f"Bearer {tokens['firm1']}"}
        assert [o["uscc"] for o in client.get("/api/enterprise/orders", headers=h1).json()] == [C1]
        assert client.get(_fill("/api/enterprise/warnings/{warning_id}/notices/{uscc}", wid, C2), headers=h1).status_code == 403
        theirs = client.get(f"/api/enterprise/warnings/{wid}/reports/{report_id}/evidence", headers=h1)
        assert theirs.status_code == 404 and b"PNG" not in theirs.content

        # signed-in routes: who am I; then sign out (last: it revokes the token)
        assert client.get("/api/me", headers=h).json() == {"username": "firm2", "role": "enterprise", "city": None}
        assert client.post("/api/auth/logout", headers=h1).status_code == 200
        assert client.get("/api/me", headers=h1).status_code == 401
    own = {k for k, d in DECISIONS.items() if d == OWN and k[1].startswith("/api/")}  # the console's: below
    assert own <= seen, f"own routes not exercised: {sorted(own - seen)}"


def test_bureau_roles_may_not_use_the_firms_routes(world):
    app, wid, _ = world
    engine = app.state.engine
    with clock.use_clock(NOW):
        admin = accounts.add_user(engine, "admin-scope", "password-123", "admin")
        h = {"Authorization": f"Bearer {accounts.create_token(engine, admin)}"}
        client = TestClient(app)
        assert client.get("/api/enterprise/orders", headers=h).status_code == 403
        board = client.get(f"/api/warnings/{wid}/receipts", headers=h)
        assert board.status_code == 200
        assert {c["county"] for c in board.json()["counties"]} == {"甲县", "乙县"}
        reports = [ln["report"] for c in board.json()["counties"] for f in c["firms"] for ln in f["lines"] if ln["report"]]
        for rep in reports:  # the evidence the firm sent, as the bureau downloads it
            got = client.get(f"/api/warnings/{wid}/reports/{rep['id']}/evidence", headers=h)
            assert got.status_code == 200 and got.content == b"\x89PNG..."
        assert client.get(f"/api/warnings/{wid}/reports/999/evidence", headers=h).status_code == 404


def test_the_firms_console_pages_answer_only_about_the_accounts_firms(world, tmp_path):
    """Every OWN console page (企业端), probed with firm2's session and the other firm's
    (C1's) code, order and evidence id: refused or empty of C1; then with its own."""
    from emergency.workflow import receipts

    app, wid, tokens = world
    engine = app.state.engine
    token = tokens["firm2"]
    csrf = csrf_for(token)
    photo = tmp_path / "c1.png"
    photo.write_bytes(b"\x89PNG...")  # what every report's evidence holds in this module (the bureau test reads them)
    with clock.use_clock(NOW):
        c1_line = receipts.orders(engine, wid)
        c1_line = next(o for o in c1_line if o.uscc == C1).lines[0].line_id
        c3_line = next(o for o in receipts.orders(engine, wid) if o.uscc == C3).lines[0].line_id
        receipts.confirm(engine, wid, 1, C1, "firm1", (C1,))
        c1_report = receipts.report(engine, wid, 1, C1, c1_line, "停产", NOW, "firm1", (C1,),
                                    receipts.Evidence(photo, "c1.png")).status.reports[c1_line].id
    client = TestClient(app)
    client.cookies.set(COOKIE, token)
    own = {k for k, d in DECISIONS.items() if d == OWN and not k[1].startswith("/api/")}
    assert len(own) >= 8
    seen = set()

    def probe(method, path, uscc, report_id, line_id, expect):
        seen.add((method, path))
        url = _fill(path, wid, uscc).replace("/reports/1/", f"/reports/{report_id}/")
        data = {"csrf": csrf, "uscc": uscc, "line_id": line_id, "measure": "停产", "taken_at": "2026-12-03T23:20"}
        files = {"file": ("photo.png", b"\x89PNG...", "image/png")} if path.endswith("/reports") else None
        r = client.request(method, url, data=data if method == "POST" else None, files=files,
                           params={"warning": wid, "version": 1} if method == "GET" else None, follow_redirects=False)
        assert r.status_code in expect, (method, path, uscc, r.status_code, r.text[:300])
        assert C1 not in r.text and "甲县" not in r.text and "C1砖厂" not in r.text, (method, path, uscc)
        assert not (path.endswith("/evidence") and uscc == C1 and b"PNG" in r.content)
        return r

    with clock.use_clock(NOW):
        # another firm's code, order and evidence: refused (403 for a firm, 404 for an id); pages without ids: no C1
        for method, path in sorted(own):
            takes_id = "{uscc}" in path or "{report_id}" in path or method == "POST"
            probe(method, path, C1, c1_report, c1_line, (403, 404) if takes_id else (200,))
        # its own: the pages answer, the forms act (receipt before report)
        for method, path in sorted(own, key=lambda k: (k[0], "reports" in k[1], k[1])):
            if path.endswith("/evidence"):
                continue
            probe(method, path, C3, 0, c3_line, (303,) if method == "POST" else (200,))
        [status] = receipts.statuses(engine, wid, (C3,))
        assert status.confirmed_by == "firm2" and status.reports[c3_line].evidence == "photo.png"
        mine = status.reports[c3_line].id
        probe("GET", "/firm/warnings/{warning_id}/reports/{report_id}/evidence", C3, mine, c3_line, (200,))
        assert receipts.statuses(engine, wid, (C1,))[0].reports[c1_line].reported_by == "firm1"  # untouched
        r = client.get("/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/firm"
    assert own <= seen, f"own console routes not probed: {sorted(own - seen)}"
