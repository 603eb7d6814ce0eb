"""`emergency notices`: a warning's response package (通知、清单、公告); `notices status |
confirm | report`: the firms' receipts and execution reports (emergency.cli.enterprise)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from emergency.cli.options import DatabaseOption, open_engine as _engine

console = Console()
notices_app = typer.Typer()


@notices_app.callback(invoke_without_command=True)
def notices(
    ctx: typer.Context,
    warning: Annotated[Optional[int], typer.Option("--warning", help="Warning id.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Output folder (created whole; in an existing folder only the package's own files are replaced).")] = None,
    version: Annotated[Optional[int], typer.Option(
        "--version", help="Plan version of an active warning (default: the latest). A released warning gives only its release package (--version is refused, exit 9).")] = None,
    database: DatabaseOption = None,
) -> None:
    """Write the package of a warning's latest transition: the announcement (启动/升级/降级/延长/解除),
    the notices (at an adjustment only to firms whose measures changed, 本通知替代…; after release a
    解除通知 to every firm), the list view, per-county print files and index.html.
    Subcommands: status (who has not confirmed / reported, per county), confirm, report."""
    if ctx.invoked_subcommand is not None:
        return
    if warning is None or out is None:
        from emergency.errors import InputError

        raise InputError("写出通知材料需要 --warning 和 --out (both --warning and --out are required)")
    from emergency.workflow.package import write_notices

    s = write_notices(_engine(database), warning, out, version)
    what = {"issue": "管控通知", "release": "解除通知"}.get(s["kind"], "措施调整通知")
    line = f"预警 {s['warning']} · {s['kind_zh']} · 文号 {s['number']}：{s['notices']} 份{what}"
    if s["kind"] not in ("issue", "release"):
        line += f"，{s['continuing']} 家企业措施未调整、继续执行原措施（见 继续执行原措施名单.html）"
    console.print(f"{line} → {out}/index.html")


def _attach_receipts() -> None:
    from emergency.cli import enterprise

    for name in ("status", "confirm", "report"):
        notices_app.command(name)(getattr(enterprise, name))


_attach_receipts()
