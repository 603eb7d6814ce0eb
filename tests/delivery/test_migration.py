"""Migration 0007 (delivery outbox, attempts, enqueued versions; enterprise.contact_email)
on SQLite and PostgreSQL: from 0006 up, models equal to the migration, down again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

import emergency.delivery.models  # noqa: F401  (registers the delivery tables)
from tests.migrations import schema_diffs
from enterprise_registry.db import alembic_config, make_engine, upgrade_database

NEW = {"delivery_outbox", "delivery_attempt", "delivery_enqueued"}


def _diffs(engine) -> list:
    return schema_diffs(engine, NEW | {"enterprise"})


def test_0007_up_matches_the_models_and_down(db_url):
    engine = make_engine(db_url)
    upgrade_database(engine, "0006_enterprise_receipts")
    assert not NEW & set(sa.inspect(engine).get_table_names())
    assert "contact_email" not in {c["name"] for c in sa.inspect(engine).get_columns("enterprise")}
    upgrade_database(engine, "0007_delivery")
    assert NEW <= set(sa.inspect(engine).get_table_names())
    assert "contact_email" in {c["name"] for c in sa.inspect(engine).get_columns("enterprise")}
    upgrade_database(engine)
    assert _diffs(engine) == []
    uniques = {tuple(u["column_names"]) for u in sa.inspect(engine).get_unique_constraints("delivery_outbox")}
    assert ("warning_id", "version_no", "recipient", "channel", "purpose") in uniques
    assert ("idempotency_key",) in uniques
    command.downgrade(alembic_config(engine), "0006_enterprise_receipts")
    assert not NEW & set(sa.inspect(engine).get_table_names())
    assert "contact_email" not in {c["name"] for c in sa.inspect(engine).get_columns("enterprise")}
    engine.dispose()
