"""`emergency plan`: the measures for a warning level, optimised, bounded and explained."""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from emergency.cli.options import CityOption, DatabaseOption
from emergency.errors import EmergencyError, InputError, OptimizationError, TargetsNotMet
from emergency.vocabulary import LEVEL_LABELS_ZH, WarningLevel

console = Console(stderr=True)
INDENT_MAX_ACTIONS = 20_000
DEVIATIONS_SHOWN = 20


def _split(text: str | None) -> list[str]:
    return [x.strip() for x in (text or "").replace("，", ",").split(",") if x.strip()]


def plan_command(
    level: Annotated[WarningLevel, typer.Option("--level", help="yellow | orange | red")],
    out: Annotated[Path, typer.Option("--out", help="Plan JSON to write.")] = Path("plan.json"),
    xlsx: Annotated[Optional[Path], typer.Option("--xlsx", help="Also write the plan as an Excel workbook.")] = None,
    export_model: Annotated[Optional[Path], typer.Option("--export-model", help="Write the exact model in MPS.")] = None,
    area: Annotated[Optional[str], typer.Option("--area", help="Plan for these areas only (comma-separated names).")] = None,
    rules: Annotated[Optional[str], typer.Option("--rules", help="Warning rule set recorded with the plan (2019/2024).")] = None,
    policy_area: Annotated[Optional[str], typer.Option("--policy-area", help="Policy area (default: the list's city).")] = None,
    start: Annotated[Optional[str], typer.Option(
        "--start", help="The warning's start, Beijing time (北京时间) unless a zone is given: lead times are counted from now to it.")] = None,
    hours_to_start: Annotated[Optional[float], typer.Option(
        "--hours-to-start", min=0.0,
        help="Override: hours the firms have before the warning starts; lines needing longer to stop are not ordered. "
             "Without it and without --start, lead times are not counted.")] = None,
    approve_spared: Annotated[Optional[str], typer.Option("--approve-spared", help="Spared firms (codes) the officer approves for measures.")] = None,
    approve_suggested: Annotated[bool, typer.Option("--approve-suggested", help="Approve the suggested spared firms if the targets cannot be met.")] = False,
    registry: Annotated[Optional[Path], typer.Option("--registry", help="Plan from a list file instead of the database.")] = None,
    version: Annotated[Optional[str], typer.Option("--version", help="List version (default: latest in effect).")] = None,
    city: CityOption = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Solver time limit (s).")] = 20.0,
    gap: Annotated[float, typer.Option("--gap", min=0.0, max=0.5,
                                       help="Stop within this relative gap of the proven bound (0.0005 = 0.05 %).")] = 5e-4,
    database: DatabaseOption = None,
) -> None:
    """Compute the plan (减排方案): every requirement met at least lost output, with bound and gap."""
    from emergency.plans.service import make_plan, policy_for

    if level is WarningLevel.NONE:
        raise OptimizationError("--level none: no warning, no plan")
    if hours_to_start is None and start is not None:
        from emergency import clock

        try:
            hours_to_start = max(0.0, clock.hours_until(clock.parse(start, "--start")))
        except EmergencyError:
            raise InputError(f"--start {start!r}：不是有效时间，应为 2026-12-05T08:00（北京时间）(ISO 8601)") from None
    # a one-shot command building 10^5–10^6 small objects: the cyclic GC would only rescan them
    gc.disable()
    t0 = time.perf_counter()
    if registry is not None:
        from enterprise_registry.service import check_list_file

        tables = check_list_file(registry)
    else:
        from enterprise_registry import reading
        from enterprise_registry.db import read_list

        with read_list(database) as db:
            tables = reading.read_tables(db, version, reading.PLANNING_ENTERPRISE_KEYS, reading.PLANNING_LINE_KEYS,
                                         filed_levels=(level,), city=city)
    policy = policy_for(tables, policy_area)
    approved = _split(approve_spared)
    run = make_plan(tables, level, policy=policy, areas=_split(area) or None, hours_to_start=hours_to_start,
                    approved_spared=approved, time_limit=time_limit, gap_tolerance=gap)
    if not run.document.feasible and approve_suggested and run.document.suggestion and run.document.suggestion.closes_shortfall:
        approved = approved + run.document.suggestion.enterprises
        run = make_plan(tables, level, policy=policy, areas=_split(area) or None, hours_to_start=hours_to_start,
                        approved_spared=approved, time_limit=time_limit, gap_tolerance=gap)
    doc = run.document
    if rules:
        from config.warning_rules import load_rule_set

        doc = doc.model_copy(update={"rule_set": load_rule_set(rules).name})
    from emergency.atomic_files import replacing_all

    # the JSON and the workbook replace the old ones together (a kill never leaves a
    # truncated plan.json, nor a new JSON beside an old workbook)
    targets = [out] + ([xlsx] if xlsx else [])
    with replacing_all(*targets) as temps:
        # indented for reading when small; a province's 10^5 actions are written compact
        temps[0].write_bytes(doc.json_bytes(indent=1 if len(doc.actions) <= INDENT_MAX_ACTIONS else None))
        if xlsx:
            from emergency.plans.workbook import write_plan_workbook

            write_plan_workbook(doc, temps[1])
    if export_model:
        from emergency.atomic_files import replacing
        from emergency.optimization.formulation import write_mps  # the MIP builder and SciPy: only when asked

        with replacing(export_model) as tmp:
            write_mps(run.problem, tmp)
    _summary(doc, time.perf_counter() - t0, out)
    if doc.policy_area == "national" and not policy_area:
        console.print(f"未找到“{tables.version['city']}”的地方政策文件，按国家政策计算 (no locality policy file: national policy)")
    if not doc.feasible:
        raise TargetsNotMet("方案未满足全部减排目标（缺口见上表），已写出但不得视为达标 (plan short of its targets)")


def _summary(doc, seconds: float, out: Path) -> None:
    t = Table(title=f"{LEVEL_LABELS_ZH[doc.level]}预警减排方案 · 清单 {doc.registry_version}")
    for col in ("区域", "污染物", "应减(kg/d)", "实减(kg/d)", "缺口"):
        t.add_column(col)
    for r in doc.requirements:
        t.add_row(r.area, r.pollutant.value, f"{r.required_kg:,.0f}", f"{r.achieved_kg:,.0f}", "" if r.shortfall_kg <= 0 else f"[red]{r.shortfall_kg:,.0f}[/]")
    console.print(t)
    o = doc.objective
    if doc.hours_to_start is not None:
        console.print(f"距预警开始 {doc.hours_to_start:.1f} 小时：{len(doc.excluded_by_lead_time)} 条生产线停产/限产所需时间更长，未下达")
    console.print(
        f"政策 {doc.policy_area} · 措施 {len(doc.actions)} 条生产线 · 豁免 {len(doc.spared)} 家 · 损失产值 {o.lost_value_yuan:,.0f} 元/日 · "
        f"下界 {o.lower_bound_yuan or float('nan'):,.0f} · 差距 {(o.gap if o.gap is not None else float('nan')):.4%} · {doc.solver.status} · 求解 {doc.solver.seconds:.2f}s · 总计 {seconds:.1f}s → {out}"
    )
    if doc.filed is not None:
        _filed_summary(doc)
    if not doc.feasible:
        console.print("[bold red]不满足全部减排目标[/]（不会被悄悄放宽）：缺口见上表。")
        if doc.suggestion:
            s = doc.suggestion
            verdict = "可补足缺口" if s.closes_shortfall else "仍不足以补足缺口"
            console.print(f"建议经批准纳入管控的豁免企业（最少家数）{len(s.enterprises)} 家，{verdict}：{', '.join(s.enterprises[:20])}"
                          + (" …" if len(s.enterprises) > 20 else "") + "；批准请加 --approve-spared 或 --approve-suggested")


def _filed_summary(doc) -> None:
    """How the plan used the list's filed measures, and its departures from them."""
    from emergency.plans.deviations import KIND_ZH, summary_zh

    console.print(summary_zh(doc.filed), highlight=False)
    if not doc.deviations:
        return
    t = Table(title=f"与清单备案措施不一致（前 {min(DEVIATIONS_SHOWN, len(doc.deviations))} 条 / 共 {len(doc.deviations)} 条）")
    for col in ("企业", "生产线", "类型", "备案措施", "本次措施", "原因"):
        t.add_column(col, overflow="fold")
    for d in doc.deviations[:DEVIATIONS_SHOWN]:
        t.add_row(d.enterprise_name or d.enterprise_uscc, d.line_name or d.line_id, KIND_ZH[d.kind].split("（")[0],
                  d.filed_measure or "未备案", d.ordered_measure or "未下达", d.reason)
    console.print(t)
