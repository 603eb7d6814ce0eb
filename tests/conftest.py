"""Database fixtures: every registry test runs on SQLite and on PostgreSQL.

PostgreSQL: ``EMERGENCY_TEST_POSTGRES_URL`` (default the local server's ``test``
database). A fresh, uniquely named database is created for the test session and
dropped at the end, so concurrent runs never collide. If the server cannot be
reached the PostgreSQL cases are skipped — unless ``EMERGENCY_TEST_REQUIRE_POSTGRES=1``
(CI sets it), then they fail.
"""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    """Never touch the user's ~/.local/share/emergency from tests."""
    monkeypatch.setenv("EMERGENCY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("EMERGENCY_DATABASE_URL", raising=False)


@pytest.fixture(scope="session")
def postgres_server_url():
    url = os.environ.get("EMERGENCY_TEST_POSTGRES_URL", PG_DEFAULT)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if os.environ.get("EMERGENCY_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL required but unreachable at {url}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {url}")
    yield url, admin
    admin.dispose()


@pytest.fixture
def postgres_url(postgres_server_url):
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    url, admin = postgres_server_url
    name = f"emergency_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield make_url(url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'registry.sqlite'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request):
    """The same test on SQLite and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


