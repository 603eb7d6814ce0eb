"""Cities kept apart in one deployment: every route of the application, walked with a
city's accounts (甲市), never answers with another city's (乙市) warnings, firms or list,
and never acts on them; the province sees both.

Two hand-made cities, each with a county called 城区 (and a 郊县): their lists, a warning
for each city's own 城区 issued at the same moment (claims are per city: both succeed),
a rotation plan of 乙市. :data:`CITY_DECISIONS` names how each route without a
``{warning_id}`` is kept apart (every ``{warning_id}`` route is scoped by the API's and
the console's permission dependencies and is probed here for a 404): a route added
without a decision fails :func:`test_every_route_has_a_city_decision`.
"""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from emergency import clock
from emergency.api.app import create_app
from emergency.console.session import COOKIE, csrf_for
from emergency.errors import InputError, NotFound
from emergency.workflow import accounts, scope
from emergency.workflow import lifecycle as wf
from enterprise_registry import service as registry
from enterprise_registry.uscc import make_uscc
from tests.enterprise.city import END, NOW, START
from tests.enterprise.test_route_scoping import app_routes
from tests.rotation.factory import firm, tables, uscc as factory_uscc

JIA, YI = "甲市", "乙市"
CODES = {JIA: [make_uscc(f"913204000000000{n}") for n in (11, 12, 13)],
         YI: [make_uscc(f"913205000000000{n}") for n in (21, 22, 23)]}
NAMES = {JIA: ["甲一砖厂", "甲二砖厂", "甲三砖厂"], YI: ["乙一砖厂", "乙二砖厂", "乙三砖厂"]}
VERSIONS = {JIA: "甲市清单2026", YI: "乙市清单2026"}

# How a route without {warning_id} keeps cities apart:
LISTS = "lists"  # answers rows of the account's city only (the province: all, or ?city=)
PICKS = "picks"  # acts on one city's list: the account's own (the province names it)
BY_ID = "by_id"  # another city's object by id (a firm, a list version, a rotation plan, a user) is 404
NONE = "none"  # holds no city's data (sign-in, docs, static files, forms, uploads of readings)
FIRMS = "firms"  # an enterprise account's own routes: a bureau account is refused (403)
CITY_DECISIONS: dict[tuple[str, str], str] = {
    ("GET", "/openapi.json"): NONE, ("MOUNT", "/static/swagger-ui"): NONE, ("GET", "/docs"): NONE,
    ("POST", "/api/auth/token"): NONE, ("POST", "/api/auth/redeem"): NONE, ("POST", "/api/auth/logout"): NONE,
    ("GET", "/api/me"): NONE,  # names the account's own city
    ("GET", "/api/users"): LISTS, ("POST", "/api/users"): PICKS,
    ("POST", "/api/users/{username}/revoke-tokens"): BY_ID, ("POST", "/api/users/{username}/deactivate"): BY_ID,
    ("GET", "/api/registry/versions"): LISTS, ("GET", "/api/registry/enterprises"): PICKS,
    ("GET", "/api/registry/enterprises/{uscc}"): BY_ID,
    ("POST", "/api/registry/import"): PICKS,  # its own city's lists only (test_a_city_account_imports_…)
    ("GET", "/api/registry/versions/{version}/check"): BY_ID,
    ("POST", "/api/plans/preview"): PICKS, ("GET", "/api/warnings"): LISTS, ("POST", "/api/warnings"): PICKS,
    ("POST", "/api/compliance/electricity"): NONE, ("GET", "/api/audit"): LISTS,
    ("POST", "/api/evaluation/cems"): NONE, ("POST", "/api/evaluation/observations"): NONE,
    ("GET", "/api/enterprise/me"): FIRMS, ("GET", "/api/enterprise/firms"): FIRMS,
    ("GET", "/api/enterprise/rotation"): FIRMS, ("GET", "/api/enterprise/orders"): FIRMS,
    ("GET", "/login"): NONE, ("POST", "/login"): NONE, ("POST", "/logout"): NONE, ("MOUNT", "/console-static"): NONE,
    ("GET", "/"): LISTS, ("POST", "/forecast/evaluate"): PICKS,
    ("GET", "/warnings"): LISTS, ("GET", "/warnings/new"): PICKS, ("POST", "/warnings/preview"): PICKS,
    ("POST", "/warnings/issue"): PICKS, ("GET", "/compliance"): LISTS, ("POST", "/compliance/electricity"): LISTS,
    ("GET", "/registry"): PICKS, ("GET", "/registry/firms/{uscc}"): BY_ID, ("POST", "/registry/import"): PICKS,
    ("GET", "/registry/check"): PICKS, ("GET", "/registry/check.xlsx"): PICKS,
    ("GET", "/map"): LISTS, ("GET", "/map/points.json"): PICKS,
    ("GET", "/rotation"): LISTS, ("POST", "/rotation/plan"): PICKS, ("GET", "/rotation/runs/{run_id}"): BY_ID,
    ("GET", "/rotation/{plan}/rotation.xlsx"): BY_ID, ("GET", "/rotation/{plan}/ics/{uscc}.ics"): BY_ID,
    ("GET", "/scenarios"): NONE, ("POST", "/scenarios/run"): NONE, ("POST", "/scenarios/compare"): NONE,
    ("GET", "/audit"): LISTS, ("GET", "/users"): LISTS, ("POST", "/users"): PICKS,
    ("POST", "/users/{username}/revoke"): BY_ID, ("POST", "/users/{username}/deactivate"): BY_ID,
    ("GET", "/evaluation"): LISTS, ("POST", "/evaluation/cems"): LISTS, ("POST", "/evaluation/observations"): LISTS,
    ("GET", "/firm"): FIRMS, ("GET", "/firm/measures"): FIRMS, ("GET", "/firm/rotation"): FIRMS,
    ("GET", "/firm/compliance"): FIRMS, ("GET", "/firm/redeem"): NONE, ("POST", "/firm/redeem"): NONE,
    # --- issue 18: regions and regional warnings (emergency/region) ---
    # the regions are policy data; a regional warning is the province's, a city's account reads those obliging
    # its city and its own row of the board (emergency.region.service.check_visible / board(user=))
    ("GET", "/api/regions"): NONE, ("GET", "/api/regions/warnings"): LISTS, ("POST", "/api/regions/warnings"): PICKS,
    ("GET", "/api/regions/warnings/{regional_id}"): BY_ID, ("POST", "/api/regions/warnings/{regional_id}/release"): BY_ID,
    ("GET", "/api/regions/warnings/{regional_id}/board"): BY_ID,
    ("GET", "/regions"): LISTS, ("POST", "/regions/warnings"): PICKS, ("GET", "/regions/warnings/{regional_id}"): BY_ID,
    ("POST", "/regions/warnings/{regional_id}/release"): BY_ID,
    # --- issue 18: joint plans (emergency/joint) ---
}
SKIPPED = {("POST", "/logout"), ("POST", "/api/auth/logout")}  # they end the probing session


def city_tables(city: str):
    firms = [firm("1", county="城区", name=NAMES[city][0]), firm("2", county="城区", name=NAMES[city][1], lines=2),
             firm("3", county="郊县", name=NAMES[city][2])]
    t = tables(firms, city=city)
    t.version["name"] = VERSIONS[city]
    for p in ("so2", "nox", "pm"):
        t.areas[f"base_{p}"] = [60.0] * len(t.areas["name"])
    t.areas["listed_share_vocs"] = [0.0] * len(t.areas["name"])
    real = {factory_uscc(str(i)): code for i, code in enumerate(CODES[city], start=1)}
    t.enterprises["uscc"] = [real[u] for u in t.enterprises["uscc"]]
    t.lines["uscc"] = [real[u] for u in t.lines["uscc"]]
    return t


def rotation_doc(city: str) -> dict:
    """A stored season plan of ``city`` (by hand: the walk needs one to exist, not a solve)."""
    code = CODES[city][0]
    return {"season": "2026-2027", "area": city, "registry_version": VERSIONS[city], "status": "optimal",
            "status_zh": "最优", "created_at": "2026-12-01T00:00:00+00:00", "window": ["2026-11-15", "2027-03-15"], "days": 121, "gap": 0.0,
            "summary": {"stop_line_days": 3}, "industries": {"brick": "砖瓦"}, "warnings": [],
            "lines": [{"uscc": code, "enterprise": NAMES[city][0], "line_id": f"{code}/L01", "line_name": "1#窑炉",
                       "county": "城区", "industry": "brick", "grade": "C", "role": "rotate", "required_days": 3, "counted_days": 3,
                       "stop_days": 3, "blocks": [["2026-12-01", "2026-12-03"]]}]}


def bearer(engine, user) -> dict:
    return {"Authorization": f"Bearer {accounts.create_token(engine, user)}"}


@pytest.fixture
def world(db_url, tmp_path, monkeypatch):
    from emergency.rotation.service import save_plan

    monkeypatch.setenv("EMERGENCY_DATA_DIR", str(tmp_path / "data"))
    with clock.use_clock(NOW):
        app = create_app(db_url)
        engine = app.state.engine
        for city in (JIA, YI):
            registry.import_tables(engine, city_tables(city))
        users = {
            "jia_admin": accounts.add_user(engine, "jia-admin", "password-123", "admin", city=JIA),
            "jia_officer": accounts.add_user(engine, "jia-officer", "password-123", "duty_officer", city=JIA),
            "yi_officer": accounts.add_user(engine, "yi-officer", "password-123", "duty_officer", city=YI),
            "province": accounts.add_user(engine, "province", "password-123", "duty_officer"),
        }
        tokens = {k: accounts.create_token(engine, u) for k, u in users.items()}
        plan_id = save_plan(engine, rotation_doc(YI))
    yield app, tokens, plan_id
    engine.dispose()


def _issue(client, token, **extra):
    body = {"level": "orange", "areas": ["城区"], "start": START.isoformat(), "end": END.isoformat(),
            "accept_shortfall": True, **extra}
    return client.post("/api/warnings", json=body, headers={"Authorization": f"Bearer {token}"})


def test_two_cities_issue_for_their_own_城区_and_a_city_account_sees_only_its_own(world):
    app, tokens, _ = world
    client = TestClient(app)
    h = {k: {"Authorization": f"Bearer {t}"} for k, t in tokens.items()}
    with clock.use_clock(NOW):
        refused = _issue(client, tokens["province"])  # several cities' lists: the province names the city
        assert refused.status_code == 400 and "城市" in refused.json()["detail"]
        a = _issue(client, tokens["jia_officer"])  # a city's account plans from its own city's list
        b = _issue(client, tokens["province"], city=YI)
        assert a.status_code == 201 and b.status_code == 201, (a.text[:300], b.text[:300])
        assert (a.json()["city"], a.json()["registry_version"], a.json()["areas"]) == (JIA, VERSIONS[JIA], ["城区"])
        assert (b.json()["city"], b.json()["registry_version"], b.json()["areas"]) == (YI, VERSIONS[YI], ["城区"])
        # 甲市's account naming 乙市 is refused as if 乙市 did not exist
        assert _issue(client, tokens["jia_officer"], city=YI).status_code == 404
        # each city's 城区 is held by its own warning: a second 甲市 warning there collides with the first only
        again = _issue(client, tokens["jia_officer"])
        assert again.status_code == 409 and again.json()["warnings"] == [a.json()["id"]]

        assert [w["id"] for w in client.get("/api/warnings", headers=h["jia_officer"]).json()] == [a.json()["id"]]
        assert [w["id"] for w in client.get("/api/warnings", headers=h["yi_officer"]).json()] == [b.json()["id"]]
        both = client.get("/api/warnings", headers=h["province"]).json()
        assert sorted(w["id"] for w in both) == sorted([a.json()["id"], b.json()["id"]])
        only_yi = client.get("/api/warnings", params={"city": YI}, headers=h["province"]).json()
        assert [w["id"] for w in only_yi] == [b.json()["id"]]
        assert client.get(f"/api/warnings/{b.json()['id']}", headers=h["jia_officer"]).status_code == 404
        assert client.get(f"/api/warnings/{b.json()['id']}", headers=h["province"]).status_code == 200
        me = client.get("/api/me", headers=h["jia_officer"]).json()
        assert me == {"username": "jia-officer", "role": "duty_officer", "city": JIA}
        assert client.get("/api/me", headers=h["province"]).json()["city"] is None
        versions = client.get("/api/registry/versions", headers=h["jia_officer"]).json()
        assert [v["name"] for v in versions] == [VERSIONS[JIA]]
        firms = client.get("/api/registry/enterprises", headers=h["jia_officer"]).json()
        assert sorted(f["uscc"] for f in firms["items"]) == sorted(CODES[JIA])
        assert client.get("/api/registry/enterprises", headers=h["province"]).status_code == 400  # which city?
        yi_firms = client.get("/api/registry/enterprises", params={"city": YI}, headers=h["province"]).json()
        assert sorted(f["uscc"] for f in yi_firms["items"]) == sorted(CODES[YI])


def _fill(path: str, ids: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)


def test_every_route_has_a_city_decision(world):
    app, _, _ = world
    without_id = {r for r in app_routes(app) if "{warning_id}" not in r[1]}
    missing = sorted(without_id - CITY_DECISIONS.keys())
    assert not missing, f"routes without a city decision (add them to CITY_DECISIONS): {missing}"
    assert not CITY_DECISIONS.keys() - without_id, "decisions for routes that no longer exist"


def test_a_city_account_never_sees_nor_touches_another_citys_warnings(world):
    """Every route, probed by 甲市's administrator (every bureau permission: only the city
    can stop it) and 甲市's duty officer with 乙市's warning, firm, list version, rotation
    plan and officer: 404 for every id of 乙市, and no answer names 乙市's firms; 乙市's
    warning is untouched. The province reads 乙市's."""
    app, tokens, plan_id = world
    engine = app.state.engine
    client = TestClient(app)
    with clock.use_clock(NOW):
        a = _issue(client, tokens["jia_officer"]).json()
        b = _issue(client, tokens["yi_officer"]).json()
        before = wf.get_warning(engine, b["id"])
    ids = {"warning_id": str(b["id"]), "uscc": CODES[YI][0], "version": "1", "version_no": "1", "old": "1", "new": "1",
           "username": "yi-officer", "index": "0", "run_id": "abcdefghijkl", "plan": str(plan_id), "report_id": "1",
           "regional_id": "1"}
    leaks = [*CODES[YI], *NAMES[YI], YI]
    routes = sorted(r for r in app_routes(app) if r[0] != "MOUNT" and r not in SKIPPED)
    assert len(routes) > 100
    probed = 0
    with clock.use_clock(NOW):
        for who in ("jia_admin", "jia_officer"):
            token = tokens[who]
            for method, path in routes:
                filled = _fill(path, ids)
                if path == "/api/registry/versions/{version}/check":
                    filled = f"/api/registry/versions/{VERSIONS[YI]}/check"
                for params in ({}, {"warning": b["id"], "version": VERSIONS[YI]}):
                    if path.startswith("/api/"):
                        r = client.request(method, filled, params=params, headers={"Authorization": f"Bearer {token}"})
                    else:
                        client.cookies.set(COOKIE, token)
                        r = client.request(method, filled, params=params, follow_redirects=False,
                                           data={"csrf": csrf_for(token)} if method == "POST" else None)
                        client.cookies.clear()
                    probed += 1
                    where = (who, method, path, params, r.status_code)
                    shown = r.text
                    if r.status_code >= 400:  # a refusal may echo the code or version asked for, nothing more
                        shown = shown.replace(ids["uscc"], "").replace(VERSIONS[YI], "")
                    for leak in leaks:
                        assert leak not in shown, (*where, leak, r.text[:300])
                    assert f"/warnings/{b['id']}" not in r.text, where
                    if r.headers.get("content-type", "").startswith("application/json") and r.status_code == 200:
                        assert b["id"] not in _warning_ids(r.json()), where
                    if "{warning_id}" in path and not path.startswith(("/api/enterprise/", "/firm/")):
                        refused = (404,) if who == "jia_admin" else (403, 404)
                        assert r.status_code in refused, (*where, r.text[:200])
                    if CITY_DECISIONS.get((method, path)) == BY_ID and who == "jia_admin":
                        assert r.status_code in (403, 404, 422), (*where, r.text[:200])
                    if (method, path) == ("GET", "/map/points.json") and params:
                        assert r.status_code == 404, where
        after = wf.get_warning(engine, b["id"])
    assert probed > 400
    assert (after[0].state, after[0].row_version, len(after[1])) == (before[0].state, before[0].row_version, len(before[1]))
    assert accounts.user_for_token(engine, tokens["yi_officer"]).active  # not deactivated, tokens not revoked

    # 甲市's own: its warning and pages answer; the province reads both cities'
    h = {"Authorization": f"Bearer {tokens['jia_officer']}"}
    assert client.get(f"/api/warnings/{a['id']}/plans/1", headers=h).status_code == 200
    client.cookies.set(COOKIE, tokens["jia_officer"])
    page = client.get("/warnings")
    assert page.status_code == 200 and f"/warnings/{a['id']}" in page.text
    assert "jia-officer（值班员 · 甲市）" in page.text
    assert client.get(f"/warnings/{a['id']}").status_code == 200
    assert client.get("/registry").status_code == 200 and NAMES[JIA][0] in client.get("/registry").text
    client.cookies.set(COOKIE, tokens["province"])
    page = client.get("/warnings")
    assert f"/warnings/{a['id']}" in page.text and f"/warnings/{b['id']}" in page.text
    assert NAMES[YI][0] in client.get(f"/warnings/{b['id']}/plans/1").text
    ics = client.get(f"/rotation/{plan_id}/ics/{CODES[YI][0]}.ics")
    assert ics.status_code == 200 and NAMES[YI][0] in ics.text
    client.cookies.clear()
    hp = {"Authorization": f"Bearer {tokens['province']}"}
    assert client.get(f"/api/warnings/{b['id']}/receipts", headers=hp).status_code == 200


def _warning_ids(body) -> set:
    """The warning ids a JSON list of warnings names (``id`` of rows with a ``state``)."""
    rows = body if isinstance(body, list) else body.get("items", []) if isinstance(body, dict) else []
    return {r.get("id") for r in rows if isinstance(r, dict) and "state" in r}


def test_accounts_carry_a_known_city(world):
    app, tokens, _ = world
    engine = app.state.engine
    with pytest.raises(InputError, match="丙市"):
        accounts.add_user(engine, "bing", "password-123", "viewer", city="丙市")
    client = TestClient(app)
    jia_admin = {"Authorization": f"Bearer {tokens['jia_admin']}"}
    listed = client.get("/api/users", headers=jia_admin).json()
    assert {u["username"] for u in listed} == {"jia-admin", "jia-officer"}  # a city's administrator: its city's
    r = client.post("/api/users", headers=jia_admin, json={"username": "jia-viewer", "password": "password-123",
                                                           "role": "viewer"})
    assert r.status_code == 201 and r.json()["city"] == JIA  # made in its own city
    r = client.post("/api/users", headers=jia_admin, json={"username": "x-viewer", "password": "password-123",
                                                           "role": "viewer", "city": YI})
    assert r.status_code == 404
    assert client.post("/api/users/yi-officer/deactivate", headers=jia_admin).status_code == 404
    with clock.use_clock(NOW):
        admin = accounts.add_user(engine, "root", "password-123", "admin")
    r = client.post("/api/users", headers=bearer(engine, admin), json={"username": "yi-viewer", "password": "password-123",
                                                                        "role": "viewer", "city": YI})
    assert r.status_code == 201 and r.json()["city"] == YI
    r = client.post("/api/users", headers=bearer(engine, admin), json={"username": "z-viewer", "password": "password-123",
                                                                        "role": "viewer", "city": "丙市"})
    assert r.status_code == 400 and "丙市" in r.json()["detail"]
    # the console's users page: the city column and the choice of city
    client.cookies.set(COOKIE, tokens["jia_admin"])
    page = client.get("/users").text
    assert "yi-officer" not in page and '<option value="甲市">甲市</option>' in page and YI not in page
    r = client.post("/users/yi-officer/revoke", data={"csrf": csrf_for(tokens["jia_admin"])}, follow_redirects=False)
    assert r.status_code == 404


def test_the_scope_helper():
    class U:
        def __init__(self, city):
            self.city = city

    class W:
        def __init__(self, i, city):
            self.id, self.city = i, city

    ws = [W(1, JIA), W(2, YI)]
    assert [w.id for w in scope.visible(U(JIA), ws)] == [1]
    assert [w.id for w in scope.visible(U(None), ws)] == [1, 2]
    assert [w.id for w in scope.visible(U(None), ws, YI)] == [2]
    assert [w.id for w in scope.visible(U(JIA), ws, JIA)] == [1]
    with pytest.raises(NotFound):
        scope.visible(U(JIA), ws, YI)
    with pytest.raises(NotFound):
        scope.check_city(U(JIA), YI)
    scope.check_city(U(None), YI)
    assert scope.chosen_city(U(None), " ") is None and scope.chosen_city(U(JIA)) == JIA
    assert json.dumps(scope.city_label(U(None)), ensure_ascii=False) == '"全部城市"'


def test_the_cli_names_the_city_when_several_cities_have_lists(sqlite_url, monkeypatch):
    """``warning issue``, ``warning list`` and ``users add`` with ``--city``; without it, a
    deployment of several cities asks which (an InputError: the CLI's message and exit code)."""
    from typer.testing import CliRunner

    from emergency.cli.main import app
    from enterprise_registry.db import open_database

    engine = open_database(sqlite_url)
    for city in (JIA, YI):
        registry.import_tables(engine, city_tables(city))
    run = CliRunner().invoke
    db = ["--database", sqlite_url]
    period = ["--level", "orange", "--start", "2026-12-05T00:00", "--end", "2026-12-08T00:00", "--area", "城区",
              "--accept-shortfall"]
    monkeypatch.setenv("EMERGENCY_NOW", NOW.isoformat())
    asked = run(app, ["warning", "issue", *period, *db])
    assert isinstance(asked.exception, InputError) and "请指定城市" in asked.exception.message  # run() prints it
    for city in (YI, JIA):  # both cities' 城区, one after the other: claims are per city
        r = run(app, ["warning", "issue", *period, "--city", city, *db])
        assert r.exit_code == 0, r.output
    ws = {w.city: w for w in wf.list_warnings(engine)}
    assert set(ws) == {JIA, YI} and ws[YI].registry_version == VERSIONS[YI] and json.loads(ws[YI].areas) == ["城区"]
    listed = run(app, ["warning", "list", "--city", JIA, *db]).output
    assert f"预警 {ws[JIA].id} " in listed and f"预警 {ws[YI].id} " not in listed

    r = run(app, ["users", "add", "yi-viewer", "--role", "viewer", "--city", YI, "--password-stdin", *db],
            input="password-123\n")
    assert r.exit_code == 0 and "乙市" in r.output
    assert next(a for a in accounts.list_users(engine) if a.username == "yi-viewer").city == YI
    r = run(app, ["users", "add", "xx-viewer", "--role", "viewer", "--city", "丙市", "--password-stdin", *db], input="password-123\n")
    assert isinstance(r.exception, InputError) and "丙市" in r.exception.message
    engine.dispose()


def test_two_cities_issue_for_their_城区_at_the_same_moment(db_url):
    """Both threads read the claims on 城区 before either writes (held at a barrier):
    each city's 城区 is its own claim (``<city>/城区``), so both warnings are issued."""
    import threading

    from sqlalchemy import event

    from emergency.vocabulary import WarningLevel
    from enterprise_registry.db import open_database

    engine = open_database(db_url)
    for city in (JIA, YI):
        registry.import_tables(engine, city_tables(city))
    barrier, held, outcomes = threading.Barrier(2, timeout=30), set(), {}

    def hold(conn, cursor, statement, parameters, context, executemany):
        me = threading.get_ident()
        if me in names and me not in held and statement.lstrip().upper().startswith("SELECT") and "active_area" in statement:
            held.add(me)
            barrier.wait()

    def issue(city):
        names[threading.get_ident()] = city
        try:
            w, _ = wf.issue_warning(engine, actor=city, level=WarningLevel.ORANGE, areas=["城区"], start=START, end=END,
                                    registry_version=VERSIONS[city], accept_shortfall=True)
            outcomes[city] = w.city
        except Exception as exc:  # noqa: BLE001 - the outcome is the assertion
            outcomes[city] = repr(exc)

    names: dict[int, str] = {}
    event.listen(engine, "before_cursor_execute", hold)
    try:
        with clock.use_clock(NOW):
            threads = [threading.Thread(target=issue, args=(c,)) for c in (JIA, YI)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(90)
    finally:
        event.remove(engine, "before_cursor_execute", hold)
    assert outcomes == {JIA: JIA, YI: YI}
    assert len(held) == 2  # both really read the claims before either wrote
    with engine.connect() as conn:
        claims = sorted(r[0] for r in conn.exec_driver_sql("SELECT area FROM active_area"))
    assert set(claims) == {f"{JIA}/城区", f"{YI}/城区"} and len(claims) == 2
    engine.dispose()


def test_a_city_account_imports_its_own_citys_lists_only(world, tmp_path):
    """A 乙市 list uploaded by 甲市's account is refused, so is a 甲市 list named like
    乙市's version (``replace`` would delete 乙市's list); its own city's new version is
    imported. The province imports any city's."""
    from enterprise_registry.listfiles import write_list_file

    app, tokens, _ = world
    client = TestClient(app)

    def upload(token, tables, name, replace=False):
        path = write_list_file(tables, tmp_path / name)
        with path.open("rb") as f:
            return client.post("/api/registry/import", params={"replace": replace},
                               files={"file": (name, f, "application/octet-stream")},
                               headers={"Authorization": f"Bearer {token}"})

    with clock.use_clock(NOW):
        yi = city_tables(YI)
        yi.version["name"] = "乙市清单2027"
        r = upload(tokens["jia_admin"], yi, "yi.xlsx")
        assert r.status_code == 403 and "只能导入甲市的清单" in r.json()["detail"]
        taken = city_tables(JIA)
        taken.version["name"] = VERSIONS[YI]
        r = upload(tokens["jia_admin"], taken, "taken.xlsx", replace=True)
        assert r.status_code == 409
        assert [v["name"] for v in registry.list_versions(app.state.engine) if v["city"] == YI] == [VERSIONS[YI]]
        mine = city_tables(JIA)
        mine.version["name"] = "甲市清单2027"
        r = upload(tokens["jia_admin"], mine, "jia.xlsx")
        assert r.status_code == 201 and r.json()["version"] == "甲市清单2027"
        root = accounts.add_user(app.state.engine, "root", "password-123", "admin")
        r = upload(accounts.create_token(app.state.engine, root), yi, "yi.xlsx")
        assert r.status_code == 201 and r.json()["version"] == "乙市清单2027"


def test_a_city_account_uploads_readings_of_its_own_citys_firms_only(world):
    """Electricity readings are keyed by firm: 甲市's officer uploading a file with one of
    乙市's firms imports nothing (the whole file), its own firms' readings go in; the province
    uploads any city's."""
    import sqlalchemy as sa

    app, tokens, _ = world
    client = TestClient(app)

    def upload(token, codes):
        body = "统一社会信用代码,日期,用电量(kWh)\n" + "".join(f"{c},2026-12-01,100\n" for c in codes)
        return client.post("/api/compliance/electricity", files={"file": ("电.csv", body.encode(), "text/csv")},
                           headers={"Authorization": f"Bearer {token}"})

    def stored() -> int:
        with app.state.engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM electricity_reading")).scalar()

    with clock.use_clock(NOW):
        r = upload(tokens["jia_officer"], [CODES[JIA][0], CODES[YI][0]])
        assert r.status_code == 400 and CODES[YI][0] in r.json()["detail"] and "不在甲市的清单中" in r.json()["detail"]
        assert stored() == 0
        assert upload(tokens["jia_officer"], CODES[JIA]).status_code == 201 and stored() == 3
        assert upload(tokens["province"], [CODES[YI][0]]).status_code == 201 and stored() == 4


def test_a_city_accounts_cems_import_knows_only_its_own_citys_firms(world):
    """CEMS readings are checked against the importing account's city's list: 乙市's firm in
    甲市's file is an unknown firm (located, nothing imported); the province names a list."""
    app, tokens, _ = world
    client = TestClient(app)

    def upload(token, code):
        body = ("统一社会信用代码,排放口编号,监测时间,污染物,实测浓度(mg/m³),标干流量(m³/h)\n"
                f"{code},DA001,2026-12-01 08:00,SO2,20,10000\n")
        return client.post("/api/evaluation/cems", files={"file": ("cems.csv", body.encode(), "text/csv")},
                           headers={"Authorization": f"Bearer {token}"})

    with clock.use_clock(NOW):
        r = upload(tokens["jia_officer"], CODES[YI][0])
        assert r.status_code == 422 and CODES[YI][0] in str(r.json())
        assert upload(tokens["jia_officer"], CODES[JIA][0]).status_code == 201


def test_the_home_page_suggests_a_citys_own_warnings_only(world):
    """The scheduler's suggestions name their city: 甲市's officer sees 甲市's, the province
    both (an older suggestion without a city is shown to all)."""
    from emergency.console.pages.home import suggestions
    from emergency.scheduler.dispatch import record
    from emergency.scheduler.warnings import KIND_SUGGESTION

    app, _, _ = world
    engine = app.state.engine
    with clock.use_clock(NOW):
        for city, scope_ in ((JIA, "甲:orange"), (YI, "乙:orange"), (None, "old:orange")):
            payload = {"area": "城区", "level": "orange", **({"city": city} if city else {})}
            record(engine, day=clock.today(), kind=KIND_SUGGESTION, scope=scope_, status="suggested",
                   payload=payload, now=clock.now())
        mine = suggestions(engine, JIA)
        everyone = suggestions(engine, None)
    assert len(mine) == 2 and len(everyone) == 3


def test_another_citys_forecast_evaluation_is_not_evidence_for_a_warning(world):
    """The issue form carries an evaluation's id: one recorded for 乙市 is not 甲市's."""
    from emergency.console import forecasts
    from emergency.workflow import audit

    app, _, _ = world
    engine = app.state.engine
    with clock.use_clock(NOW):
        audit.write(engine, "yi-officer", forecasts.ACTION, "forecast", {"source": "console", "forecast": {}, "city": YI})
        audit.write(engine, "old", forecasts.ACTION, "forecast", {"source": "console", "forecast": {}})
    records = audit.audit_log(engine, action=forecasts.ACTION)
    yi_id, any_id = records[-2].id, records[-1].id
    assert forecasts.get(engine, yi_id, JIA) is None
    assert forecasts.get(engine, yi_id, YI) is not None and forecasts.get(engine, yi_id) is not None
    assert forecasts.get(engine, any_id, JIA) is not None
