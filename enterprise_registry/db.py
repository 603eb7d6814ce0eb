"""Engines and sessions, made by factories (never at import time).

SQLite is the default (``<data_dir>/emergency.sqlite``, data_dir from
``EMERGENCY_DATA_DIR``, default ``~/.local/share/emergency``); any SQLAlchemy URL
through ``EMERGENCY_DATABASE_URL``. The schema is created and upgraded by the
project's alembic history (``enterprise_registry/migrations``), run programmatically.

SQLAlchemy is imported by the functions that use it: :func:`read_list` reads a SQLite
database already at the head revision with the standard library's ``sqlite3`` alone,
so a one-shot command that only reads the list starts a third of a second sooner.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from emergency.errors import ConfigurationError
from emergency.settings import get_settings
from enterprise_registry.reading import DbReader

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import sessionmaker
    from sqlmodel import Session

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest migration. A database already there skips alembic (a quarter of a second of
# imports and history walking on every command); tests check this equals alembic's head.
HEAD_REVISION = "0011_regional_warnings"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default from settings); SQLite gets FK + WAL pragmas."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = url or get_settings().resolved_database_url()
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(f"invalid database URL {url!r}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision`` with the alembic history."""
    from alembic import command
    from sqlalchemy.exc import OperationalError, ProgrammingError

    try:
        command.upgrade(alembic_config(engine), revision)
    except OperationalError as exc:
        raise ConfigurationError(f"cannot reach the database {engine.url!r}: {exc.orig}") from None
    except ProgrammingError as exc:
        raise ConfigurationError(
            "数据库结构不是当前版本，且当前角色无权迁移：请以所有者角色运行迁移 "
            f"(schema not at head and this role may not migrate it; run migrations as the owner role): {exc.orig}"
        ) from None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    from sqlalchemy.orm import sessionmaker
    from sqlmodel import Session

    return sessionmaker(engine, class_=Session, expire_on_commit=False)


def open_database(url: str | None = None) -> Engine:
    """Engine for ``url`` with the schema upgraded: what commands call first."""
    engine = make_engine(url)
    if not at_head(engine):
        upgrade_database(engine)
    return engine


def at_head(engine: Engine) -> bool:
    """Whether the schema is at :data:`HEAD_REVISION` (False when it is not there yet)."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except OperationalError as exc:
        if "alembic_version" in str(exc.orig):
            return False  # a new database
        raise ConfigurationError(f"cannot reach the database {engine.url!r}: {exc.orig}") from None
    except Exception:  # noqa: BLE001 — e.g. PostgreSQL's UndefinedTable: let alembic decide
        return False
    return rows == [HEAD_REVISION]


@contextmanager
def dbapi_reader(engine: Engine) -> Iterator[DbReader]:
    """A reader on one of the engine's DBAPI connections (returned to the pool after)."""
    conn = engine.raw_connection()
    try:
        yield DbReader.of(conn, engine.dialect.paramstyle)
    finally:
        conn.close()


def sqlite_file(url: str) -> Path | None:
    """The file of a plain SQLite URL (``sqlite:///relative`` or ``sqlite:////absolute``,
    no query), else None."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            path = url[len(prefix):]
            if path and path != ":memory:" and not set(path) & set("?%#"):
                return Path(path)
    return None


@contextmanager
def read_list(url: str | None = None) -> Iterator[DbReader]:
    """A reader for the list in the database at ``url`` (default from settings).

    An existing SQLite file already at :data:`HEAD_REVISION` is read through ``sqlite3``
    with writes refused (``PRAGMA query_only``); anything else (PostgreSQL, a new or
    older database) goes through :func:`open_database`, which creates or upgrades it."""
    url = url or get_settings().resolved_database_url()
    path = sqlite_file(url)
    conn = None
    if path is not None and path.is_file():
        conn = sqlite3.connect(path, timeout=30)
        try:
            conn.execute("PRAGMA query_only = ON")
            at_head_here = conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD_REVISION,)]
        except sqlite3.DatabaseError:
            at_head_here = False  # no alembic table yet, or not a database: open_database says which
        if not at_head_here:
            conn.close()
            conn = None
    if conn is not None:
        try:
            yield DbReader.of(conn, sqlite3.paramstyle)
        finally:
            conn.close()
        return
    engine = open_database(url)
    try:
        with dbapi_reader(engine) as reader:
            yield reader
    finally:
        engine.dispose()
