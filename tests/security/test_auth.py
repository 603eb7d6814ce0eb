"""Sign-in, lockout, equal-time failures, tokens (expiry, logout, revocation), user
administration and its permissions, passwords never as arguments — service, API and
CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import math
import re
import statistics
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session
from typer.testing import CliRunner

from emergency import clock
from emergency.api.app import create_app
from emergency.cli.main import run
from emergency.errors import AuthenticationFailed, Conflict, InputError, NotFound, TooManyAttempts
from emergency.settings import Settings
from emergency.workflow import accounts, audit
from emergency.workflow.models import ApiToken, Role
from emergency.workflow.roles import GRANTS, Permission, allowed
from emergency.workflow.security import hash_password
from enterprise_registry.db import open_database

BJ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 4, 20, 0, tzinfo=BJ)  # 12:00 UTC
PW = "password-123"
BAD_LOGIN = "用户名或密码错误"


@pytest.fixture
def engine(db_url):
    e = open_database(db_url)
    accounts.add_user(e, "zhang", PW, "duty_officer", actor="admin")
    yield e
    e.dispose()


def login_records(engine, actor: str) -> list[str]:
    return [r.action for r in audit.audit_log(engine, limit=1000) if r.actor == actor and r.action.startswith("login.")]


def fails_plainly(engine, username: str, password: str) -> AuthenticationFailed:
    with pytest.raises(AuthenticationFailed) as e:
        accounts.authenticate(engine, username, password, client="203.0.113.7")
    assert type(e.value) is AuthenticationFailed, e.value.message  # a 401, not a lock
    return e.value


def locked(engine, username: str, password: str) -> TooManyAttempts:
    with pytest.raises(TooManyAttempts) as e:
        accounts.authenticate(engine, username, password, client="203.0.113.7")
    return e.value


# --- lockout ---------------------------------------------------------------------------------


def test_five_failures_lock_the_account_for_fifteen_minutes_even_against_the_right_password(engine):
    with clock.use_clock(T0):
        for i in range(4):
            assert BAD_LOGIN in fails_plainly(engine, "zhang", f"wrong-password-{i}").message
        fifth = locked(engine, "zhang", "wrong-password-4")
        assert fifth.http_status == 429 and fifth.exit_code == 11
        assert fifth.extra == {"retry_after_seconds": 900, "locked_until": "2026-12-04T20:15:00+08:00"}
        assert "20:15" in fifth.message and "北京时间" in fifth.message
        assert locked(engine, "zhang", PW).extra["retry_after_seconds"] == 900
    with clock.use_clock(T0 + timedelta(minutes=14, seconds=59)):
        assert locked(engine, "zhang", PW).extra["retry_after_seconds"] == 1
    with clock.use_clock(T0 + timedelta(minutes=15)):
        assert accounts.authenticate(engine, "zhang", PW).username == "zhang"
    assert login_records(engine, "zhang") == ["login.failed"] * 5 + ["login.locked", "login.refused", "login.refused"]
    details = " ".join(r.details or "" for r in audit.audit_log(engine, limit=1000))
    assert "wrong-password" not in details and PW not in details  # no password is ever recorded
    assert "203.0.113.7" in details


def test_only_consecutive_failures_count_and_a_success_resets_them(engine):
    with clock.use_clock(T0):
        for _ in range(4):
            fails_plainly(engine, "zhang", "wrong-password")
        accounts.authenticate(engine, "zhang", PW)
        for _ in range(4):
            fails_plainly(engine, "zhang", "wrong-password")
        locked(engine, "zhang", "wrong-password")  # the 5th in a row
    with clock.use_clock(T0 + timedelta(minutes=16)):  # lock over: the count starts again
        for _ in range(4):
            fails_plainly(engine, "zhang", "wrong-password")
        assert locked(engine, "zhang", "wrong-password").extra["locked_until"] == "2026-12-04T20:31:00+08:00"


def test_lockout_thresholds_are_settings(engine, monkeypatch):
    monkeypatch.setenv("EMERGENCY_LOGIN_MAX_FAILURES", "2")
    monkeypatch.setenv("EMERGENCY_LOGIN_LOCK_MINUTES", "60")
    with clock.use_clock(T0):
        fails_plainly(engine, "zhang", "wrong-password")
        assert locked(engine, "zhang", "wrong-password").extra["retry_after_seconds"] == 3600
    defaults = {k: f.default for k, f in Settings.model_fields.items()}
    assert [defaults[k] for k in ("login_max_failures", "login_lock_minutes", "login_client_max_failures",
                                  "login_client_window_minutes", "token_hours")] == [5, 15, 20, 5, 12]


def test_unknown_inactive_and_odd_usernames_fail_alike_and_are_audited(engine):
    accounts.add_user(engine, "old", PW, "viewer")
    accounts.add_user(engine, "admin1", PW, "admin")
    accounts.deactivate_user(engine, "old", actor="admin1")
    messages = {fails_plainly(engine, "ghost", PW).message, fails_plainly(engine, "zhang", "wrong-password").message,
                fails_plainly(engine, "old", PW).message}
    assert len(messages) == 1  # one message: nothing tells which usernames exist
    for _ in range(6):  # an unknown name is never "locked" (there is no account)
        fails_plainly(engine, "ghost", "x")
    long_name = "a" * 5000
    for odd in ("nul\x00name", long_name, "\ud800", ""):  # never reach the database (PostgreSQL refuses NUL)
        fails_plainly(engine, odd, PW)
    log = audit.audit_log(engine, limit=1000)
    reasons = {(r.actor, json.loads(r.details).get("reason")) for r in log if r.action == "login.failed"}
    assert {("ghost", "unknown_user"), ("old", "inactive"), ("zhang", "bad_password"), ("nul?name", "unknown_user")} <= reasons
    assert ("a" * 63 + "…", "unknown_user") in reasons


def test_every_failure_takes_the_time_of_a_password_check(engine, monkeypatch):
    """Unknown users, inactive users, locked accounts and wrong passwords answer in the
    time one scrypt verification takes (before the dummy hash, an unknown user answered
    about 25 times faster). Medians of interleaved attempts, within a factor of 2."""
    monkeypatch.setenv("EMERGENCY_LOGIN_MAX_FAILURES", "1000")
    accounts.add_user(engine, "admin1", PW, "admin")
    accounts.add_user(engine, "old", PW, "viewer")
    accounts.add_user(engine, "held", PW, "viewer")
    accounts.deactivate_user(engine, "old", actor="admin1")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE app_user SET locked_until = :t WHERE username = 'held'"), {"t": clock.now() + timedelta(days=1)})
    cases = {"unknown": ("nobody-here", PW), "wrong": ("zhang", "wrong-password"), "inactive": ("old", PW),
             "locked": ("held", PW), "success": ("zhang", PW)}
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(5):
        for kind, (user, password) in cases.items():
            t = time.perf_counter()
            try:
                accounts.authenticate(engine, user, password)
            except AuthenticationFailed:
                pass
            times[kind].append(time.perf_counter() - t)
    medians = {k: statistics.median(v) for k, v in times.items()}
    assert medians["unknown"] > 0.01, medians  # a real scrypt (~50 ms), not a short cut
    assert max(medians.values()) < 2 * min(medians.values()), medians


# --- tokens ----------------------------------------------------------------------------------


def token_row(engine, token: str) -> ApiToken:
    from emergency.workflow.security import token_digest

    with Session(engine) as s:
        return s.execute(sa.select(ApiToken).where(ApiToken.token_sha256 == token_digest(token))).scalars().one()


def expect_401(engine, token: str, reason: str, words: str) -> AuthenticationFailed:
    with pytest.raises(AuthenticationFailed) as e:
        accounts.user_for_token(engine, token)
    assert e.value.http_status == 401 and e.value.extra["reason"] == reason and words in e.value.message
    return e.value


def test_tokens_expire_after_twelve_hours_and_record_their_last_use(engine):
    user = accounts.authenticate(engine, "zhang", PW)
    with clock.use_clock(T0):
        issued = accounts.issue_token(engine, user, "laptop")
    assert issued.expires_at == datetime(2026, 12, 5, 8, 0, tzinfo=BJ)
    assert token_row(engine, issued.token).last_used_at is None
    with clock.use_clock(T0 + timedelta(hours=11, minutes=59)):
        assert accounts.user_for_token(engine, issued.token).username == "zhang"
    assert token_row(engine, issued.token).last_used_at == T0 + timedelta(hours=11, minutes=59)
    with clock.use_clock(T0 + timedelta(hours=11, minutes=59, seconds=30)):  # recorded to the minute
        accounts.user_for_token(engine, issued.token)
    assert token_row(engine, issued.token).last_used_at == T0 + timedelta(hours=11, minutes=59)
    with clock.use_clock(T0 + timedelta(hours=12)):
        e = expect_401(engine, issued.token, "expired", "令牌已过期")
    assert e.extra["expired_at"] == "2026-12-05T08:00:00+08:00"


def test_token_lifetime_can_be_asked_within_bounds(engine, monkeypatch):
    user = accounts.authenticate(engine, "zhang", PW)
    with clock.use_clock(T0):
        assert accounts.issue_token(engine, user, hours=1.5).expires_at == T0 + timedelta(hours=1.5)
        monkeypatch.setenv("EMERGENCY_TOKEN_HOURS", "2")
        assert accounts.issue_token(engine, user).expires_at == T0 + timedelta(hours=2)
        for bad in (0, -1, math.nan, 24 * 30 + 1):
            with pytest.raises(InputError, match="令牌有效期"):
                accounts.issue_token(engine, user, hours=bad)


def test_a_token_without_expiry_from_before_the_migration_counts_as_expired(engine):
    user = accounts.authenticate(engine, "zhang", PW)
    from emergency.workflow.security import token_digest

    with Session(engine) as s:
        s.add(ApiToken(user_id=user.id, token_sha256=token_digest("legacy-token"), name="old"))
        s.commit()
    expect_401(engine, "legacy-token", "expired", "令牌已过期")
    expect_401(engine, "never-issued", "invalid", "令牌无效")


def test_logout_revokes_one_token_an_admin_revokes_all(engine):
    accounts.add_user(engine, "li", PW, "viewer")
    zhang, li = accounts.authenticate(engine, "zhang", PW), accounts.authenticate(engine, "li", PW)
    a, b, c = (accounts.create_token(engine, zhang) for _ in range(3))
    other = accounts.create_token(engine, li)
    with clock.use_clock(T0):
        assert accounts.revoke_token(engine, a, actor="zhang") == T0
    e = expect_401(engine, a, "revoked", "令牌已撤销")
    assert e.extra["revoked_at"] == "2026-12-04T20:00:00+08:00"
    assert accounts.user_for_token(engine, b).username == "zhang"
    assert accounts.revoke_tokens(engine, "zhang", actor="admin") == 2  # b and c; a was already revoked
    for t in (b, c):
        expect_401(engine, t, "revoked", "令牌已撤销")
    assert accounts.user_for_token(engine, other).username == "li"
    with pytest.raises(NotFound):
        accounts.revoke_tokens(engine, "nobody", actor="admin")
    actions = [(r.actor, r.action, r.target) for r in audit.audit_log(engine, limit=1000)]
    assert ("zhang", "token.revoke", "zhang") in actions and ("admin", "user.revoke_tokens", "zhang") in actions


def test_deactivation_revokes_tokens_and_keeps_one_admin(engine):
    accounts.add_user(engine, "admin1", PW, "admin")
    token = accounts.create_token(engine, accounts.authenticate(engine, "zhang", PW))
    assert accounts.deactivate_user(engine, "zhang", actor="admin1") == 1
    expect_401(engine, token, "revoked", "令牌已撤销")
    fails_plainly(engine, "zhang", PW)
    with pytest.raises(Conflict, match="最后一个有效的管理员"):
        accounts.deactivate_user(engine, "admin1", actor="admin1")
    accounts.add_user(engine, "admin2", PW, "admin")
    accounts.deactivate_user(engine, "admin1", actor="admin2")
    with pytest.raises(Conflict):
        accounts.deactivate_user(engine, "admin2", actor="admin2")
    listed = {a.username: a for a in accounts.list_users(engine)}
    assert (listed["zhang"].active, listed["admin1"].active, listed["admin2"].active) == (False, False, True)


def test_a_new_password_unlocks_and_revokes(engine):
    token = accounts.create_token(engine, accounts.authenticate(engine, "zhang", PW))
    with clock.use_clock(T0):
        for _ in range(5):
            with pytest.raises(AuthenticationFailed):
                accounts.authenticate(engine, "zhang", "wrong-password")
        assert {a.username: a for a in accounts.list_users(engine)}["zhang"].locked_until == T0 + timedelta(minutes=15)
        assert accounts.set_password(engine, "zhang", "new-password-9", actor="admin") == 1
        assert accounts.authenticate(engine, "zhang", "new-password-9").username == "zhang"
        fails_plainly(engine, "zhang", PW)
    expect_401(engine, token, "revoked", "令牌已撤销")


def test_short_passwords_and_unknown_roles_are_input_errors(engine):
    for call in (lambda: hash_password("1234567"), lambda: accounts.add_user(engine, "li", "short", "viewer"),
                 lambda: accounts.set_password(engine, "zhang", "1234567", actor="admin")):
        with pytest.raises(InputError, match="密码至少8位") as e:
            call()
        assert e.value.exit_code == 14 and e.value.http_status == 400
    with pytest.raises(InputError, match="未知角色"):
        accounts.add_user(engine, "li", PW, "boss")
    with pytest.raises(InputError, match="用户名"):
        accounts.add_user(engine, "li si", PW, "viewer")
    assert [a.username for a in accounts.list_users(engine)] == ["zhang"]
    assert accounts.authenticate(engine, "zhang", PW)  # zhang's password was not changed


# --- roles -----------------------------------------------------------------------------------


def test_role_table():
    assert [r.value for r in Role] == ["viewer", "planner", "duty_officer", "admin", "enterprise"]
    assert {r for r in Role if allowed(r.value, Permission.USERS)} == {Role.ADMIN}
    assert GRANTS[Role.VIEWER] == {Permission.READ}
    assert all(Permission.READ in GRANTS[r] for r in Role if r != Role.ENTERPRISE)
    assert GRANTS[Role.ENTERPRISE] == {Permission.OWN_FIRMS}  # a firm: its own firms only, no bureau permission
    assert {r for r in Role if allowed(r.value, Permission.OWN_FIRMS)} == {Role.ENTERPRISE}
    assert not allowed("superuser", Permission.READ)


# --- the API ---------------------------------------------------------------------------------

USERS = (("viewer1", "viewer"), ("planner1", "planner"), ("officer1", "duty_officer"), ("admin1", "admin"))


@pytest.fixture
def api(db_url):
    app = create_app(db_url)
    for name, role in USERS:
        accounts.add_user(app.state.engine, name, PW, role)
    client = TestClient(app)
    yield app, client
    app.state.engine.dispose()


def login(client, name, password=PW, **extra):
    return client.post("/api/auth/token", json={"username": name, "password": password, **extra})


def bearer(client, name) -> dict:
    r = login(client, name)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_login_answers_the_expiry_in_beijing_time(api):
    _, client = api
    with clock.use_clock(T0):
        body = login(client, "officer1").json()
        assert body["expires_at"] == "2026-12-05T08:00:00+08:00" and body["role"] == "duty_officer"
        assert login(client, "officer1", hours=2).json()["expires_at"] == "2026-12-04T22:00:00+08:00"
        assert login(client, "officer1", hours=10_000).status_code == 400
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    with clock.use_clock(T0 + timedelta(hours=11)):
        assert client.get("/api/me", headers=headers).json() == {"username": "officer1", "role": "duty_officer", "city": None}
    with clock.use_clock(T0 + timedelta(hours=12)):
        r = client.get("/api/me", headers=headers)
    assert r.status_code == 401 and "令牌已过期" in r.json()["detail"] and r.json()["reason"] == "expired"
    assert r.headers["www-authenticate"] == "Bearer"


def test_logout_revokes_the_calling_token_only(api):
    _, client = api
    a, b = bearer(client, "officer1"), bearer(client, "officer1")
    r = client.post("/api/auth/logout", headers=a)
    assert r.status_code == 200 and r.json()["revoked_at"].endswith("+08:00")
    r = client.get("/api/me", headers=a)
    assert r.status_code == 401 and "令牌已撤销" in r.json()["detail"] and r.json()["reason"] == "revoked"
    assert client.post("/api/auth/logout", headers=a).status_code == 401
    assert client.get("/api/me", headers=b).status_code == 200
    assert client.post("/api/auth/logout").status_code == 401


def test_user_administration_is_for_admins_only(api):
    _, client = api
    calls = [("get", "/api/users", None), ("post", "/api/users", {"username": "x1", "password": PW, "role": "viewer"}),
             ("post", "/api/users/viewer1/revoke-tokens", None), ("post", "/api/users/viewer1/deactivate", None)]
    for name in ("viewer1", "planner1", "officer1"):
        h = bearer(client, name)
        for method, path, body in calls:
            assert client.request(method, path, json=body, headers=h).status_code == 403, (name, path)
    for method, path, body in calls:
        assert client.request(method, path, json=body).status_code == 401
    h = bearer(client, "admin1")
    expected = {"/api/users": (200, 201)}
    for method, path, body in calls:
        assert client.request(method, path, json=body, headers=h).status_code in expected.get(path, (200,)), path


def test_admin_revokes_and_deactivates_over_the_api(api):
    _, client = api
    admin, officer, planner = bearer(client, "admin1"), bearer(client, "officer1"), bearer(client, "planner1")
    r = client.post("/api/users/officer1/revoke-tokens", headers=admin)
    assert r.status_code == 200 and r.json() == {"username": "officer1", "revoked": 1}
    assert client.get("/api/me", headers=officer).json()["reason"] == "revoked"
    r = client.post("/api/users/planner1/deactivate", headers=admin)
    assert r.status_code == 200 and r.json() == {"username": "planner1", "active": False, "revoked": 1}
    assert client.get("/api/me", headers=planner).status_code == 401
    assert login(client, "planner1").status_code == 401
    assert client.post("/api/users/nobody/deactivate", headers=admin).status_code == 404
    assert client.post("/api/users/admin1/deactivate", headers=admin).status_code == 409  # the last admin
    users = {u["username"]: u for u in client.get("/api/users", headers=admin).json()}
    assert users["planner1"]["active"] is False and users["officer1"]["active_tokens"] == 0
    assert users["admin1"]["active_tokens"] == 1 and users["admin1"]["last_used_at"].endswith("+08:00")
    assert not any("password" in k for u in users.values() for k in u)
    acts = {(a["actor"], a["action"], a["target"]) for a in client.get("/api/audit", headers=admin).json()}
    assert {("admin1", "user.revoke_tokens", "officer1"), ("admin1", "user.deactivate", "planner1")} <= acts


def test_a_locked_account_answers_429_over_the_api(api):
    _, client = api
    with clock.use_clock(T0):
        codes = [login(client, "viewer1", "wrong-password").status_code for _ in range(5)]
        r = login(client, "viewer1")
    assert codes == [401, 401, 401, 401, 429]
    assert r.status_code == 429 and r.json()["code"] == "too_many_attempts"
    assert r.json()["retry_after_seconds"] == 900 and r.json()["locked_until"] == "2026-12-04T20:15:00+08:00"


def test_one_address_cannot_spray_usernames(db_url, monkeypatch):
    monkeypatch.setenv("EMERGENCY_LOGIN_CLIENT_MAX_FAILURES", "3")
    app = create_app(db_url)
    accounts.add_user(app.state.engine, "zhang", PW, "duty_officer")
    attacker, colleague = TestClient(app), TestClient(app, client=("10.0.0.2", 50000))
    try:
        with clock.use_clock(T0):
            assert [login(attacker, f"ghost{i}", "guess-1234").status_code for i in range(3)] == [401, 401, 401]
            r = login(attacker, "zhang")  # even the right password: this address is not heard now
            assert r.status_code == 429 and 0 < r.json()["retry_after_seconds"] <= 300
            assert login(colleague, "zhang").status_code == 200  # another address is not affected
        with clock.use_clock(T0 + timedelta(minutes=5, seconds=1)):  # the window has slid past
            assert login(attacker, "zhang").status_code == 200
        throttled = [a for a in audit.audit_log(app.state.engine) if a.action == "login.throttled"]
        assert [(a.actor, a.target) for a in throttled] == [("ghost2", "testclient")]
    finally:
        app.state.engine.dispose()


# --- the CLI ---------------------------------------------------------------------------------


def cli(monkeypatch, capsys, *args, stdin: str = "") -> tuple[int, str, str]:
    """The console script's entry point in process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["emergency", *args])
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = 0
    try:
        run()
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_passwords_come_from_stdin_never_from_arguments(sqlite_url, monkeypatch, capsys):
    db = ("--database", sqlite_url)
    code, _, err = cli(monkeypatch, capsys, "users", "add", "li", "--role", "viewer", "--password", PW, *db)
    assert code == 2 and "--password" in err  # the option is gone
    code, _, err = cli(monkeypatch, capsys, "users", "add", "li", "--role", "viewer", "--password-stdin", *db, stdin="short\n")
    assert code == 14 and "密码至少8位" in err and "Traceback" not in err
    code, _, err = cli(monkeypatch, capsys, "users", "add", "li", "--role", "boss", "--password-stdin", *db, stdin=PW + "\n")
    assert code == 14 and "未知角色" in err
    code, out, err = cli(monkeypatch, capsys, "users", "add", "zhang", "--role", "duty_officer", "--password-stdin", *db, stdin=PW + "\n")
    assert code == 0 and "已添加用户 zhang" in err and PW not in out + err
    engine = open_database(sqlite_url)
    try:
        assert accounts.authenticate(engine, "zhang", PW).role == "duty_officer"
        assert [a.username for a in accounts.list_users(engine)] == ["zhang"]
    finally:
        engine.dispose()
    from emergency.cli.main import app

    help_text = CliRunner().invoke(app, ["users", "add", "--help"]).output
    assert "--password-stdin" in help_text and not re.search(r"--password(?![-\w])", help_text)


def test_cli_prompts_hidden_with_confirmation(sqlite_url):
    from emergency.cli.main import app

    runner = CliRunner()
    r = runner.invoke(app, ["users", "add", "wang", "--role", "planner", "--database", sqlite_url], input="password-456\npassword-456\n")
    assert r.exit_code == 0, r.output
    assert "password-456" not in r.output  # not echoed
    r = runner.invoke(app, ["users", "add", "zhao", "--role", "planner", "--database", sqlite_url], input="password-456\npassword-457\n")
    assert r.exit_code != 0 and "do not match" in r.output
    engine = open_database(sqlite_url)
    try:
        assert [a.username for a in accounts.list_users(engine)] == ["wang"]
    finally:
        engine.dispose()


def test_cli_tokens_revocation_deactivation_and_password(sqlite_url, monkeypatch, capsys):
    db = ("--database", sqlite_url)
    assert cli(monkeypatch, capsys, "users", "add", "zhang", "--role", "duty_officer", "--password-stdin", *db, stdin=PW + "\n")[0] == 0
    assert cli(monkeypatch, capsys, "users", "add", "admin1", "--role", "admin", "--password-stdin", *db, stdin=PW + "\n")[0] == 0
    code, _, err = cli(monkeypatch, capsys, "users", "token", "zhang", "--password-stdin", *db, stdin="wrong-password\n")
    assert code == 11 and BAD_LOGIN in err
    with clock.use_clock(T0):
        code, out, err = cli(monkeypatch, capsys, "users", "token", "zhang", "--hours", "2", "--password-stdin", *db, stdin=PW + "\n")
    assert code == 0 and "有效至 2026-12-04 22:00（北京时间）" in err
    token = out.strip()
    engine = open_database(sqlite_url)
    try:
        assert token_row(engine, token).expires_at == T0 + timedelta(hours=2)
        with clock.use_clock(T0):
            assert accounts.user_for_token(engine, token).username == "zhang"
            code, out, _ = cli(monkeypatch, capsys, "users", "revoke", "zhang", "--actor", "admin1", *db)
            assert code == 0 and "1 个令牌" in out
            expect_401(engine, token, "revoked", "令牌已撤销")
            code, out, _ = cli(monkeypatch, capsys, "users", "token", "zhang", "--password-stdin", *db, stdin=PW + "\n")
            second = out.strip()
            code, out, _ = cli(monkeypatch, capsys, "users", "deactivate", "zhang", "--actor", "admin1", *db)
            assert code == 0 and "撤销令牌 1 个" in out
            expect_401(engine, second, "revoked", "令牌已撤销")
            assert cli(monkeypatch, capsys, "users", "token", "zhang", "--password-stdin", *db, stdin=PW + "\n")[0] == 11
            code, _, err = cli(monkeypatch, capsys, "users", "deactivate", "admin1", *db)
            assert code == 9 and "最后一个有效的管理员" in err
            code, out, _ = cli(monkeypatch, capsys, "users", "password", "admin1", "--password-stdin", *db, stdin="new-password-9\n")
            assert code == 0 and accounts.authenticate(engine, "admin1", "new-password-9")
            code, out, _ = cli(monkeypatch, capsys, "users", "list", *db)
            assert code == 0 and "zhang" in out and "已停用" in out
            code, _, err = cli(monkeypatch, capsys, "users", "revoke", "nobody", *db)
            assert code == 8
        acts = [(r.actor, r.action, r.target) for r in audit.audit_log(engine, limit=1000)]
        assert ("admin1", "user.revoke_tokens", "zhang") in acts and ("admin1", "user.deactivate", "zhang") in acts
        assert ("cli", "user.set_password", "admin1") in acts
    finally:
        engine.dispose()
