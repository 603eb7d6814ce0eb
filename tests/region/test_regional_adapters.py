"""The CLI, the API and the console over the regional-warning service (SQLite): the province
issues and releases; a city's officer and a viewer are refused (403) and nothing is written;
a city's officer reads the regional warnings of its own region, and on the board only its own
row; the board shows who is overdue (red on the page, exit code 21 from the CLI)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from emergency import clock
from emergency.api.app import create_app
from emergency.cli.main import app as cli
from emergency.console.session import COOKIE, csrf_for
from emergency.region.models import RegionalWarning
from emergency.vocabulary import WarningLevel as L
from emergency.workflow import accounts
from emergency.workflow.models import User
from tests.region.trio import BING, DEADLINE, ISSUED, JIA, REGION, REGION_ZH, YI, city_warning, load_cities, policy_dir

AFTER = DEADLINE + timedelta(minutes=1)  # 2026-12-05 00:31 Beijing


def _user(engine, name, role, city=None):
    u = accounts.add_user(engine, name, "password-123", role)
    if city:
        with engine.begin() as conn:
            conn.execute(update(User).where(User.id == u.id).values(city=city))
    return accounts.create_token(engine, u)


@pytest.fixture
def world(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("EMERGENCY_POLICY_DIR", str(policy_dir(tmp_path)))
    monkeypatch.setenv("EMERGENCY_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("EMERGENCY_TOKEN_HOURS", "72")  # the sessions outlive the 24 h to respond
    with clock.use_clock(ISSUED):
        app = create_app(sqlite_url)
        engine = app.state.engine
        load_cities(engine)
        tokens = {"province": _user(engine, "province", "duty_officer"), "viewer": _user(engine, "viewer", "viewer"),
                  "jia": _user(engine, "jia-officer", "duty_officer", JIA),
                  "yi": _user(engine, "yi-officer", "duty_officer", YI)}
    yield app, engine, tokens
    engine.dispose()


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(RegionalWarning)).scalar_one()


def test_api(world):
    app, engine, tokens = world
    client = TestClient(app)
    h = {k: {"Authorization": f"Bearer {t}"} for k, t in tokens.items()}
    body = {"region": REGION, "level": "orange", "start": "2026-12-05T00:00", "end": "2026-12-08T00:00"}
    with clock.use_clock(ISSUED):
        regions = client.get("/api/regions", headers=h["viewer"]).json()
        assert {r["name"] for r in regions} >= {"fenwei", "jingjinji_2_26", "demo", REGION}
        fenwei = next(r for r in regions if r["name"] == "fenwei")
        assert "杨凌示范区" in fenwei["cities"] and "三门峡市" in fenwei["cities"] and fenwei["response_within_hours"] == 24
        assert len(next(r for r in regions if r["name"] == "jingjinji_2_26")["cities"]) == 28
        for who in ("jia", "viewer"):
            r = client.post("/api/regions/warnings", json=body, headers=h[who])
            assert r.status_code == 403, (who, r.text)
        assert _count(engine) == 0
        r = client.post("/api/regions/warnings", json=body, headers=h["province"])
        assert r.status_code == 201, r.text
        rw = r.json()
        assert (rw["cities"], rw["start"], rw["deadline"]) == ([JIA, YI, BING], "2026-12-05T00:00:00+08:00",
                                                               "2026-12-05T00:30:00+08:00")
        assert client.post("/api/regions/warnings", json=body, headers=h["province"]).status_code == 409
        assert client.post("/api/regions/warnings", json={**body, "region": "x"}, headers=h["province"]).status_code == 404
        assert client.post("/api/regions/warnings", json={**body, "extra": 1}, headers=h["province"]).status_code == 422
        city_warning(engine, JIA, L.ORANGE)
    with clock.use_clock(AFTER):
        got = client.get(f"/api/regions/warnings/{rw['id']}/board", headers=h["province"])
        assert got.status_code == 200, got.text
        board = got.json()
        assert [(r["city"], r["status"], r["overdue"]) for r in board["rows"]] == [
            (JIA, "responded", False), (YI, "overdue", True), (BING, "overdue", True)]
        assert board["overdue"] == [YI, BING] and board["rows"][0]["responded_at"] == "2026-12-04T00:30:00+08:00"
        mine = client.get(f"/api/regions/warnings/{rw['id']}/board", headers=h["yi"]).json()
        assert [r["city"] for r in mine["rows"]] == [YI] and JIA not in json.dumps(mine["rows"])
        assert [w["id"] for w in client.get("/api/regions/warnings", headers=h["jia"]).json()] == [rw["id"]]
        assert client.get(f"/api/regions/warnings/{rw['id']}", headers=h["yi"]).status_code == 200
        r = client.post(f"/api/regions/warnings/{rw['id']}/release", json={"reason": "好转"}, headers=h["jia"])
        assert r.status_code == 403
        r = client.post(f"/api/regions/warnings/{rw['id']}/release", json={"reason": "好转"}, headers=h["province"])
        assert r.status_code == 200 and r.json()["state"] == "released" and r.json()["release_reason"] == "好转"
        assert client.get("/api/regions/warnings", params={"active": True}, headers=h["province"]).json() == []


def test_console(world):
    app, engine, tokens = world
    client = TestClient(app)
    form = {"region": REGION, "level": "orange", "start": "2026-12-05T00:00", "end": "2026-12-08T00:00"}
    with clock.use_clock(ISSUED):
        client.cookies.set(COOKIE, tokens["province"])
        page = client.get("/regions")
        assert page.status_code == 200 and 'id="regional-form"' in page.text and "汾渭平原" in page.text
        assert client.post("/regions/warnings", data=form).status_code == 403  # no CSRF token: nothing done
        assert client.post("/regions/warnings", data={**form, "csrf": "x" * 64}).status_code == 403
        assert _count(engine) == 0
        client.cookies.set(COOKIE, tokens["jia"])
        page = client.get("/regions")
        assert page.status_code == 200 and 'id="regional-form"' not in page.text
        r = client.post("/regions/warnings", data={**form, "csrf": csrf_for(tokens["jia"])}, follow_redirects=False)
        assert r.status_code == 403 and _count(engine) == 0
        client.cookies.set(COOKIE, tokens["province"])
        r = client.post("/regions/warnings", data={**form, "csrf": csrf_for(tokens["province"])}, follow_redirects=False)
        assert r.status_code == 303, r.text[:300]
        rid = int(r.headers["location"].rsplit("/", 1)[1])
        city_warning(engine, YI, L.RED)
    with clock.use_clock(AFTER):
        page = client.get(f"/regions/warnings/{rid}")
        assert page.status_code == 200 and 'id="overdue"' in page.text
        assert "逾期未按要求响应：甲市、丙市" in page.text and "已响应（更高级别，从高执行）" in page.text
        assert '<tr class="bad"><td>甲市</td>' in page.text and '<tr class=""><td>乙市</td>' in page.text
        client.cookies.set(COOKIE, tokens["jia"])
        own = client.get(f"/regions/warnings/{rid}")
        assert own.status_code == 200 and "乙市" not in own.text.split('id="board"')[1] and 'id="release-form"' not in own.text
        home = client.get("/regions")
        assert f'id="regional-{rid}"' in home.text and "逾期未响应" in home.text  # the city's own banner, in red
        r = client.post(f"/regions/warnings/{rid}/release", data={"csrf": csrf_for(tokens["jia"])}, follow_redirects=False)
        assert r.status_code == 403
        client.cookies.set(COOKIE, tokens["province"])
        r = client.post(f"/regions/warnings/{rid}/release", data={"csrf": csrf_for(tokens["province"]), "reason": "好转"},
                        follow_redirects=False)
        assert r.status_code == 303
        assert "已解除" in client.get(f"/regions/warnings/{rid}").text


def test_cli(world, monkeypatch):
    _, engine, _ = world
    run = CliRunner().invoke
    r = run(cli, ["region", "list"])
    assert r.exit_code == 0 and "汾渭平原" in r.output and "28" in r.output, r.output
    r = run(cli, ["region", "show", "汾渭平原"])
    assert r.exit_code == 0 and "杨凌示范区" in r.output and "待核实" in r.output
    r = run(cli, ["region", "show", "nowhere"])
    assert r.exception is not None and "汾渭平原" in r.exception.message  # NotFound naming the known regions
    monkeypatch.setenv("EMERGENCY_NOW", "2026-12-04T00:30")  # Beijing = ISSUED
    r = run(cli, ["region", "issue", REGION_ZH, "--level", "orange", "--start", "2026-12-05T00:00",
                  "--end", "2026-12-08T00:00", "--actor", "省值班员"])
    assert r.exit_code == 0 and "2026-12-05 00:30 前响应" in r.output, r.output
    with clock.use_clock(ISSUED):
        city_warning(engine, JIA, L.ORANGE)
        city_warning(engine, YI, L.ORANGE)
    r = run(cli, ["region", "board", "1"])
    assert r.exit_code == 0 and "待响应" in r.output, r.output
    monkeypatch.setenv("EMERGENCY_NOW", "2026-12-05T00:31")
    r = run(cli, ["region", "board", "1"])
    assert r.exit_code == 21 and "逾期未按要求响应：丙市" in r.output, r.output
    r = run(cli, ["region", "list", "--warnings"])
    assert r.exit_code == 0 and REGION_ZH in r.output
    r = run(cli, ["region", "release", "1", "--reason", "好转"])
    assert r.exit_code == 0 and "已解除区域预警 #1" in r.output
