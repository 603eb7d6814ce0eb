"""`emergency registry design`: the list design (清单编制) — propose every firm's measures at
every level, nested, at least the floors, sparing as the rules say, meeting every level's
targets at least lost output. A thin adapter over :mod:`emergency.lists.design`.

Writes the list with the designed measures (``--out``: .xlsx, or a CSV directory — the
import layout) and the diff against the filed list (``--diff``, default beside the list);
prints per level the lost output value, the objective, the LP bound and the gap.
Exit code 10 (TargetsNotMet) when some level cannot be met, with the shortfall per level,
area and column; nothing is written then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from emergency.cli.options import DatabaseOption
from emergency.cli.registry import app
from emergency.errors import InputError, TargetsNotMet
from emergency.vocabulary import LEVEL_LABELS_ZH, LEVELS, WarningLevel

console = Console()
SHOWN = 20


@app.command("design")
def design(
    out: Annotated[Path, typer.Option("--out", help="The designed list: .xlsx, or a directory for CSV files.")],
    version: Annotated[Optional[str], typer.Option("--version", help="List version (default: the latest in effect).")] = None,
    diff: Annotated[Optional[Path], typer.Option("--diff", help="The diff against the filed list (.xlsx or .csv; default beside --out).")] = None,
    redesign: Annotated[bool, typer.Option("--redesign", help="Ignore the filed measures: design every line afresh.")] = False,
    fix_filed: Annotated[bool, typer.Option("--fix-filed", help="Hold the filed measures that serve exactly (never deepen them).")] = False,
    days_yellow: Annotated[Optional[float], typer.Option("--days-yellow", min=0, help="Expected yellow days per season (default: policy).")] = None,
    days_orange: Annotated[Optional[float], typer.Option("--days-orange", min=0, help="Expected orange days per season (default: policy).")] = None,
    days_red: Annotated[Optional[float], typer.Option("--days-red", min=0, help="Expected red days per season (default: policy).")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", min=1, help="Solver time limit (s).")] = 20.0,
    policy_area: Annotated[Optional[str], typer.Option("--policy-area", help="Policy area (default: the list's city).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON (English keys).")] = False,
    database: DatabaseOption = None,
) -> None:
    """Design every firm's measures at every level (清单编制)."""
    from emergency.lists.design import design_list
    from emergency.lists.design_workbook import default_diff_path, write_design_diff, write_designed_list
    from emergency.plans.service import policy_for
    from enterprise_registry import reading
    from enterprise_registry.db import read_list

    if redesign and fix_filed:
        raise InputError("--redesign 与 --fix-filed 不能同时使用 (choose one)")
    diff = diff or default_diff_path(out)
    if diff.resolve() == out.resolve():
        raise InputError("--diff 不能与 --out 相同 (the diff must be another file)")
    weights = {lv: d for lv, d in ((WarningLevel.YELLOW, days_yellow), (WarningLevel.ORANGE, days_orange),
                                   (WarningLevel.RED, days_red)) if d is not None}
    with read_list(database) as db:
        tables = reading.read_tables(db, version)
    policy = policy_for(tables, policy_area)
    result = design_list(tables, policy, LEVELS, weights=weights, redesign=redesign, fix_filed=fix_filed,
                         time_limit=time_limit)
    if result.short:
        if as_json:
            typer.echo(_json(result))
        else:
            _print_short(result)
        where = "；".join(f"{LEVEL_LABELS_ZH[v]} {a} {c} 缺 {kg:,.1f} kg/d" for v, a, c, kg in result.shortfalls()[:12])
        hint = "（--fix-filed 固定了备案措施；不加该选项可在其上加严）" if fix_filed else ""
        raise TargetsNotMet(f"任何措施组合都无法满足减排目标：{where}{hint} (targets cannot be met; nothing written)")
    write_designed_list(result, out)
    write_design_diff(result, diff)
    if as_json:
        typer.echo(_json(result))
        return
    _print(result)
    _print_import_review(result)
    console.print(f"已写出编制清单 → {escape(str(out))}")
    console.print(f"已写出对照表 → {escape(str(diff))}")


def _json(result) -> str:
    import json

    res = result.result
    doc = {
        "status": res.status.value, "proven_by_mip": bool(res.info.get("proven_by_mip")), "objective_yuan": res.objective, "lower_bound_yuan": res.lower_bound, "gap": res.gap,
        "seconds": res.seconds, "levels": [
            {"level": v.value, "weight_days": float(w), "lost_value_yuan_per_day": None if res.level_costs is None else float(c),
             "changed": sum(1 for r in result.rows if r.level is v and r.changed)}
            for v, w, c in zip(result.problem.levels, result.problem.weights,
                               res.level_costs if res.level_costs is not None else [None] * len(result.problem.levels))],
        "shortfalls": [{"row": name, "level": v.value, "area": a, "column": c, "kg": kg}
                       for (v, a, c, kg), (name, _) in zip(result.shortfalls(), result.shortfall_rows())],
        "import_errors": [{"row": p.row, "column": p.column, "reason": p.reason} for p in result.import_errors],
        "import_warnings": [{"row": p.row, "column": p.column, "reason": p.reason} for p in result.import_warnings],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1)


def _print(result) -> None:
    res = result.result
    t = Table(title="清单编制 · 各级预警措施")
    for col in ("预警级别", "预计天数", "损失产值(元/日)", "变更的生产线措施"):
        t.add_column(col)
    for v, w, c in zip(result.problem.levels, result.problem.weights, res.level_costs):
        t.add_row(LEVEL_LABELS_ZH[v], f"{w:g}", f"{c:,.0f}", str(sum(1 for r in result.rows if r.level is v and r.changed)))
    console.print(t)
    console.print(f"加权损失产值 {res.objective:,.0f} 元/采暖季 · 线性松弛下界 {res.lower_bound:,.0f} · 差距 {res.gap:.3%} · "
                  + ("已证明最优（全部可调生产线精确求解）" if res.info.get("proven_by_mip")
                     else "已达最优容差" if res.status.value == "optimal" else "[yellow]未达最优容差[/]")
                  + f" · {res.seconds:.1f} 秒")
    console.print("各级预警均满足全部区域减排目标；措施逐级加严，不低于绩效分级底线（已由清单核算复核）")
    changed = [r for r in result.rows if r.changed]
    if changed:
        console.print(f"变更的措施 {len(changed)} 项（前 {min(SHOWN, len(changed))} 项；全部见对照表）：")
        for r in changed[:SHOWN]:
            console.print(f"  {LEVEL_LABELS_ZH[r.level]} {r.enterprise_name} {r.line_id}：“{r.filed or '未备案'}” → "
                          f"“{r.designed or '无'}”（{r.why}）", markup=False, highlight=False)


def _print_import_review(result) -> None:
    """The import's checks on the designed list, said loudly (the design follows the measure
    builder and the list check; where the import reads a rule otherwise, the planner sees it)."""
    if result.import_errors:
        console.print(f"[bold red]注意：导入审核将拒绝编制清单中的 {len(result.import_errors)} 处措施[/]"
                      "（编制按测算口径与清单核算口径，导入审核口径不同之处如下，请核对）：")
        for p in result.import_errors[:SHOWN]:
            console.print(f"  {p.sheet} 第{p.row}行 [{p.column}]：{p.reason}", markup=False, highlight=False)
    if result.import_warnings:
        console.print(f"[yellow]导入审核提示 {len(result.import_warnings)} 项[/]（前 {min(SHOWN, len(result.import_warnings))} 项）：")
        for p in result.import_warnings[:SHOWN]:
            console.print(f"  {p.sheet} 第{p.row}行 [{p.column}]：{p.reason}", markup=False, highlight=False)


def _print_short(result) -> None:
    t = Table(title="清单编制 · 无法满足的减排目标")
    for col in ("预警级别", "区域", "污染物", "缺口(kg/d)"):
        t.add_column(col)
    for v, a, c, kg in result.shortfalls():
        t.add_row(LEVEL_LABELS_ZH[v], escape(a), c, f"[red]{kg:,.1f}[/]")
    console.print(t)
