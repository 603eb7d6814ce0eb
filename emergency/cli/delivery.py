"""CLI of notice delivery (通知送达)."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)
