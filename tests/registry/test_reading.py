"""Reading a list version: the same tables whichever connection reads them.

`emergency plan` reads the default SQLite database through the standard library's
sqlite3 (no SQLAlchemy at start-up); everything else reads through SQLAlchemy's DBAPI
connections. Both must give the list exactly as it was imported.
"""

import sqlite3
import subprocess
import sys
from datetime import date

import pytest

from emergency.errors import NotFound
from enterprise_registry import reading, service
from enterprise_registry.db import at_head, make_engine, open_database, read_list, upgrade_database
from enterprise_registry.generator import generate_registry
from enterprise_registry.models import Area, Enterprise, ListVersion, ProductionLine


@pytest.fixture
def stored(sqlite_url):
    engine = open_database(sqlite_url)
    tables = generate_registry(150, 3)
    service.import_tables(engine, tables)
    engine.dispose()
    return sqlite_url, tables


def test_table_names_are_the_models():
    assert (reading.VERSION_TABLE, reading.AREA_TABLE, reading.ENTERPRISE_TABLE, reading.LINE_TABLE) == (
        ListVersion.__tablename__, Area.__tablename__, Enterprise.__tablename__, ProductionLine.__tablename__)


def test_sqlite_read_gives_the_imported_list(stored):
    url, imported = stored
    with read_list(url) as db:
        assert isinstance(db.connection, sqlite3.Connection)  # the path without SQLAlchemy
        full = reading.read_tables(db, None)
        lean = reading.read_tables(db, None, reading.PLANNING_ENTERPRISE_KEYS, reading.PLANNING_LINE_KEYS)
    assert full.version == imported.version and full.areas == imported.areas
    assert full.enterprises == imported.enterprises and full.lines == imported.lines
    assert isinstance(full.version["effective_date"], date)
    assert {type(x) for x in full.lines["interruptible"]} == {bool}
    assert {type(x) for x in full.enterprises["small_micro"]} == {bool}
    for key, col in lean.lines.items():
        assert col == full.lines[key]
    engine = make_engine(url)
    assert service.export_tables(engine) == full  # and through SQLAlchemy, the same
    assert service.load_planning_tables(engine) == lean
    engine.dispose()


def test_reading_the_list_does_not_import_sqlalchemy(stored):
    url, _ = stored
    code = (
        "import sys\n"
        "from enterprise_registry import reading\n"
        "from enterprise_registry.db import read_list\n"
        f"with read_list({url!r}) as db:\n"
        "    t = reading.read_tables(db, None, reading.PLANNING_ENTERPRISE_KEYS, reading.PLANNING_LINE_KEYS)\n"
        "assert t.n_rows('lines') > 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel', 'alembic')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_sqlite_read_refuses_writes(stored):
    url, _ = stored
    with read_list(url) as db, pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.connection.execute("DELETE FROM production_line")
    with read_list(url) as db:
        assert reading.read_tables(db, None).n_rows("lines") > 0


def test_a_database_behind_head_is_upgraded_before_reading(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade_database(engine, "0007_delivery")  # behind head, with every column import writes (联系邮箱: 0007)
    service.import_tables(engine, generate_registry(20, 1))
    assert not at_head(engine)
    with read_list(sqlite_url) as db:
        assert not isinstance(db.connection, sqlite3.Connection)  # SQLAlchemy's, after alembic
        assert reading.read_tables(db, None).n_rows("enterprises") == 20
    assert at_head(engine)
    engine.dispose()


def test_a_new_database_is_created_and_says_there_is_no_list(tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'e.sqlite'}"
    with pytest.raises(NotFound, match="还没有清单"), read_list(url) as db:
        reading.read_tables(db, None)
    assert at_head(make_engine(url))


def test_named_and_latest_versions(db_url):
    engine = open_database(db_url)
    old, new = generate_registry(10, 1), generate_registry(12, 2)
    old.version.update(name="2025", effective_date=date(2025, 10, 1))
    new.version.update(name="2026", effective_date=date(2026, 10, 1))
    future = generate_registry(14, 3)
    future.version.update(name="2099", effective_date=date(2099, 10, 1))
    for t in (old, new, future):
        service.import_tables(engine, t)
    with read_list(db_url) as db:
        assert reading.read_tables(db, "2025").n_rows("enterprises") == 10
        assert reading.resolve_version(db, None).name == "2026"  # in effect today, not the future one
        with pytest.raises(NotFound, match="2024.*2025、2026、2099"):
            reading.resolve_version(db, "2024")
    engine.dispose()


def test_sqlite_file_of_urls():
    from enterprise_registry.db import sqlite_file

    assert str(sqlite_file("sqlite:////var/lib/e.sqlite")) == "/var/lib/e.sqlite"
    assert str(sqlite_file("sqlite:///rel/e.sqlite")) == "rel/e.sqlite"
    for url in ("sqlite://", "sqlite:///:memory:", "sqlite:///e.sqlite?mode=ro",
                "postgresql+psycopg://postgres@127.0.0.1/test"):
        assert sqlite_file(url) is None
