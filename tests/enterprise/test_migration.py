"""Migration 0006 (enterprise accounts, receipts, reports) on SQLite and PostgreSQL:
from 0005 up, models equal to the migration, down again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from tests.migrations import schema_diffs
from enterprise_registry.db import alembic_config, at_head, make_engine, upgrade_database

NEW = {"enterprise_binding", "enterprise_invitation", "notice_receipt", "execution_report"}


def _diffs(engine) -> list:
    return schema_diffs(engine, NEW)


def test_0006_up_matches_the_models_and_down(db_url):
    engine = make_engine(db_url)
    upgrade_database(engine, "0005_filed_measures")
    assert not NEW & set(sa.inspect(engine).get_table_names())
    upgrade_database(engine)
    assert at_head(engine)
    assert NEW <= set(sa.inspect(engine).get_table_names())
    assert _diffs(engine) == []
    uniques = {tuple(u["column_names"]) for u in sa.inspect(engine).get_unique_constraints("notice_receipt")}
    assert ("warning_id", "version_no", "uscc") in uniques
    command.downgrade(alembic_config(engine), "0005_filed_measures")
    assert not NEW & set(sa.inspect(engine).get_table_names())
    engine.dispose()
