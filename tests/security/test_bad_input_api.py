"""Ordinary mistakes and hostile text over the API: located answers, never a 500, never
a server path — on SQLite and PostgreSQL (PostgreSQL cannot store NUL in text and
enforces column lengths, so there a slip through would be a DataError and a 500).
"""

from __future__ import annotations

import io
import tempfile

import pytest
from fastapi.testclient import TestClient

from emergency.api.app import create_app, scrub
from emergency.errors import RegistryError
from emergency.workflow import accounts
from enterprise_registry import service as registry
from enterprise_registry.generator import generate_registry
from enterprise_registry.listfiles import write_list_file

PW = "password-123"
BODY = {"level": "orange", "start": "2026-12-05T00:00:00+08:00", "end": "2026-12-07T00:00:00+08:00"}


@pytest.fixture
def api(db_url):
    app = create_app(db_url)
    engine = app.state.engine
    registry.import_tables(engine, generate_registry(120, seed=5))
    for name, role in (("officer1", "duty_officer"), ("admin1", "admin"), ("planner1", "planner")):
        accounts.add_user(engine, name, PW, role)
    client = TestClient(app)
    tokens = {}
    for name in ("officer1", "admin1", "planner1"):
        r = client.post("/api/auth/token", json={"username": name, "password": PW})
        tokens[name] = {"Authorization": f"Bearer {r.json()['access_token']}"}
    yield app, client, tokens
    engine.dispose()


def _field_error(r, loc: tuple) -> dict:
    assert r.status_code == 422, r.text
    errors = [e for e in r.json()["detail"] if tuple(e["loc"]) == loc]
    assert errors, r.json()
    assert "控制字符" in errors[0]["msg"]
    return errors[0]


@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x1b[31m", "\x7f", "\x85"])
def test_control_characters_in_json_fields_are_422_naming_the_field(api, bad):
    _, client, t = api
    _field_error(client.post("/api/warnings", json={**BODY, "areas": [f"城区{bad}"]}, headers=t["officer1"]),
                 ("body", "areas"))
    _field_error(client.post("/api/auth/token", json={"username": f"officer1{bad}", "password": PW}),
                 ("body", "username"))
    _field_error(client.post("/api/users", json={"username": "newuser", "password": PW, "role": "viewer",
                                                 "full_name": f"张{bad}三"}, headers=t["admin1"]),
                 ("body", "full_name"))
    _field_error(client.post("/api/warnings", json={**BODY, "forecast": {"note": [f"x{bad}"]}}, headers=t["officer1"]),
                 ("body", "forecast"))


def test_every_request_body_refuses_control_characters_but_not_tabs_or_line_breaks():
    from pydantic import ValidationError

    from emergency.api.routes.deps import In

    class Body(In):
        text: str
        texts: list[str] = []
        facts: dict = {}

    assert Body(text="张\t三\r\n", texts=["a\nb"], facts={"k": ["v\t"]}).text == "张\t三\r\n"
    for field, bad in (("text", {"text": "a\x00"}), ("texts", {"text": "a", "texts": ["\x08"]}),
                       ("facts", {"text": "a", "facts": {"k\x00": 1}}),
                       ("facts", {"text": "a", "facts": {"k": {"deep": ["\x1f"]}}})):
        with pytest.raises(ValidationError) as info:
            Body(**bad)
        (error,) = info.value.errors()
        assert error["loc"] == (field,) and "控制字符" in error["msg"]


def test_control_characters_in_query_and_path_parameters(api):
    _, client, t = api
    _field_error(client.get("/api/registry/enterprises", params={"county": "城区\x00"}, headers=t["officer1"]),
                 ("query", "county"))
    _field_error(client.get("/api/registry/enterprises/9114%00", headers=t["officer1"]), ("path", "uscc"))
    _field_error(client.get("/api/audit", params={"target": "\x00"}, headers=t["officer1"]), ("query", "target"))


def test_a_text_longer_than_its_column_is_not_a_500(api):
    _, client, t = api
    r = client.post("/api/users", json={"username": "longname", "password": PW, "role": "viewer",
                                        "full_name": "长" * 300}, headers=t["admin1"])
    assert r.status_code in (400, 422), r.text


def test_a_value_the_database_refuses_is_a_400(db_url):
    """PostgreSQL refuses NUL in text (DataError; SQLite stores it): the API answers 400
    code "input" with no database detail, never a 500."""
    import sqlalchemy as sa
    from sqlalchemy.exc import DataError

    app = create_app(db_url)
    engine = app.state.engine

    @app.get("/boom/nul")
    def nul():
        with engine.connect() as conn:
            return {"echo": len(conn.execute(sa.text("SELECT CAST(:v AS TEXT)"), {"v": "a\x00b"}).scalar())}

    @app.get("/boom/data")
    def data():
        raise DataError("INSERT INTO app_user …", {}, Exception("value too long for type character varying(100)"))

    client = TestClient(app, raise_server_exceptions=False)
    r = client.get("/boom/nul")
    if db_url.startswith("postgresql"):
        assert r.status_code == 400 and r.json()["code"] == "input" and "NUL" not in r.text, r.text
    else:
        assert r.status_code == 200
    r = client.get("/boom/data")
    assert r.status_code == 400 and r.json()["code"] == "input" and "character varying" not in r.text
    engine.dispose()


def _upload(client, headers, name: str, content: bytes):
    return client.post("/api/registry/import", files={"file": (name, io.BytesIO(content))}, headers=headers)


def test_list_upload_mistakes_are_located_and_name_the_clients_file(api, tmp_path):
    _, client, t = api
    r = _upload(client, t["planner1"], "我的清单.xlsx", b"not a zip at all")
    assert r.status_code == 400 and r.json()["code"] == "registry"
    detail = r.json()["detail"]
    assert "我的清单.xlsx" in detail and tempfile.gettempdir() not in detail and "upload.xlsx" not in detail

    tables = generate_registry(30, seed=6)
    tables.enterprises["name"][4] = "坏名字\u202e公司"  # a right-to-left override
    tables.enterprises["name"][5] = "名" * 201
    tables.lines["capacity_eia"][0] = 1e30
    tables.lines["so2_kg"][1] = -0.0
    tables.enterprises["heavy_trucks_per_day"][6] = 10**12
    path = tmp_path / "bad.xlsx"
    write_list_file(tables, path)
    r = _upload(client, t["planner1"], "年度清单.xlsx", path.read_bytes())
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "import_rejected" and "年度清单.xlsx" in body["detail"]
    assert tempfile.gettempdir() not in r.text
    got = {(p["sheet"], p["row"], p["column"]): p["reason"] for p in body["problems"]}
    assert "控制字符 U+202E" in got[("企业", 6, "企业名称")]
    assert got[("企业", 7, "企业名称")] == "文字过长：201个字符，最多200个"
    assert "数值过大" in got[("生产线", 2, "环评批复产能(日均)")]
    assert "整数过大" in got[("企业", 8, "日均重型货车(辆)")]
    assert not any(p["row"] == 3 and p["sheet"] == "生产线" for p in body["problems"])  # -0 is 0
    assert len(body["problems"]) == 4


def test_error_bodies_carry_no_server_path(db_url):
    app = create_app(db_url)
    secret_dir = tempfile.gettempdir() + "/emergency-secret-dir"

    @app.get("/boom/registry")
    def registry_error():
        raise RegistryError(f"无法读取 {secret_dir}/名单.xlsx: 文件损坏", file=f"{secret_dir}/名单.xlsx")

    @app.get("/boom/crash")
    def crash():
        raise RuntimeError(f"{secret_dir}/db.sqlite is locked; password=hunter2")

    client = TestClient(app, raise_server_exceptions=False)
    r = client.get("/boom/registry")
    assert r.status_code == 400
    assert r.json() == {"detail": "无法读取 名单.xlsx: 文件损坏", "code": "registry", "file": "名单.xlsx"}
    r = client.get("/boom/crash")
    assert r.status_code == 500
    assert r.json() == {"detail": "服务器内部错误，已记录 (internal error; logged)", "code": "internal"}
    app.state.engine.dispose()


@pytest.mark.parametrize("text, expected", [
    ("/tmp/tmpab12/upload.xlsx: 缺少工作表", "upload.xlsx: 缺少工作表"),
    ("文件 /home/zhang/清单/2026.xlsx：第3行", "文件 2026.xlsx：第3行"),
    ("见 C:\\Users\\zhang\\清单.xlsx", "见 清单.xlsx"),
    ("产能 2500 吨/日，请用 POST /api/auth/token 登录", "产能 2500 吨/日，请用 POST /api/auth/token 登录"),
    ("比例 50/100，日期 2026/12/05", "比例 50/100，日期 2026/12/05"),
    ("目录 /tmp 不可写", "目录 … 不可写"),
])
def test_scrub(text, expected):
    assert scrub(text) == expected


def test_scrub_knows_this_machines_directories(tmp_path):
    from emergency.settings import get_settings

    data = get_settings().data_dir
    assert scrub(f"数据库 {data}/emergency.sqlite 已锁定") == "数据库 emergency.sqlite 已锁定"
    package = __import__("emergency").__file__
    assert scrub(f"模板 {package} 缺失") == "模板 __init__.py 缺失"


def test_huge_numbers_in_parameters_and_bodies_are_422_not_500(api):
    """SQLite cannot bind an integer beyond 2^63 − 1 (OverflowError, a 500) and JSON's
    Infinity is no number a column holds: refused naming the parameter or field."""
    _, client, t = api
    huge = "9" * 30
    r = client.get(f"/api/warnings/{huge}", headers=t["officer1"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["path", "warning_id"], r.text
    r = client.get(f"/api/warnings/{huge}/notices/x", headers=t["officer1"])
    assert r.status_code == 422
    for url in (f"/api/registry/enterprises?offset={huge}", "/api/registry/enterprises?offset=9223372036854775808",
                f"/api/audit?offset={huge}", "/api/registry/enterprises?offset=" + "1" * 5000):
        r = client.get(url, headers=t["officer1"])
        assert r.status_code == 422, (url[:60], r.text[:200])
    assert client.get("/api/warnings/9223372036854775807", headers=t["officer1"]).status_code in (400, 404)
    r = client.post("/api/warnings", content=b'{"level": "orange", "start": "2026-12-05T00:00:00+08:00", '
                    b'"end": "2026-12-07T00:00:00+08:00", "hours_to_start": Infinity}',
                    headers={**t["officer1"], "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "hours_to_start", r.text
    r = client.post("/api/warnings", json={**BODY, "forecast": {"aqi": 10**30}}, headers=t["officer1"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "forecast", r.text
