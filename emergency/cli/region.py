"""CLI of regions and regional warnings (区域联动)."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)
