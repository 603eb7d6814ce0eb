"""Migration 0011 both ways on SQLite and PostgreSQL: the regional_warning table as the model
says, gone after a downgrade to 0010 (nothing else touched), back after an upgrade."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from enterprise_registry.db import alembic_config, make_engine, upgrade_database
from tests.migrations import schema_diffs


def test_0011_up_down_up(db_url):
    engine = make_engine(db_url)
    upgrade_database(engine)
    assert "regional_warning" in inspect(engine).get_table_names()
    assert schema_diffs(engine, {"regional_warning"}) == []
    before = set(inspect(engine).get_table_names())
    command.downgrade(alembic_config(engine), "0010_hierarchy")
    assert set(inspect(engine).get_table_names()) == before - {"regional_warning"}
    upgrade_database(engine)
    assert schema_diffs(engine, {"regional_warning"}) == []
    engine.dispose()
