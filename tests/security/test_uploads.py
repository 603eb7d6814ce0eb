"""Uploads as an attacker sends them: the client's file name never becomes a path, sizes
are bounded while the body streams, and hostile workbooks are refused with 413.

Driven over HTTP with TestClient(create_app(db_url)) on SQLite and PostgreSQL; the
request-size middleware is also driven directly as an ASGI app, to count how much of a
streamed body it reads before answering.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from emergency.api.app import create_app
from emergency.api.limits import BodyLimit
from emergency.workflow import accounts, audit
from enterprise_registry.columns import SHEETS
from enterprise_registry.generator import generate_registry
from enterprise_registry.listfiles import write_list_file

PW = "password-123"


def multipart(filename: bytes, content: bytes, field: str = "file") -> tuple[bytes, str]:
    """A multipart body with the file name exactly as given (bytes: NUL, quotes, '..')."""
    boundary = "----h4b-boundary-7d1f"
    body = (
        f"--{boundary}\r\n".encode()
        + f'Content-Disposition: form-data; name="{field}"; filename="'.encode() + filename + b'"\r\n'
        + b"Content-Type: application/octet-stream\r\n\r\n"
        + content + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.fixture(scope="module")
def list_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("upload") / "list.xlsx"
    write_list_file(generate_registry(40, seed=8), path)
    return path.read_bytes()


def make_client(db_url):
    app = create_app(db_url)
    accounts.add_user(app.state.engine, "planner1", PW, "planner")
    client = TestClient(app)
    token = client.post("/api/auth/token", json={"username": "planner1", "password": PW}).json()["access_token"]
    return app, client, {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(db_url):
    app, client, auth = make_client(db_url)
    yield app, client, auth
    app.state.engine.dispose()


def post_upload(client, auth, filename: bytes, content: bytes, query: str = ""):
    body, ctype = multipart(filename, content)
    return client.post(f"/api/registry/import{query}", content=body, headers={**auth, "Content-Type": ctype})


def test_hostile_file_names_never_become_paths(api, list_bytes, tmp_path):
    """Absolute, '../' and NUL names and a very long one: each upload is imported (the
    content is a good list) and nothing is written where the name points."""
    app, client, auth = api
    absolute = tmp_path / "planted-absolute.xlsx"
    climb = "../" * 12 + str(tmp_path / "planted-relative.xlsx").lstrip("/")
    names = [str(absolute).encode(), climb.encode(), b"a\x00b/../../c.xlsx", b"x" * 600 + b".xlsx",
             b"..\\..\\windows.xlsx"]
    for name in names:
        r = post_upload(client, auth, name, list_bytes, "?replace=true")
        assert r.status_code == 201, (name[:60], r.text)
    r = post_upload(client, auth, b"y" * 20_000 + b".xlsx", list_bytes, "?replace=true")
    assert r.status_code == 400  # the multipart parser's own header limit: refused, not a 500
    assert not absolute.exists() and not (tmp_path / "planted-relative.xlsx").exists()
    assert not list(Path(tempfile.gettempdir()).glob("emergency-upload-*")), "the upload folder is removed"
    shown = [json.loads(a.details)["file"] for a in audit.audit_log(app.state.engine, limit=50)
             if a.action == "registry.import"]
    assert sorted(shown) == sorted(["planted-absolute.xlsx", "planted-relative.xlsx", "c.xlsx", "x" * 195 + ".xlsx",
                                    "windows.xlsx"])
    versions = client.get("/api/registry/versions", headers=auth).json()
    assert all("/" not in (v["source_file"] or "") for v in versions)


def test_wrong_type_is_refused_by_its_client_name(api):
    _, client, auth = api
    r = post_upload(client, auth, b"/etc/passwd", b"root:x:0:0")
    assert r.status_code == 400 and r.json()["code"] == "input"
    assert "passwd" in r.json()["detail"] and "/etc" not in r.json()["detail"]


def test_a_body_beyond_the_limit_is_413_with_or_without_a_length(db_url, monkeypatch, list_bytes):
    monkeypatch.setenv("EMERGENCY_MAX_UPLOAD_MB", str(64 / 1024))  # 64 KB for this test
    app, client, auth = make_client(db_url)
    try:
        big = b"PK" + b"\x00" * (200 << 10)
        r = post_upload(client, auth, b"big.xlsx", big)
        assert r.status_code == 413 and r.json()["code"] == "too_large" and r.json()["limit_bytes"] == 64 << 10
        body, ctype = multipart(b"big.xlsx", big)

        def chunks():  # no Content-Length: sent chunked
            for i in range(0, len(body), 8192):
                yield body[i:i + 8192]

        r = client.post("/api/registry/import", content=chunks(), headers={**auth, "Content-Type": ctype})
        assert r.status_code == 413 and r.json()["code"] == "too_large"
        # a JSON body has its own, smaller-or-equal limit
        r = client.post("/api/auth/token", content=b'{"username":"' + b"a" * (100 << 10) + b'"}',
                        headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        # and an upload within the limit still works (the 40-firm list is about 20 KB)
        assert len(list_bytes) < 64 << 10
        assert post_upload(client, auth, b"list.xlsx", list_bytes).status_code == 201
    finally:
        app.state.engine.dispose()


def test_the_middleware_stops_reading_a_streamed_body_past_the_limit():
    """A 30,000-byte body in 100 chunks against a 1,000-byte limit: the app behind asks
    for every chunk (like a multipart parser spooling to disk); the middleware answers
    413 after the fourth chunk and the rest is never read."""
    served = []

    async def receive():
        served.append(1)
        return {"type": "http.request", "body": b"x" * 300, "more_body": len(served) < 100}

    spooled = bytearray()

    async def parser_app(scope, receive, send):
        while True:
            message = await receive()
            spooled.extend(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/x",
             "headers": [(b"content-type", b"multipart/form-data; boundary=b"), (b"authorization", b"Bearer t")]}
    asyncio.run(BodyLimit(parser_app, upload_bytes=1000)(scope, receive, send))
    assert len(served) == 4 and len(spooled) == 900
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["code"] == "too_large"


def test_an_anonymous_upload_is_401_unread(api, list_bytes):
    """FastAPI parses a body before it checks the token: without an Authorization header
    an upload is refused before a byte of it is read."""
    served = []

    async def receive():
        served.append(1)
        return {"type": "http.request", "body": b"x", "more_body": False}

    async def app(scope, receive, send):  # pragma: no cover - must not be reached
        raise AssertionError("the app was called")

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/x", "headers": [(b"content-type", b"multipart/form-data; boundary=b")]}
    asyncio.run(BodyLimit(app, upload_bytes=10_000)(scope, receive, send))
    assert served == [] and sent[0]["status"] == 401 and (b"www-authenticate", b"Bearer") in sent[0]["headers"]
    _, client, auth = api
    body, ctype = multipart(b"list.xlsx", list_bytes)
    r = client.post("/api/registry/import", content=body, headers={"Content-Type": ctype})
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    r = client.post("/api/registry/import", content=body, headers={"Content-Type": ctype, "Authorization": "Bearer wrong"})
    assert r.status_code == 401  # a bad token: read, then refused by the route's check


def test_a_declared_length_beyond_the_limit_is_refused_unread():
    served = []

    async def receive():
        served.append(1)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def app(scope, receive, send):  # pragma: no cover - must not be reached
        raise AssertionError("the app was called")

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/x",
             "headers": [(b"content-type", b"application/json"), (b"content-length", b"5000")]}
    asyncio.run(BodyLimit(app, upload_bytes=10_000, json_bytes=4000)(scope, receive, send))
    assert served == [] and sent[0]["status"] == 413


def test_a_workbook_bomb_upload_is_413_naming_the_client_file_and_sheet(api, tmp_path):
    from enterprise_registry.workbook import check_workbook
    from emergency.errors import TooLarge

    wb = Workbook()
    wb.remove(wb.active)
    for spec in SHEETS:
        wb.create_sheet(spec.title)["A1"] = "序号"
    wb["生产线"]["XFD1048576"] = "远"
    path = tmp_path / "bomb.xlsx"
    wb.save(path)
    with pytest.raises(TooLarge):  # never upload a bomb the check would let through
        check_workbook(path, [s.title for s in SHEETS])
    _, client, auth = api
    r = post_upload(client, auth, b"../../city-list.xlsx", path.read_bytes())
    assert r.status_code == 413, r.text
    body = r.json()
    assert body["code"] == "too_large" and body["sheet"] == "生产线"
    assert "city-list.xlsx" in body["detail"] and "生产线" in body["detail"]
    assert tempfile.gettempdir() not in body["detail"] and "upload.xlsx" not in body["detail"]


def test_receive_streams_under_a_server_name(tmp_path):
    from fastapi import UploadFile
    import io

    from emergency.api.uploads import client_name, receive
    from emergency.errors import InputError, TooLarge

    f = UploadFile(io.BytesIO(b"x" * 5000), filename="/abs/../../名单.XLSX")
    assert client_name(f) == "名单.XLSX"
    path = receive(f, tmp_path, (".xlsx",), limit=10_000)
    assert path == tmp_path / "upload.xlsx" and path.read_bytes() == b"x" * 5000
    with pytest.raises(TooLarge):
        receive(UploadFile(io.BytesIO(b"x" * 5000), filename="a.xlsx"), tmp_path, (".xlsx",), limit=4999)
    with pytest.raises(InputError):
        receive(UploadFile(io.BytesIO(b"x"), filename="a.xlsx.exe"), tmp_path, (".xlsx",))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["upload.xlsx"]


def test_a_real_server_answers_413_before_the_body_is_sent(tmp_path):
    """`emergency serve` on a socket, with a 64 KB limit: a request declaring 10 MB gets
    413 after its headers alone; a chunked body gets 413 while it is still being sent
    (the client stops well before its 10 MB); the answer names no server software."""
    import os
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "EMERGENCY_MAX_UPLOAD_MB": str(64 / 1024), "EMERGENCY_DATA_DIR": str(tmp_path)}
    server = subprocess.Popen(
        [sys.executable, "-c", "from emergency.cli.main import run; run()", "serve", "--port", str(port),
         "--database", f"sqlite:///{tmp_path / 'srv.sqlite'}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.time() < deadline and server.poll() is None, "server did not start"
                time.sleep(0.2)

        head = (f"POST /api/registry/import HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                f"Authorization: Bearer not-checked-yet\r\nContent-Length: {10 << 20}\r\n\r\n").encode()
        def rest(c, got=b""):
            while True:  # the server closes the connection after its 413
                try:
                    part = c.recv(65536)
                except OSError:
                    return got
                if not part:
                    return got
                got += part

        with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
            c.sendall(head)
            answer = rest(c).decode("latin-1")
        assert answer.startswith("HTTP/1.1 413"), answer
        assert "too_large" in answer and "server:" not in answer.lower()

        head = (b"POST /api/registry/import HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                b"Authorization: Bearer not-checked-yet\r\nTransfer-Encoding: chunked\r\n\r\n")
        sent = 0
        chunk = b"x" * 16384
        part = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.xlsx"\r\n\r\n'
        with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
            c.sendall(head + b"%x\r\n" % len(part) + part + b"\r\n")
            c.settimeout(0.05)
            answer = b""
            while sent < 10 << 20 and not answer:
                try:
                    c.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                    sent += len(chunk)
                except OSError:
                    break
                try:
                    answer = c.recv(65536)
                except socket.timeout:
                    pass
            c.settimeout(10)
            answer = rest(c, answer)
        assert answer.startswith(b"HTTP/1.1 413") and b"too_large" in answer, answer[:300]
        assert sent < 4 << 20, sent
    finally:
        server.terminate()
        server.wait(timeout=30)
