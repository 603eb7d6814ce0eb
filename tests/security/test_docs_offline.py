"""/docs works on a network without internet: the page and everything it loads come
from the app itself (vendored Swagger UI), and the files are packaged."""

from __future__ import annotations

import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from emergency.api.app import create_app
from emergency.api.docs import ASSETS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app(f"sqlite:///{tmp_path_factory.mktemp('docs') / 'docs.sqlite'}")
    yield TestClient(app)
    app.state.engine.dispose()


def test_docs_page_and_every_asset_it_references_come_from_the_app(client):
    r = client.get("/docs")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    html = r.text
    assert not re.search(r"https?://", html), "the page must not refer to another host"
    refs = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"url:\s*'([^']+)'", html)
    assert len(refs) == 4  # css, favicon, js, openapi.json
    kinds = {}
    for ref in refs:
        assert ref.startswith("/") and not ref.startswith("//"), ref
        got = client.get(ref)
        assert got.status_code == 200, ref
        kinds[ref.rsplit(".", 1)[-1]] = got
    assert "SwaggerUIBundle" in kinds["js"].text and "javascript" in kinds["js"].headers["content-type"]
    assert "swagger-ui" in kinds["css"].text and kinds["css"].headers["content-type"].startswith("text/css")
    assert kinds["png"].content.startswith(b"\x89PNG")
    assert "/api/warnings" in kinds["json"].json()["paths"]
    assert '"validatorUrl": null' in html  # no badge fetched from validator.swagger.io


def test_the_stylesheet_loads_nothing_from_elsewhere(client):
    css = client.get("/static/swagger-ui/swagger-ui.css").text
    urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
    assert urls and all(u.startswith("data:") for u in urls)
    assert "@import" not in css


def test_no_cdn_docs_and_no_directory_listing(client):
    assert client.get("/redoc").status_code == 404
    assert client.get("/static/swagger-ui/").status_code == 404
    assert client.get("/static/swagger-ui/../docs.py").status_code == 404


def test_vendored_version_is_named_and_packaged():
    readme = (ASSETS / "README.md").read_text(encoding="utf-8")
    version = re.search(r"swagger-ui-dist (\d+\.\d+\.\d+)", readme).group(1)
    assert "Apache License" in (ASSETS / "LICENSE").read_text(encoding="utf-8")
    assert version.startswith("5.")
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    patterns = data["emergency.api"]
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE"):
        rel = f"static/swagger-ui/{name}"
        assert (ASSETS / name).is_file(), name
        assert any(fnmatch(rel, p) for p in patterns), f"{rel} would be missing from a non-editable install"
