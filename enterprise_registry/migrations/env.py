"""Alembic environment: one history for the project's whole database.

The engine is passed in by ``enterprise_registry.db.upgrade_database`` through
``config.attributes['engine']``; no alembic.ini, no URL in files.
"""

from alembic import context
from sqlmodel import SQLModel

import enterprise_registry.migrations.env_models  # noqa: F401  (every table of the history)

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
