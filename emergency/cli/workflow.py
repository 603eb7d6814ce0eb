"""`emergency warning issue | adjust | release | list | show`, `emergency notices`,
`emergency users add`, `emergency compliance import | check`, `emergency serve`."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from emergency.cli.options import DatabaseOption
from enterprise_registry.vocab import LEVEL_LABELS_ZH, WarningLevel

console = Console()
ActorOption = Annotated[str, typer.Option("--actor", envvar="EMERGENCY_ACTOR", help="Who acts (recorded in the audit log).")]


def _engine(database):
    from enterprise_registry.db import open_database

    return open_database(database)


def _show(w, versions=None) -> None:
    console.print(f"预警 {w.id} · {LEVEL_LABELS_ZH[WarningLevel(w.level)]} · 状态 {w.state} · 区域 {'、'.join(json.loads(w.areas))} · "
                  f"{w.start:%Y-%m-%d %H:%M} 至 {w.end:%Y-%m-%d %H:%M} · 规则 {w.rule_set} · 清单 {w.registry_version}")
    if versions:
        t = Table(title="方案版本")
        for col in ("版本", "变更", "级别", "调整生产线", "哈希", "操作人", "时间"):
            t.add_column(col)
        for v in versions:
            ch = json.loads(v.changes or "{}")
            t.add_row(str(v.version_no), v.transition, v.level, str(ch.get("lines_changed_total", "")), v.sha256[:12], v.created_by, f"{v.created_at:%m-%d %H:%M}")
        console.print(t)


def issue(
    level: Annotated[WarningLevel, typer.Option("--level")],
    start: Annotated[datetime, typer.Option("--start", help="Start (Beijing time), e.g. 2026-12-01T08:00")],
    end: Annotated[datetime, typer.Option("--end", help="End (Beijing time)")],
    area: Annotated[Optional[str], typer.Option("--area", help="Areas (comma-separated; default the city)")] = None,
    rules: Annotated[Optional[str], typer.Option("--rules", help="Rule set (default: the area's)")] = None,
    hours_to_start: Annotated[Optional[float], typer.Option("--hours-to-start")] = None,
    merge: Annotated[bool, typer.Option("--merge", help="If an active warning covers the area, adjust it instead.")] = False,
    actor: ActorOption = "cli",
    database: DatabaseOption = None,
) -> None:
    """Issue a warning (发布预警) and compute its plan."""
    from emergency.workflow.service import get_warning, issue_warning

    engine = _engine(database)
    areas = [a.strip() for a in area.split(",")] if area else None
    w, pv = issue_warning(engine, actor=actor, level=level, areas=areas, start=start, end=end, rule_set=rules,
                          hours_to_start=hours_to_start, merge=merge)
    _show(*get_warning(engine, w.id))


def adjust(
    warning_id: Annotated[int, typer.Argument()],
    level: Annotated[Optional[WarningLevel], typer.Option("--level")] = None,
    end: Annotated[Optional[datetime], typer.Option("--end")] = None,
    hours_to_start: Annotated[Optional[float], typer.Option("--hours-to-start")] = None,
    actor: ActorOption = "cli",
    database: DatabaseOption = None,
) -> None:
    """Upgrade, downgrade or extend a warning (调整预警); re-plans stably."""
    from emergency.workflow.service import adjust_warning, get_warning

    engine = _engine(database)
    adjust_warning(engine, warning_id, actor=actor, level=level, end=end, hours_to_start=hours_to_start)
    _show(*get_warning(engine, warning_id))


def release(
    warning_id: Annotated[int, typer.Argument()],
    reason: Annotated[Optional[str], typer.Option("--reason")] = None,
    actor: ActorOption = "cli",
    database: DatabaseOption = None,
) -> None:
    """Release a warning (解除预警): every measure is lifted."""
    from emergency.workflow.service import release_warning

    _show(release_warning(_engine(database), warning_id, actor=actor, reason=reason))


def list_(active: Annotated[bool, typer.Option("--active")] = False, database: DatabaseOption = None) -> None:
    """List warnings."""
    from emergency.workflow.service import list_warnings

    for w in list_warnings(_engine(database), active_only=active):
        _show(w)


def show(warning_id: Annotated[int, typer.Argument()], database: DatabaseOption = None) -> None:
    """Show a warning and its plan versions."""
    from emergency.workflow.service import get_warning

    _show(*get_warning(_engine(database), warning_id))


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


users_app = typer.Typer(no_args_is_help=True)


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Option("--role", help="viewer | planner | duty_officer | admin")],
    password: Annotated[str, typer.Option("--password", prompt=True, hide_input=True, confirmation_prompt=True)],
    full_name: Annotated[Optional[str], typer.Option("--name")] = None,
    token: Annotated[bool, typer.Option("--token", help="Also create and print an API token.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Add a user (password hashed with scrypt)."""
    from emergency.workflow.service import add_user, create_token

    engine = _engine(database)
    user = add_user(engine, username, password, role, full_name)
    console.print(f"已添加用户 {user.username}（{user.role}）")
    if token:
        typer.echo(create_token(engine, user, "cli"))


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


def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    database: DatabaseOption = None,
) -> None:
    """Run the HTTP API (OpenAPI at /docs)."""
    import uvicorn

    from emergency.api.app import create_app

    uvicorn.run(create_app(database), host=host, port=port)
