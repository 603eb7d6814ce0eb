"""`emergency notices`: a warning's response package (通知、清单、公告)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from emergency.cli.options import DatabaseOption, open_engine as _engine

console = Console()


def notices(
    warning: Annotated[int, typer.Option("--warning", help="Warning id")],
    out: Annotated[Path, typer.Option("--out", help="Output folder")],
    version: Annotated[Optional[int], typer.Option("--version", help="Plan version (default latest)")] = None,
    database: DatabaseOption = None,
) -> None:
    """Write the response package: notices, list view, announcement, printable HTML."""
    from emergency.workflow.package import write_notices

    summary = write_notices(_engine(database), warning, out, version)
    console.print(f"已生成 {summary['notices']} 份企业管控通知、本级别清单和预警信息发布 → {out}/index.html")
