"""Invitations: a one-time code, hashed at rest, that expires; redeemed with the firm's
own password; refused when reused, expired or unknown (audited), throttled over HTTP."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from emergency import clock
from emergency.api.app import create_app
from emergency.cli.main import app as cli_app
from emergency.errors import AuthenticationFailed, Conflict, InputError, NotFound
from emergency.workflow import accounts
from emergency.workflow.security import FailureWindow
from enterprise_registry.db import open_database
from enterprise_registry.uscc import make_uscc
from tests.enterprise.city import C1, C2, NOW, load_city


@pytest.fixture
def engine(db_url):
    e = open_database(db_url)
    with clock.use_clock(NOW):
        load_city(e)
    yield e
    e.dispose()


def test_code_is_single_use_and_hashed_at_rest(engine):
    with clock.use_clock(NOW):
        inv = accounts.invite(engine, "砖厂一", [C1.lower(), C2, C1], actor="bureau", full_name="C1砖厂", hours=2)
        assert inv.usccs == (C1, C2) and inv.expires_at == NOW + timedelta(hours=2)
        with engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT code_sha256, usccs FROM enterprise_invitation")).one()
        assert inv.code not in stored[0] and len(stored[0]) == 64 and json.loads(stored[1]) == [C1, C2]
        with pytest.raises(InputError):  # too short: refused, the code is not spent
            accounts.redeem(engine, inv.code, "short")
        user = accounts.redeem(engine, inv.code.lower().replace("-", " "), "firm-password-1")
        assert (user.username, user.role) == ("砖厂一", "enterprise")
        assert accounts.usccs_of(engine, user) == (C1, C2)
        with pytest.raises(AuthenticationFailed, match="使用过") as info:
            accounts.redeem(engine, inv.code, "another-password")
        assert info.value.extra["reason"] == "used"
        assert accounts.authenticate(engine, "砖厂一", "firm-password-1").role == "enterprise"
        assert [(a.username, a.usccs) for a in accounts.list_users(engine)] == [("砖厂一", (C1, C2))]
        with pytest.raises(AuthenticationFailed, match="邀请码无效"):
            accounts.redeem(engine, "AAAA-BBBB-CCCC-DDDD", "firm-password-1")
    with engine.connect() as conn:
        audit = conn.execute(sa.text("SELECT action, details FROM audit_record WHERE action LIKE 'enterprise.%' ORDER BY id")).all()
    assert [a for a, _ in audit] == ["enterprise.invite", "enterprise.redeem", "enterprise.redeem_failed",
                                      "enterprise.redeem_failed"]
    assert all(inv.code not in (d or "") for _, d in audit)


def test_an_expired_code_is_refused(engine):
    with clock.use_clock(NOW):
        inv = accounts.invite(engine, "砖厂二", [C2], actor="bureau", hours=1)
    with clock.use_clock(NOW + timedelta(hours=1)):
        with pytest.raises(AuthenticationFailed, match="过期") as info:
            accounts.redeem(engine, inv.code, "firm-password-2")
    assert info.value.extra["reason"] == "expired"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM app_user")).scalar() == 0


def test_bad_invitations_are_refused(engine):
    with clock.use_clock(NOW):
        with pytest.raises(InputError, match="统一社会信用代码"):
            accounts.invite(engine, "x1", ["123"], actor="bureau")
        with pytest.raises(NotFound):  # a valid code of a firm not in the list
            accounts.invite(engine, "x1", [make_uscc("91320400000000099")], actor="bureau")
        with pytest.raises(InputError, match="有效期"):
            accounts.invite(engine, "x1", [C1], actor="bureau", hours=10_000)
        accounts.invite(engine, "x1", [C1], actor="bureau")
        with pytest.raises(Conflict, match="未使用的邀请码"):
            accounts.invite(engine, "x1", [C1], actor="bureau")
        with pytest.raises(InputError, match="邀请"):
            accounts.add_user(engine, "x2", "password-123", "enterprise")


def test_redeem_over_http_is_throttled_and_the_cli_invites(db_url):
    app = create_app(db_url)
    engine = app.state.engine
    with clock.use_clock(NOW):
        load_city(engine)
        r = CliRunner().invoke(cli_app, ["users", "invite", "--name", "砖厂三", "--uscc", f"{C1},{C2}", "--database", db_url])
        assert r.exit_code == 0, r.output
        code = r.stdout.strip().splitlines()[0]
        client = TestClient(app)
        app.state.login_failures = FailureWindow(3, timedelta(minutes=5))
        for _ in range(3):
            assert client.post("/api/auth/redeem", json={"code": "WRONG-CODE", "password": "firm-password-3"}).status_code == 401
        r = client.post("/api/auth/redeem", json={"code": code, "password": "firm-password-3"})
        assert r.status_code == 429 and "Retry-After" in r.headers  # not even the right code, from this address
        app.state.login_failures = FailureWindow(3, timedelta(minutes=5))
        r = client.post("/api/auth/redeem", json={"code": code, "password": "firm-password-3"})
        assert r.status_code == 201, r.text
        assert r.json()["usccs"] == sorted([C1, C2]) and r.json()["role"] == "enterprise"
        assert client.post("/api/auth/redeem", json={"code": code, "password": "firm-password-3"}).json()["reason"] == "used"
        tok = client.post("/api/auth/token", json={"username": "砖厂三", "password": "firm-password-3"})
        assert tok.status_code == 200 and tok.json()["role"] == "enterprise"
    engine.dispose()
