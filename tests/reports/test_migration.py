"""Migration 0008 (inspections) on SQLite and PostgreSQL: from 0007 up, the model equal
to the migration, down again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

import emergency.reports.models  # noqa: F401  (registers the inspection table)
from tests.migrations import schema_diffs
from enterprise_registry.db import alembic_config, make_engine, upgrade_database

NEW = {"inspection"}


def _diffs(engine) -> list:
    return schema_diffs(engine, NEW)


def test_0008_up_matches_the_model_and_down(db_url):
    engine = make_engine(db_url)
    upgrade_database(engine, "0007_delivery")
    assert not NEW & set(sa.inspect(engine).get_table_names())
    upgrade_database(engine, "0008_inspections")
    assert NEW <= set(sa.inspect(engine).get_table_names())
    assert _diffs(engine) == []
    indexes = {i["name"] for i in sa.inspect(engine).get_indexes("inspection")}
    assert {"ix_inspection_warning_id", "ix_inspection_uscc", "ix_inspection_inspected_at"} <= indexes
    command.downgrade(alembic_config(engine), "0007_delivery")
    assert not NEW & set(sa.inspect(engine).get_table_names())
    engine.dispose()
