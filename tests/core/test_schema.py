"""The whole schema: every table of every model module equals what the migration history
builds, on SQLite and PostgreSQL — a model changed without a migration (or a migration
without its model) fails here, whichever area it belongs to."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import enterprise_registry.migrations.env_models  # noqa: F401  (every model module the history covers)
from enterprise_registry.db import make_engine, upgrade_database


def test_models_equal_the_migration_history(db_url):
    engine = make_engine(db_url)
    upgrade_database(engine)

    def ours(obj, name, type_, reflected, compare_to):
        return not (type_ == "table" and name == "apscheduler_jobs")  # APScheduler's own table

    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"include_object": ours}), SQLModel.metadata)
    engine.dispose()
    assert diffs == []
