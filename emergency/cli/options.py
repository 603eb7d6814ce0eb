"""Options shared by several command groups."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

DatabaseOption = Annotated[
    Optional[str],
    typer.Option(
        "--database",
        envvar="EMERGENCY_DATABASE_URL",
        help="SQLAlchemy URL (default: SQLite at ~/.local/share/emergency/emergency.sqlite).",
    ),
]

CityOption = Annotated[
    Optional[str],
    typer.Option("--city", help="The city whose list (needed only when the database holds several cities' lists)."),
]

ActorOption = Annotated[str, typer.Option("--actor", envvar="EMERGENCY_ACTOR", help="Who acts (recorded in the audit log).")]


def open_engine(database: str | None):
    """The database engine, schema created or upgraded (commands that write or need the ORM)."""
    from enterprise_registry.db import open_database

    return open_database(database)
