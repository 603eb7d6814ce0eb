"""`emergency registry check`: the list check (清单核算) — do the filed measures of each
level add up to the targets? A thin adapter over :mod:`emergency.lists.check`.

Prints, per level, the rows per area and column (baseline, required, filed, shortfall),
the firms without filed measures, the spared firms and the filed measures below the
floor; ``--json`` prints the check as JSON instead, ``--xlsx`` also writes the workbook.
Exit code 10 (TargetsNotMet) when any level is short in any area, 0 otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from emergency.cli.options import CityOption, DatabaseOption
from emergency.cli.registry import app
from emergency.errors import InputError, TargetsNotMet
from emergency.vocabulary import LEVEL_LABELS_ZH, LEVELS, WarningLevel

console = Console()
SHOWN = 20  # firms and lines listed per level on the terminal (all of them in --json / --xlsx)


@app.command("check")
def check(
    version: Annotated[Optional[str], typer.Option("--version", help="List version (default: the latest in effect).")] = None,
    city: CityOption = None,
    level: Annotated[Optional[list[WarningLevel]], typer.Option("--level", help="yellow | orange | red (repeatable; default all three).")] = None,
    xlsx: Annotated[Optional[Path], typer.Option("--xlsx", help="Also write the check as an Excel workbook.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the check as JSON (English keys).")] = False,
    policy_area: Annotated[Optional[str], typer.Option("--policy-area", help="Policy area (default: the list's city).")] = None,
    database: DatabaseOption = None,
) -> None:
    """Check the list's filed measures against every level's targets (清单核算)."""
    from emergency.lists.check import check_list
    from emergency.plans.service import policy_for
    from enterprise_registry import reading
    from enterprise_registry.db import read_list

    levels = tuple(dict.fromkeys(level or LEVELS))
    if WarningLevel.NONE in levels:
        raise InputError("--level none：无预警级别可核算 (no warning level to check)")
    with read_list(database) as db:
        tables = reading.read_tables(db, version, reading.PLANNING_ENTERPRISE_KEYS, reading.PLANNING_LINE_KEYS, city=city)
    result = check_list(tables, policy_for(tables, policy_area), levels)
    if xlsx:
        from emergency.lists.workbook import write_check_workbook

        write_check_workbook(result, xlsx)
    if as_json:
        typer.echo(result.model_dump_json(indent=1))
    else:
        _print(result)
        if xlsx:
            console.print(f"已写出核算表 → {xlsx}")
    if result.short:
        short = "、".join(LEVEL_LABELS_ZH[lv.level] for lv in result.levels if lv.short)
        raise TargetsNotMet(f"清单备案措施未满足{short}预警减排目标（缺口见核算表）(the filed measures fall short)")


def _print(result) -> None:
    from emergency.lists.workbook import column_label

    console.print(f"[bold]清单核算[/] · 清单 {escape(result.registry_version)} · {escape(result.city)} · 政策 {result.policy_area}")
    for lv in result.levels:
        name = LEVEL_LABELS_ZH[lv.level]
        t = Table(title=f"{name}预警 · 备案措施核算")
        for col in ("区域", "污染物", "基准排放(kg/d)", "应减(kg/d)", "备案措施减(kg/d)", "缺口(kg/d)"):
            t.add_column(col)
        for r in lv.rows:
            t.add_row(escape(r.area), column_label(r.column, r.replaced_by), f"{r.baseline_kg:,.1f}", f"{r.required_kg:,.1f}",
                      f"{r.filed_kg:,.1f}", "" if r.shortfall_kg <= 1e-9 else f"[red]{r.shortfall_kg:,.1f}[/]")
        console.print(t)
        console.print(f"{name}：有备案措施的生产线 {lv.filed_lines}/{lv.lines} 条 · 备案措施损失产值 {lv.lost_value_yuan:,.0f} 元/日 · "
                      + ("[bold red]未满足减排目标[/]" if lv.short else "满足全部减排目标"))
        _firms(f"{name}：未备案措施的企业", lv.without_filed, lambda f: f"{f.county} {f.enterprise_name} {f.enterprise_uscc}")
        _firms(f"{name}：豁免企业", lv.spared, lambda f: f"{f.county} {f.enterprise_name}（{f.reason}）"
               + ("，其备案措施未计入" if f.filed_not_counted else ""))
        _firms(f"{name}：备案措施低于绩效分级底线", lv.below_floor,
               lambda w: f"{w.enterprise_name} {w.line_id}：备案“{w.filed_measure}”低于底线“{w.floor_measure}”"
                         f"（{'、'.join(w.weaker_for)}）")


def _firms(title: str, items: list, text) -> None:
    if not items:
        return
    console.print(f"{title} {len(items)} 项：")
    for x in items[:SHOWN]:
        console.print(f"  {text(x)}", markup=False, highlight=False)
    if len(items) > SHOWN:
        console.print(f"  … 另 {len(items) - SHOWN} 项（全部见 --xlsx / --json）")
