"""The schema comes from the alembic history, on SQLite and PostgreSQL."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from enterprise_registry.db import alembic_config, make_engine, open_database, upgrade_database

REGISTRY_TABLES = {"list_version", "area", "enterprise", "production_line", "filed_measure"}


def _head(engine):
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def test_upgrade_creates_the_tables_on_an_empty_database(db_url):
    engine = make_engine(db_url)
    assert not REGISTRY_TABLES & set(sa.inspect(engine).get_table_names())
    upgrade_database(engine)
    assert REGISTRY_TABLES <= set(sa.inspect(engine).get_table_names())
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads() == (_head(engine),)
    upgrade_database(engine)  # a second run is a no-op
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads() == (_head(engine),)
    engine.dispose()


def _registry_diffs(engine, metadata):
    def only_registry(obj, name, type_, reflected, compare_to):
        return type_ != "table" or name in REGISTRY_TABLES

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": only_registry})
        return compare_metadata(context, metadata)


def test_models_match_the_migrations(db_url):
    """A model changed without a revision shows up here."""
    engine = open_database(db_url)
    assert _registry_diffs(engine, SQLModel.metadata) == []
    # and the comparison does see a change: a column the migrations never made
    changed = sa.MetaData()
    for table in SQLModel.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["enterprise"].append_column(sa.Column("fax", sa.String(30)))
    diffs = _registry_diffs(engine, changed)
    assert [(d[0], d[2], d[3].name) for d in diffs] == [("add_column", "enterprise", "fax")]
    engine.dispose()


def test_first_revision_then_head(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade_database(engine, "0001_registry")
    assert REGISTRY_TABLES - {"filed_measure"} <= set(sa.inspect(engine).get_table_names())
    upgrade_database(engine)
    assert REGISTRY_TABLES <= set(sa.inspect(engine).get_table_names())
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads() == (_head(engine),)


def test_sqlite_enforces_foreign_keys_and_uses_wal(sqlite_url):
    engine = open_database(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        try:
            conn.execute(sa.text("INSERT INTO area (version_id, name, base_so2, base_nox, base_pm, base_vocs, "
                                 "listed_share_so2, listed_share_nox, listed_share_pm, listed_share_vocs) "
                                 "VALUES (999, 'x', 0, 0, 0, 0, 0, 0, 0, 0)"))
        except sa.exc.IntegrityError:
            pass
        else:
            raise AssertionError("an area of a missing version was accepted")


def test_default_database_is_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("EMERGENCY_DATA_DIR", str(tmp_path / "nested" / "data"))
    engine = open_database()
    assert engine.url.database == str(tmp_path / "nested" / "data" / "emergency.sqlite")
    assert (tmp_path / "nested" / "data" / "emergency.sqlite").exists()


def test_database_url_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("EMERGENCY_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.sqlite'}")
    open_database()
    assert (tmp_path / "elsewhere.sqlite").exists()


def test_bad_url_is_a_configuration_error():
    import pytest

    from emergency.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="invalid database URL"):
        make_engine("not a url")
    with pytest.raises(ConfigurationError, match="cannot reach the database"):
        open_database("postgresql+psycopg://nobody@127.0.0.1:1/none")


def test_head_revision_constant_is_alembics_head():
    """open_database skips alembic when the schema is at HEAD_REVISION: it must be the real head."""
    from alembic.script import ScriptDirectory

    from enterprise_registry.db import HEAD_REVISION

    cfg = alembic_config(make_engine("sqlite://"))
    assert ScriptDirectory.from_config(cfg).get_heads() == [HEAD_REVISION]


def test_open_database_upgrades_an_old_schema(tmp_path):
    """A database left at an older revision is upgraded by open_database (not skipped)."""
    from sqlalchemy import text

    from enterprise_registry.db import HEAD_REVISION, at_head

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = make_engine(url)
    upgrade_database(engine, "0001_registry")
    assert not at_head(engine)
    engine = open_database(url)
    assert at_head(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD_REVISION
