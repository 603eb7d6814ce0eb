"""The audit log is append-only in the database itself, on SQLite and PostgreSQL: raw SQL
on the engine (not the ORM, which has no update path anyway) that would change, remove
or overwrite a record is refused, and appending still works. On PostgreSQL the owner /
application role split of docs/postgresql-roles.md is run for real."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from emergency.workflow import accounts, audit
from enterprise_registry import service as registry
from enterprise_registry.db import open_database
from enterprise_registry.generator import generate_registry

ROLES_DOC = Path(__file__).resolve().parents[2] / "docs" / "postgresql-roles.md"


def logged(url):
    e = open_database(url)
    for i in range(3):
        audit.write(e, f"officer{i}", "warning.issue", f"w{i}", {"n": i})
    return e


@pytest.fixture
def engine(db_url):
    e = logged(db_url)
    yield e
    e.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url):
    e = logged(sqlite_url)
    yield e
    e.dispose()


@pytest.fixture
def postgres_engine(postgres_url):
    e = logged(postgres_url)
    yield e
    e.dispose()


def rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text("SELECT id, at, actor, action, target, details FROM audit_record ORDER BY id"))]


def refused(engine, sql: str, match: str = "append-only") -> None:
    """``sql`` fails inside the database and the log is exactly as before."""
    before = rows(engine)
    assert len(before) == 3
    with pytest.raises(sa.exc.DBAPIError, match=match):
        with engine.begin() as conn:
            conn.execute(sa.text(sql))
    assert rows(engine) == before


def test_update_is_refused(engine):
    refused(engine, "UPDATE audit_record SET actor = 'mallory' WHERE id = 2")
    refused(engine, "UPDATE audit_record SET details = NULL")


def test_delete_is_refused(engine):
    refused(engine, "DELETE FROM audit_record WHERE id = 2")
    refused(engine, "DELETE FROM audit_record")


def test_upsert_over_an_existing_record_is_refused(engine):
    refused(engine, "INSERT INTO audit_record (id, at, actor, action) SELECT id, at, 'mallory', 'forged' FROM audit_record "
                    "WHERE id = 2 ON CONFLICT (id) DO UPDATE SET actor = excluded.actor, action = excluded.action")


def test_sqlite_insert_or_replace_over_an_existing_record_is_refused(sqlite_engine):
    engine = sqlite_engine
    # REPLACE deletes the old row without firing DELETE triggers: only the BEFORE INSERT trigger stops it
    refused(engine, "INSERT OR REPLACE INTO audit_record (id, at, actor, action) SELECT id, at, 'mallory', 'forged' FROM audit_record WHERE id = 2")
    refused(engine, "REPLACE INTO audit_record (id, at, actor, action) SELECT id, at, 'mallory', 'forged' FROM audit_record WHERE id = 1")


@pytest.mark.postgres
def test_postgres_truncate_is_refused(postgres_engine):
    engine = postgres_engine
    refused(engine, "TRUNCATE audit_record")
    refused(engine, "TRUNCATE audit_record RESTART IDENTITY CASCADE")


def test_appending_still_works_after_refusals(engine):
    refused(engine, "DELETE FROM audit_record WHERE id = 3")
    with engine.begin() as conn:  # a raw append is an append: allowed
        conn.execute(sa.text("INSERT INTO audit_record (at, actor, action) SELECT at, 'raw', 'raw.append' FROM audit_record WHERE id = 1"))
    audit.write(engine, "officer9", "warning.release", "w0", {})
    got = rows(engine)
    assert [r[2] for r in got] == ["officer0", "officer1", "officer2", "raw", "officer9"]
    assert len({r[0] for r in got}) == 5


# --- docs/postgresql-roles.md, run for real ---------------------------------------------------


def doc_steps() -> dict[str, list[str]]:
    """The SQL blocks of the roles document, by their ``-- step N`` heading, as statements."""
    steps = {}
    for block in re.findall(r"```sql\n(.*?)```", ROLES_DOC.read_text(encoding="utf-8"), flags=re.S):
        head, _, body = block.partition("\n")
        step = re.match(r"-- (step \d+)", head).group(1)
        steps[step] = [s.strip() for s in body.split(";\n") if s.strip().rstrip(";")]
    return steps


@pytest.mark.postgres
def test_the_documented_roles_keep_the_application_off_the_log(postgres_server_url):
    server_url, admin = postgres_server_url
    suffix = uuid.uuid4().hex[:10]
    names = {"emergency_owner": f"emergency_owner_{suffix}", "emergency_app": f"emergency_app_{suffix}"}
    database = f"emergency_roles_{suffix}"

    def sql(statement: str) -> str:
        for generic, unique in names.items():
            statement = re.sub(rf"\b{generic}\b", unique, statement)
        return re.sub(r"\bemergency\b", database, statement).rstrip(";")

    def url(user: str | None) -> str:
        u = make_url(server_url).set(database=database)
        return (u.set(username=user, password=None) if user else u).render_as_string(hide_password=False)

    steps = doc_steps()
    assert set(steps) == {"step 1", "step 2", "step 3"}
    engines = []
    try:
        with admin.connect() as conn:
            for s in steps["step 1"]:
                conn.execute(sa.text(sql(s)))
        su = sa.create_engine(url(None), isolation_level="AUTOCOMMIT")
        engines.append(su)
        with su.connect() as conn:
            for s in steps["step 2"]:
                conn.execute(sa.text(sql(s)))
        owner = open_database(url(names["emergency_owner"]))  # the migrations, run by the owner
        engines.append(owner)
        with owner.begin() as conn:
            for s in steps["step 3"]:
                conn.execute(sa.text(sql(s)))
            assert conn.execute(sa.text("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_record'")).scalar_one() == names["emergency_owner"]

        app = open_database(url(names["emergency_app"]))  # at head: no migration attempted
        engines.append(app)
        # what the application does works under its grants: sign-in, tokens, list import, audit
        registry.import_tables(app, generate_registry(200, seed=3))
        user = accounts.add_user(app, "zhang", "password-123", "duty_officer", actor="admin")
        issued = accounts.issue_token(app, accounts.authenticate(app, "zhang", "password-123", client="test"), "t")
        assert accounts.user_for_token(app, issued.token).username == "zhang" and user.id
        with pytest.raises(Exception):
            accounts.authenticate(app, "zhang", "wrong-password", client="test")  # updates app_user, appends audit
        audit.write(app, "zhang", "warning.issue", "w1", {})
        before = rows(app)
        assert before and before[-1][2:4] == ("zhang", "warning.issue")

        for statement, message in [
            ("UPDATE audit_record SET actor = 'mallory'", "permission denied"),
            ("DELETE FROM audit_record", "permission denied"),
            ("TRUNCATE audit_record", "permission denied"),
            ("DROP TRIGGER audit_record_no_change ON audit_record", "must be owner"),
            ("ALTER TABLE audit_record DISABLE TRIGGER ALL", "must be owner"),
            ("DROP TABLE audit_record", "must be owner"),
            ("SELECT setval('audit_record_id_seq', 1)", "permission denied"),
            ("CREATE TABLE shadow (id int)", "permission denied"),
        ]:
            with pytest.raises(sa.exc.ProgrammingError, match=message):
                with app.begin() as conn:
                    conn.execute(sa.text(statement))
        assert rows(app) == before
        # the owner is still held by the triggers
        for statement in ("UPDATE audit_record SET actor = 'mallory'", "DELETE FROM audit_record", "TRUNCATE audit_record"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                with owner.begin() as conn:
                    conn.execute(sa.text(statement))
        assert rows(owner) == before
    finally:
        for e in engines:
            e.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            for role in (names["emergency_app"], names["emergency_owner"]):
                conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
