"""`emergency demo`: the main job on the embedded default (SQLite, a generated demo city).

Generates a demo city's list, imports it as a list version, evaluates a forecast of
an episode under the city's warning rule set, and computes the plan for the level
the forecast triggers, writing the plan as JSON and Excel and the exact model as
MPS into the output folder.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from emergency.cli.options import DatabaseOption
from enterprise_registry.vocab import LEVEL_LABELS_ZH, WarningLevel

console = Console()

# A winter PM2.5 episode forecast from tomorrow on (daily AQI), as a duty officer sees it:
# pollution builds for three days, then AQI > 200 for four days with one day above 300.
DEMO_FORECAST = [96, 138, 172, 218, 251, 326, 287, 143]


def demo_command(
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("demo-output"),
    enterprises: Annotated[int, typer.Option("--enterprises", help="Size of the demo city.")] = 2000,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    database: DatabaseOption = None,
) -> None:
    """Generate a demo city, evaluate a forecast, and compute and write the plan."""
    from emergency.optimization.formulation import write_mps
    from emergency.plans.service import make_plan, policy_for
    from emergency.plans.workbook import write_plan_workbook
    from emergency.settings import get_settings
    from emergency.warning.evaluation import AqiSeries, evaluate
    from enterprise_registry import service
    from enterprise_registry.db import open_database
    from enterprise_registry.generator import generate_registry
    from enterprise_registry.listfiles import write_list_file

    out.mkdir(parents=True, exist_ok=True)
    settings = get_settings()
    engine = open_database(database)
    console.rule("[bold]1. 应急减排清单 (the list)")
    tables = generate_registry(enterprises, seed)
    list_file = write_list_file(tables, out / "演示市应急减排清单.xlsx")
    summary = service.import_list_file(engine, list_file, replace=True)
    console.print(
        f"生成并导入演示市清单“{summary.version}”：{summary.enterprises} 家企业、{summary.lines} 条生产线 → "
        f"{database or settings.resolved_database_url()}"
    )
    tables = service.export_tables(engine, summary.version)
    policy = policy_for(tables)

    console.rule("[bold]2. 预报与预警 (forecast → warning)")
    start = datetime.combine(date.today() + timedelta(days=1), datetime.min.time())
    series = AqiSeries([float(v) for v in DEMO_FORECAST], 24.0, start)
    ev = evaluate(series, policy.warning_rule_set)
    console.print(f"日AQI预报 {DEMO_FORECAST}（自 {start:%Y-%m-%d} 起），规则 {policy.rule_set}: {ev.trigger_wording_zh}")
    console.print(f"→ [bold]{LEVEL_LABELS_ZH[ev.level]}预警[/]，{ev.period.start:%m-%d} 至 {ev.period.end:%m-%d}")
    (out / "evaluation.json").write_text(json.dumps(ev.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    if ev.level is WarningLevel.NONE:
        console.print("无需预警。")
        return

    console.rule("[bold]3. 减排方案 (plan)")
    hours_to_start = max(0.0, (ev.period.start - datetime.now()).total_seconds() / 3600.0)
    console.print(f"距预警开始约 {hours_to_start:.0f} 小时（停产所需时间更长的措施本次无法下达）")
    run = make_plan(tables, ev.level, policy=policy, hours_to_start=hours_to_start)
    doc = run.document
    (out / "plan.json").write_text(doc.model_dump_json(indent=1), encoding="utf-8")
    write_plan_workbook(doc, out / "减排方案.xlsx")
    write_mps(run.problem, out / "model.mps")
    met = sum(r.achieved_kg >= r.required_kg - 1e-6 for r in doc.requirements)
    o = doc.objective
    console.print(
        f"{len(doc.actions)} 条生产线采取措施（{sum(a.basis == 'optimised' for a in doc.actions)} 条为优化加严），"
        f"{len(doc.spared)} 家企业豁免；减排目标满足 {met}/{len(doc.requirements)}；"
        f"损失产值 {o.lost_value_yuan:,.0f} 元/日，下界 {o.lower_bound_yuan or float('nan'):,.0f}，差距 {(o.gap if o.gap is not None else float('nan')):.4%}（{doc.solver.status}，{doc.solver.seconds:.2f}s）"
    )
    if doc.excluded_by_lead_time:
        console.print(f"{len(doc.excluded_by_lead_time)} 条生产线停产所需时间超过 {hours_to_start:.0f} 小时，本次未下达（见 plan.json）")
    console.print(f"输出 (outputs): {out.resolve()}")
