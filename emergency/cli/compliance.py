"""`emergency compliance import | check`: compliance from electricity use (落实核查)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from emergency.cli.options import ActorOption, DatabaseOption, open_engine as _engine

console = Console()

compliance_app = typer.Typer(no_args_is_help=True)


@compliance_app.command("import")
def compliance_import(file: Annotated[Path, typer.Argument()], actor: ActorOption = "cli", database: DatabaseOption = None) -> None:
    """Import daily electricity use (CSV): whole file or nothing."""
    from emergency.workflow.compliance import import_electricity

    console.print(f"已导入 {import_electricity(_engine(database), file, actor)} 行用电数据")


@compliance_app.command("check")
def compliance_check(
    warning: Annotated[int, typer.Option("--warning")],
    tolerance: Annotated[float, typer.Option("--tolerance")] = 0.10,
    database: DatabaseOption = None,
) -> None:
    """Firms whose electricity use did not drop as their measures imply."""
    from emergency.workflow.compliance import check_compliance

    t = Table(title=f"预警 {warning} 落实核查（用电量）")
    for col in ("企业", "代码", "应降", "实降", "结论"):
        t.add_column(col)
    for r in check_compliance(_engine(database), warning, tolerance=tolerance):
        t.add_row(r.enterprise_name, r.enterprise_uscc, f"{r.expected_drop:.0%}", "" if r.observed_drop is None else f"{r.observed_drop:.0%}",
                  ("[red]" if r.verdict == "未落实" else "") + r.verdict)
    console.print(t)
