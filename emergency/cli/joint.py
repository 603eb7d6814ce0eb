"""CLI of joint plans across a region's cities (联合减排方案)."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)
