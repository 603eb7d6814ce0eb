"""Signing in to the console: the cookie, the API's account rules, CSRF on every form,
roles, sign-out, and where a sign-in may send the browser next."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from emergency.workflow.audit import audit_log
from enterprise_registry.generator import generate_registry
from emergency.workflow.lifecycle import list_warnings
from tests.console.conftest import PASSWORD, Console, csrf_of, make_app, nonce_of


@pytest.fixture
def app(sqlite_url, now):
    app = make_app(sqlite_url, generate_registry(60, seed=3))
    yield app
    app.state.engine.dispose()


def _cookie_attrs(response, name: str) -> dict[str, str]:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(name + "="):
            parts = [p.strip() for p in header.split(";")]
            return {p.split("=", 1)[0].lower(): (p.split("=", 1) + [""])[1] for p in parts[1:]}
    raise AssertionError(f"no {name} cookie set")


def test_every_page_asks_for_a_sign_in_first(app):
    client = TestClient(app)
    for path in ("/", "/warnings", "/warnings/new", "/compliance", "/warnings/1/plans/1"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
    assert client.get("/").url.path == "/login"


def test_the_session_cookie_is_httponly_strict_and_secure_over_https(app):
    plain = Console(app, "officer")
    attrs = _cookie_attrs(plain.login_response, "emergency_session")
    assert "httponly" in attrs and attrs["samesite"].lower() == "strict" and attrs["path"] == "/" and "secure" not in attrs
    tls = Console(app, "viewer", base_url="https://testserver")
    assert "secure" in _cookie_attrs(tls.login_response, "emergency_session")


def test_a_wrong_password_answers_the_apis_message_in_chinese_and_is_audited(app):
    client = TestClient(app)
    page = client.get("/login")
    r = client.post("/login", data={"username": "officer", "password": "wrong-password", "nonce": nonce_of(page.text)})
    assert r.status_code == 401 and "用户名或密码错误" in r.text and "emergency_session" not in r.headers.get("set-cookie", "")
    assert [a.action for a in audit_log(app.state.engine, actor="officer")][-1] == "login.failed"


def test_five_wrong_passwords_lock_the_account_as_the_api_does(app):
    client = TestClient(app)
    for i in range(5):
        r = client.post("/login", data={"username": "viewer", "password": "nope-nope", "nonce": nonce_of(client.get("/login").text)})
    assert r.status_code == 429 and "锁定" in r.text
    r = client.post("/login", data={"username": "viewer", "password": PASSWORD, "nonce": nonce_of(client.get("/login").text)})
    assert r.status_code == 429  # even with the right password until the lock ends


def test_the_sign_in_form_needs_its_own_nonce(app):
    client = TestClient(app)
    r = client.post("/login", data={"username": "officer", "password": PASSWORD, "nonce": "forged"})
    assert r.status_code == 403 and "登录表单已过期" in r.text and "emergency_session" not in r.headers.get("set-cookie", "")


@pytest.mark.parametrize("next_path, lands", [("/warnings", "/warnings"), ("//evil.example/x", "/"),
                                              ("https://evil.example/", "/"), ("/\\evil.example", "/")])
def test_after_signing_in_the_browser_goes_only_to_a_local_page(app, next_path, lands):
    client = TestClient(app)
    r = client.post("/login", data={"username": "officer", "password": PASSWORD, "next": next_path,
                                    "nonce": nonce_of(client.get("/login").text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == lands


def test_a_form_without_the_csrf_token_changes_nothing(app):
    officer = Console(app, "officer")
    before = len(audit_log(app.state.engine))
    for data in ({}, {"csrf": "0" * 64}, {"csrf": Console(app, "planner").csrf}):  # missing, forged, another session's
        r = officer.client.post("/forecast/evaluate", data={"values": "210,220,230", **data})
        assert r.status_code == 403 and "表单校验失败" in r.text
        r = officer.client.post("/warnings/issue", data={"level": "orange", "start": "2026-12-05T00:00",
                                                          "end": "2026-12-08T00:00", **data})
        assert r.status_code == 403
    assert {a.action for a in audit_log(app.state.engine)[before:]} == {"token.create"}  # the planner's sign-in only
    assert list_warnings(app.state.engine) == []


def test_roles_decide_what_is_shown_and_allowed(app):
    viewer, planner, officer = Console(app, "viewer"), Console(app, "planner"), Console(app, "officer")
    home = viewer.get("/").text
    assert "评估新的预报" not in home and "/warnings/new" not in home
    assert "评估新的预报" in planner.get("/").text
    assert viewer.get("/warnings/new").status_code == 403 and planner.get("/warnings/new").status_code == 403
    assert officer.get("/warnings/new").status_code == 200
    for who in (viewer, planner):
        r = who.post("/warnings/issue", {"level": "orange", "start": "2026-12-05T00:00", "end": "2026-12-08T00:00"})
        assert r.status_code == 403 and "无权" in r.text
        r = who.post("/compliance/electricity", files={"file": ("a.csv", b"x")})
        assert r.status_code == 403
    r = viewer.post("/forecast/evaluate", {"values": "210,220,230"})
    assert r.status_code == 403
    assert list_warnings(app.state.engine) == []


def test_signing_out_revokes_the_session(app):
    officer = Console(app, "officer")
    stolen = officer.client.cookies.get("emergency_session")
    r = officer.post("/logout", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    thief = TestClient(app)
    thief.cookies.set("emergency_session", stolen)
    assert thief.get("/", follow_redirects=False).status_code == 303
    assert audit_log(app.state.engine, action="token.revoke")[-1].actor == "officer"


def test_a_revoked_or_deactivated_user_is_signed_out(app):
    from emergency.workflow import accounts

    viewer = Console(app, "viewer")
    assert viewer.get("/").status_code == 200
    accounts.deactivate_user(app.state.engine, "viewer", actor="admin")
    assert viewer.client.get("/", follow_redirects=False).status_code == 303


def test_console_pages_carry_a_policy_that_loads_nothing_from_elsewhere(app):
    officer = Console(app, "officer")
    r = officer.get("/")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["cache-control"] == "no-store" and r.headers["x-frame-options"] == "DENY"
    assert "content-security-policy" not in officer.client.get("/openapi.json").headers  # the API is as it was
    for asset in ("/console-static/console.css", "/console-static/console.js"):
        assert officer.get(asset).status_code == 200


def test_an_upload_without_a_session_is_refused_before_it_is_read(app):
    anonymous = TestClient(app)
    r = anonymous.post("/compliance/electricity", files={"file": ("a.csv", b"x" * 1000)})
    assert r.status_code == 401  # the body limit's rule: no credentials, nothing spooled
    planner = Console(app, "planner")  # signed in, but the role may not import electricity
    r = planner.post("/compliance/electricity", files={"file": ("a.csv", b"x")})
    assert r.status_code == 403 and "无权" in r.text


def test_an_unknown_address_is_a_page_in_chinese_and_the_api_keeps_its_json(app):
    client = TestClient(app)
    r = client.get("/no-such-page")
    assert r.status_code == 404 and "没有这个页面" in r.text and r.headers["content-type"].startswith("text/html")
    for method, path in (("get", "/api/no-such"), ("post", "/api/no-such")):
        r = getattr(client, method)(path)
        assert (r.status_code, r.json()) == (404, {"detail": "Not Found"})
