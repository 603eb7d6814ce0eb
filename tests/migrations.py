"""What migration tests share: the differences between the models and the database as the
migration history left it, limited to some tables (``compare_metadata``)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import enterprise_registry.migrations.env_models  # noqa: F401  (every model of the history)


def schema_diffs(engine, tables: set[str]) -> list:
    """Model vs database differences of ``tables`` (their columns, indexes and constraints)."""
    def ours(obj, name, type_, reflected, compare_to):
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table in tables

    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"include_object": ours}), SQLModel.metadata)
