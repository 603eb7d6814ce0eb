"""Console fixtures: an application on a fresh SQLite database with a list and one user
per role, clients signed in through the sign-in form, and the check that a page loads
nothing from outside."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from emergency import clock
from emergency.api.app import create_app
from emergency.workflow import accounts
from enterprise_registry import service as registry

BJ = timezone(timedelta(hours=8))
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=BJ)  # 04:00 UTC: the server runs on UTC, the officer does not
PASSWORD = "password-123"
ROLES = {"officer": "duty_officer", "viewer": "viewer", "planner": "planner", "admin": "admin"}

# Attributes and CSS that make a browser fetch or navigate; an SVG's xmlns is a name, not a fetch.
_FETCHING = re.compile(r"""(?:\b(?:src|href|action|formaction|poster|data|srcset)\s*=\s*["']?\s*|url\(\s*["']?|@import\s+["']?)"""
                       r"""((?:[a-z][a-z0-9+.-]*:)?//[^"'\s)>]*)""", re.I)


def external_urls(html: str) -> list[str]:
    """Every URL in ``html`` that points to another host (scheme://… or //…)."""
    return _FETCHING.findall(html)


def make_app(url: str, tables):
    app = create_app(url)
    registry.import_tables(app.state.engine, tables)
    for name, role in ROLES.items():
        accounts.add_user(app.state.engine, name, PASSWORD, role)
    return app


def nonce_of(html: str) -> str:
    return re.search(r'name="nonce" value="([^"]+)"', html).group(1)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


class Console:
    """A browser without a browser: one signed-in user's TestClient and CSRF token."""

    def __init__(self, app, username: str, base_url: str = "http://testserver"):
        self.client = TestClient(app, base_url=base_url)
        page = self.client.get("/login")
        r = self.client.post("/login", data={"username": username, "password": PASSWORD, "nonce": nonce_of(page.text),
                                             "next": "/"}, follow_redirects=False)
        assert r.status_code == 303, r.text
        self.login_response = r
        self.csrf = csrf_of(self.client.get("/").text)

    def get(self, url: str, **kw):
        r = self.client.get(url, **kw)
        if r.headers.get("content-type", "").startswith("text/html"):
            assert external_urls(r.text) == [], url
        return r

    def post(self, url: str, data: dict | None = None, **kw):
        return self.client.post(url, data={"csrf": self.csrf, **(data or {})}, **kw)


@pytest.fixture
def now():
    with clock.use_clock(NOW):
        yield NOW
