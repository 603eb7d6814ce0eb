"""Migration 0009 (CEMS readings, station observations) on SQLite and PostgreSQL:
from 0008 up, models equal to the migration, down again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

import emergency.evaluation.models  # noqa: F401  (registers the tables)
from tests.migrations import schema_diffs
from enterprise_registry.db import alembic_config, at_head, make_engine, upgrade_database

NEW = {"cems_reading", "station_observation"}


def _diffs(engine) -> list:
    return schema_diffs(engine, NEW)


def test_0009_up_matches_the_models_and_down(db_url):
    engine = make_engine(db_url)
    upgrade_database(engine, "0008_inspections")
    assert not NEW & set(sa.inspect(engine).get_table_names())
    upgrade_database(engine)
    assert at_head(engine)
    assert NEW <= set(sa.inspect(engine).get_table_names())
    assert _diffs(engine) == []
    uniques = {tuple(u["column_names"]) for u in sa.inspect(engine).get_unique_constraints("cems_reading")}
    assert ("enterprise_uscc", "outlet", "hour", "pollutant") in uniques
    command.downgrade(alembic_config(engine), "0008_inspections")
    assert not NEW & set(sa.inspect(engine).get_table_names())
    engine.dispose()
