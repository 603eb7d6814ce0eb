"""`emergency policy`: show the effective policy of an area; check a policy directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from config.measures import LEVELS
from config.policy import load_policy, local_areas, provenance
from emergency.vocabulary import LEVEL_LABELS_ZH, Pollutant

app = typer.Typer(no_args_is_help=True)
console = Console()
SECTIONS = ("reduction", "measures", "sparing", "rotation", "warning")


def _short(path: str | None) -> str:
    if not path:
        return ""
    parts = Path(path).parts
    return "/".join(parts[parts.index("config") + 1 :]) if "config" in parts else path


@app.command()
def show(
    area: Annotated[Optional[str], typer.Option("--area", help="Area path (shanxi/taiyuan) or name (太原市).")] = None,
    section: Annotated[Optional[str], typer.Option("--section", help="|".join(SECTIONS))] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    policy_dir: Annotated[Optional[Path], typer.Option("--policy-dir")] = None,
) -> None:
    """Print the effective policy of an area after overrides, with the file each value came from."""
    if section and section not in SECTIONS:
        raise typer.BadParameter(f"choose one of {', '.join(SECTIONS)}", param_hint="--section")
    policy = load_policy(area, policy_dir)
    prov = provenance(area, policy_dir)
    if as_json:
        doc = json.loads(policy.model_dump_json())
        key = {"warning": "warning_rules"}.get(section or "", section)
        out = doc if not section else {key: doc[key], "rule_set": policy.rule_set}
        out["provenance"] = {k: _short(v) for k, v in prov.items() if not section or k.startswith(key)}
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2, default=str))
        return
    console.print(f"[bold]{policy.name_zh}[/] ({policy.area or 'national'}) — 预警规则 {policy.rule_set} · 文件链 " + " → ".join(_short(c) for c in policy.chain))
    if section in (None, "reduction"):
        t = Table(title="减排比例 (reduction ratios)")
        t.add_column("级别")
        for p in Pollutant:
            t.add_column(p.value)
        t.add_column("来源文件")
        for lv in LEVELS:
            files = {_short(prov.get(f"reduction.ratios.{lv.value}.{p.value}")) for p in Pollutant}
            t.add_row(LEVEL_LABELS_ZH[lv], *(f"{policy.reduction.ratio(lv, p):.0%}" for p in Pollutant), ", ".join(sorted(files)))
        console.print(t)
        console.print(f"来源: {policy.reduction.source} [{policy.reduction.confidence.value}]")
    if section in (None, "measures"):
        catalog = policy.industries
        t = Table(title="分级管控措施 (grade × level measures)")
        for col in ("行业", "工序", "等级", "黄色", "橙色", "红色", "可信度"):
            t.add_column(col)
        for industry, table in policy.measures.items():
            for process, grades in table.processes.items():
                pname = "全部工序" if process == "*" else catalog.industries[industry].processes.get(process, process)
                for grade, row in grades.items():
                    conf = {(row.at(lv).confidence or table.confidence).value for lv in LEVELS}
                    t.add_row(catalog.industries[industry].name_zh, pname, grade.value, *(row.at(lv).describe_zh() for lv in LEVELS), "/".join(sorted(conf)))
        console.print(t)
    if section in (None, "sparing"):
        t = Table(title="豁免与保障 (who is spared)")
        for col in ("规则", "条件", "效果", "理由", "可信度"):
            t.add_column(col)
        for r in policy.sparing.rules:
            cond = "; ".join(
                f"{k}={v}" for k, v in (("grades", r.grades), ("essential", r.essential), ("processes", r.processes), ("small_micro", r.small_micro), ("levels", r.levels)) if v is not None
            )
            t.add_row(r.id, cond, r.effect.value, r.reason_zh, r.confidence.value)
        console.print(t)
    if section in (None, "rotation"):
        r = policy.rotation
        w = r.windows[r.window]
        band = ("无（无文件规定）" if r.daily_band is None else
                f"{r.daily_band.share_min:.0%}–{r.daily_band.share_max:.0%}（生产线≥{r.daily_band.min_lines}条的行业组；{r.daily_band.source}）")
        liv = r.livelihood
        console.print(f"[bold]错峰生产[/]: 窗口 {w.start} – {w.end} ({r.window}; {w.confidence.value}: {w.source}); "
                      f"行业 {', '.join(r.industries)}; 最短连续停产 {r.min_block_days} 天; 每日停产产能占比硬约束 {band}; "
                      f"均衡偏好权重 {r.spread.weight}（{r.spread.confidence.value}）; 豁免等级 {', '.join(g.value for g in r.exempt_grades)}; "
                      f"豁免保障类 {', '.join(c.value for c in r.exempt_essential) or '无'}; 保民生 {liv.treatment.value}"
                      f"{'' if not liv.makeup_share else f' {liv.makeup_share:.0%}'}; "
                      f"停产天数 {dict((g.value, d) for g, d in r.stop_days.items())} — {r.source}")
        for ind, own in r.by_industry.items():
            parts = []
            if own.exempt_grades is not None:
                parts.append(f"豁免等级 {', '.join(g.value for g in own.exempt_grades)}")
            if own.stop_days is not None:
                parts.append(f"停产天数 {dict((g.value, d) for g, d in own.stop_days.items())}")
            if own.livelihood is not None:
                parts.append(f"保民生 {own.livelihood.treatment.value} {own.livelihood.makeup_share:.0%}")
            console.print(f"  {ind}: {'; '.join(parts)} — {own.source}")
    if section in (None, "warning"):
        rs = policy.warning_rule_set
        t = Table(title=f"预警规则 {rs.name}: {rs.title_zh}")
        for col in ("触发条件", "级别", "表述"):
            t.add_column(col)
        for trig in rs.triggers:
            t.add_row(trig.id, LEVEL_LABELS_ZH[trig.level], trig.wording_zh)
        console.print(t)
        console.print(f"解除: AQI ≤ {rs.release_max_aqi:g} 持续 {rs.release_min_hours:g} 小时; 提前 {rs.lead_time_hours:g} 小时发布; 来源 {rs.source}")


@app.command()
def check(policy_dir: Annotated[Optional[Path], typer.Argument(help="Policy directory (default: the packaged config/).")] = None) -> None:
    """Load every area's policy in a directory; exit non-zero with precise errors."""
    areas = ["", *local_areas(policy_dir)]
    for area in areas:
        load_policy(area or None, policy_dir)
    console.print(f"政策文件有效 (policy valid): {len(areas)} 个区域")


@app.command()
def areas(policy_dir: Annotated[Optional[Path], typer.Option("--policy-dir")] = None) -> None:
    """List the areas that have policy files."""
    for path, name in local_areas(policy_dir).items():
        console.print(f"{path}\t{name}")
