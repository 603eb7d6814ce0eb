"""`emergency demo`: the duty officer's night on the embedded default (SQLite, a generated demo city).

Generates a demo city's list and imports it as a list version; evaluates a forecast
of an episode under the city's warning rule set; issues the warning the forecast
triggers (audited), which computes its plan with lead times counted from now; and
writes the plan (JSON, Excel), the exact model (MPS) and the response package —
a notice per enterprise, the level's list view, the public announcement — into the
output folder.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from emergency.cli.options import ActorOption, DatabaseOption
from emergency.errors import TargetsNotMet
from emergency.vocabulary import LEVEL_LABELS_ZH, WarningLevel

console = Console()

# A winter PM2.5 episode forecast from tomorrow on (daily AQI), as a duty officer sees it:
# pollution builds for three days, then AQI > 200 for four days with one day above 300.
DEMO_FORECAST = [96, 138, 172, 218, 251, 326, 287, 143]


def demo_command(
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("demo-output"),
    enterprises: Annotated[int, typer.Option("--enterprises", help="Size of the demo city.")] = 2000,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    actor: ActorOption = "值班员(demo)",
    database: DatabaseOption = None,
) -> None:
    """Generate a demo city, evaluate a forecast, and compute and write the plan."""
    from emergency import clock
    from emergency.atomic_files import replacing, write_text
    from emergency.cli.lifecycle import print_summary
    from emergency.optimization.formulation import write_mps
    from emergency.plans.document import PlanDocument
    from emergency.plans.service import make_plan, policy_for
    from emergency.plans.workbook import write_plan_workbook
    from emergency.settings import get_settings
    from emergency.warning.evaluation import AqiSeries, evaluate
    from emergency.workflow.lifecycle import issue_warning, list_warnings, release_warning
    from emergency.workflow.lists import import_list_file
    from enterprise_registry import service
    from enterprise_registry.db import open_database
    from enterprise_registry.generator import generate_registry
    from enterprise_registry.listfiles import write_list_file

    out.mkdir(parents=True, exist_ok=True)
    settings = get_settings()
    engine = open_database(database)
    console.rule("[bold]1. 应急减排清单 (the list)")
    tables = generate_registry(enterprises, seed)
    for old in list_warnings(engine, active_only=True):  # a demo run replaces the previous demo night
        release_warning(engine, old.id, actor=actor, reason="新的演示")
    with replacing(out / "演示市应急减排清单.xlsx") as tmp:
        write_list_file(tables, tmp)
    list_file = out / "演示市应急减排清单.xlsx"
    summary = import_list_file(engine, list_file, replace=True, actor=actor, source_name=list_file.name)
    console.print(
        f"生成并导入演示市清单“{summary.version}”：{summary.enterprises} 家企业、{summary.lines} 条生产线 → "
        f"{database or settings.resolved_database_url()}"
    )
    tables = service.export_tables(engine, summary.version)
    policy = policy_for(tables)

    console.rule("[bold]2. 预报与预警 (forecast → warning)")
    first_day = clock.today() + timedelta(days=1)  # the bureau's tomorrow, whatever the server's zone
    start = clock.day_start(first_day)
    series = AqiSeries([float(v) for v in DEMO_FORECAST], 24.0, start)
    ev = evaluate(series, policy.warning_rule_set)
    console.print(f"日AQI预报 {DEMO_FORECAST}（自 {first_day:%Y-%m-%d} 起），规则 {policy.rule_set}: {ev.trigger_wording_zh}")
    write_text(out / "evaluation.json", json.dumps(ev.as_dict(), ensure_ascii=False, indent=2, default=clock.json_default))
    if ev.level is WarningLevel.NONE:
        console.print("无需预警。")
        return
    console.print(f"→ [bold]{LEVEL_LABELS_ZH[ev.level]}预警[/]，{clock.fmt(ev.period.start)} 至 {clock.fmt(ev.period.end)}"
                  f"（{clock.zone_label()}）", highlight=False)

    console.rule("[bold]3. 发布预警与减排方案 (issue the warning, plan)")
    hours_to_start = max(0.0, clock.hours_until(ev.period.start))
    console.print(f"现在 {clock.fmt(clock.now())}（{clock.zone_label()}），距预警开始约 {hours_to_start:.0f} 小时"
                  "（停产所需时间更长的措施本次无法下达）", highlight=False)
    def issue(**approval):  # lead times counted from now
        return issue_warning(
            engine, actor=actor, level=ev.level, areas=None, start=ev.period.start, end=ev.period.end,
            rule_set=policy.rule_set, forecast={"daily_aqi": DEMO_FORECAST, "evaluation": ev.as_dict()}, **approval,
        )

    try:
        change = issue()
    except TargetsNotMet as exc:  # shown, then the officer's explicit approval; still short: exit 10
        print_summary(exc.extra["summary"])
        console.print("[bold red]方案未满足全部减排目标，未发布。[/]演示：值班员批准建议的豁免企业纳入管控后重新发布"
                      "（相当于 warning issue --approve-suggested）。")
        change = issue(approve_suggested=True)
    w, pv = change
    print_summary(change.summary)
    doc = PlanDocument.model_validate_json(pv.document)
    write_text(out / "plan.json", pv.document)
    with replacing(out / "减排方案.xlsx") as tmp:
        write_plan_workbook(doc, tmp)
    run = make_plan(tables, ev.level, policy=policy, hours_to_start=doc.hours_to_start)
    with replacing(out / "model.mps") as tmp:
        write_mps(run.problem, tmp)
    o = doc.objective
    console.print(
        f"预警 {w.id} 已发布（方案版本 {pv.version_no}，哈希 {pv.sha256[:12]}）："
        f"{len(doc.actions)} 条生产线采取措施（{sum(a.basis == 'optimised' for a in doc.actions)} 条为优化加严）；"
        f"损失产值 {o.lost_value_yuan:,.0f} 元/日，下界 {o.lower_bound_yuan or float('nan'):,.0f}，"
        f"差距 {(o.gap if o.gap is not None else float('nan')):.4%}（{doc.solver.status}，{doc.solver.seconds:.2f}s）",
        highlight=False,
    )
    if doc.excluded_by_lead_time:
        console.print(f"{len(doc.excluded_by_lead_time)} 条生产线停产所需时间超过 {doc.hours_to_start:.0f} 小时，本次未下达（见 plan.json）")

    console.rule("[bold]4. 管控通知 (notices)")
    from emergency.workflow.package import write_notices

    summary = write_notices(engine, w.id, out / "notices")
    console.print(f"{summary['notices']} 份企业管控通知、本级别清单、预警信息发布 → {out / 'notices' / 'index.html'}")
    console.print(f"输出 (outputs): {out.resolve()}")
