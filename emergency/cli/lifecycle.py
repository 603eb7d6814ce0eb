"""`emergency warning issue | adjust | release | list | show`: the warning lifecycle (预警发布、调整、解除)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from emergency.cli.options import ActorOption, DatabaseOption, open_engine as _engine
from enterprise_registry.vocab import LEVEL_LABELS_ZH, WarningLevel

console = Console()


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
    from emergency.workflow.lifecycle import get_warning, issue_warning

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
    from emergency.workflow.lifecycle import adjust_warning, get_warning

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
    from emergency.workflow.lifecycle import release_warning

    _show(release_warning(_engine(database), warning_id, actor=actor, reason=reason))


def list_(active: Annotated[bool, typer.Option("--active")] = False, database: DatabaseOption = None) -> None:
    """List warnings."""
    from emergency.workflow.lifecycle import list_warnings

    for w in list_warnings(_engine(database), active_only=active):
        _show(w)


def show(warning_id: Annotated[int, typer.Argument()], database: DatabaseOption = None) -> None:
    """Show a warning and its plan versions."""
    from emergency.workflow.lifecycle import get_warning

    _show(*get_warning(_engine(database), warning_id))
