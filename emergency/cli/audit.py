"""`emergency audit`: the audit log (审计日志), read only — who did what, when."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from emergency.cli.options import DatabaseOption, open_engine

console = Console()


def audit_command(
    target: Annotated[Optional[str], typer.Option("--target", help="Only this target, e.g. warning:1.")] = None,
    actor: Annotated[Optional[str], typer.Option("--actor", help="Only this user.")] = None,
    action: Annotated[Optional[str], typer.Option("--action", help="Only actions starting so, e.g. warning. or login.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000, help="At most this many records.")] = 200,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Skip this many records.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Show the audit log, oldest first; times in Beijing time (北京时间)."""
    from emergency import clock
    from emergency.workflow.audit import audit_log

    records = audit_log(open_engine(database), target=target, actor=actor, action=action, limit=limit, offset=offset)
    if as_json:
        for a in records:
            typer.echo(json.dumps({"id": a.id, "at": clock.iso(a.at), "actor": a.actor, "action": a.action, "target": a.target,
                                   "details": json.loads(a.details) if a.details else None, "plan_sha256": a.plan_sha256},
                                  ensure_ascii=False))
        return
    t = Table(title=f"审计日志（时间为{clock.zone_label()}）")
    for col in ("序号", "时间", "操作人", "操作", "对象", "详情"):
        t.add_column(col)
    for a in records:
        t.add_row(str(a.id), clock.fmt(a.at, "%Y-%m-%d %H:%M:%S"), a.actor, a.action, a.target or "", (a.details or "")[:160])
    console.print(t)
