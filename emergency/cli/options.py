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
