"""`emergency evaluation import-cems | import-observations | show`: effect evaluation (效果评估)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from emergency.cli.options import ActorOption, DatabaseOption, open_engine as _engine

console = Console()
app = typer.Typer(no_args_is_help=True)

CEMS_HELP = """Import CEMS hourly readings (CSV or .xlsx): whole file or nothing.

\b
Columns: 统一社会信用代码, 排放口编号, 生产线编号 (optional), 监测时间 (start of the hour,
Beijing time unless an offset is given), 污染物 (SO2 / NOx / 颗粒物 / VOCs and their usual
names), 实测浓度(mg/m³) and/or 折算浓度(mg/m³), 标干流量(m³/h). kg = mg/m³ × m³/h × 1 h / 10^6
(the measured concentration where given).
\b
Rejected, each problem with file, row, column and reason (exit 3): a firm not in the list
version, a bad, negative or non-numeric value, a time not on the hour or in the future,
the same outlet, hour and pollutant twice, a value different from the one stored (unless
--replace). Re-importing the same data changes nothing. Gaps are reported, not rejected:
hours missing per outlet and day, and days with fewer valid hours than a valid day needs.
"""

OBS_HELP = """Import station hourly observations (CSV or .xlsx): whole file or nothing.

\b
Columns: 站点, 区县/城市, 监测时间 (start of the hour, Beijing time), PM2.5, PM10, SO2, NO2, O3
(µg/m³), CO (mg/m³); a blank cell is not measured. Rejected as for CEMS files.
"""

SHOW_HELP = """The effect of a warning: planned vs achieved reductions per county and pollutant
(and per firm), 不降反增, forecast vs observed AQI per day, lost output, and how much of the
planned reduction the measurements cover."""


def _pct(x: float) -> str:
    return f"{x * 100:.0f} %"


def _kg(x: float | None) -> str:
    return "暂缺" if x is None else f"{x:,.1f}"


@app.command("import-cems", help=CEMS_HELP)
def import_cems_cmd(
    file: Annotated[Path, typer.Argument(help="The CEMS file (.csv or .xlsx).")],
    version: Annotated[Optional[str], typer.Option("--version", help="List version the firms must be in (default: in effect today).")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Stored values that differ take the file's (a correction).")] = False,
    actor: ActorOption = "cli",
    database: DatabaseOption = None,
) -> None:
    from emergency import clock
    from emergency.evaluation.cems import import_cems

    s = import_cems(_engine(database), file, actor, version=version, replace=replace)
    span = "" if s.first_hour is None else f"，{clock.fmt(s.first_hour)} 至 {clock.fmt(s.last_hour)}（{clock.zone_label()}）"
    console.print(f"已导入 {s.rows} 条在线监测小时数据（{s.enterprises} 家企业、{s.outlets} 个排放口{span}）："
                  f"新增 {s.new}，与已存相同 {s.unchanged}，替换 {s.replaced}；清单版本 {s.list_version}")
    short = s.short_days
    if s.gap_hours or short:
        console.print(f"[yellow]数据缺失：覆盖时段内缺 {s.gap_hours} 个小时值；{len(short)} 个排放口·日不足 "
                      f"{s.min_valid_hours} 个有效小时，不用于评估[/]")
        t = Table(title="数据不足的排放口·日")
        for col in ("企业", "排放口", "污染物", "日期", "有值小时", "缺失小时"):
            t.add_column(col)
        for q in short[:200]:
            t.add_row(q.enterprise_uscc, q.outlet, q.pollutant, q.day.isoformat(), str(q.hours), str(q.missing))
        console.print(t)


@app.command("import-observations", help=OBS_HELP)
def import_observations_cmd(
    file: Annotated[Path, typer.Argument(help="The station file (.csv or .xlsx).")],
    replace: Annotated[bool, typer.Option("--replace", help="Stored values that differ take the file's (a correction).")] = False,
    actor: ActorOption = "cli",
    database: DatabaseOption = None,
) -> None:
    from emergency import clock
    from emergency.evaluation.observations import import_observations

    s = import_observations(_engine(database), file, actor, replace=replace)
    span = "" if s.first_hour is None else f"，{clock.fmt(s.first_hour)} 至 {clock.fmt(s.last_hour)}（{clock.zone_label()}）"
    console.print(f"已导入 {s.rows} 条站点小时数据（{s.stations} 个站点：{'、'.join(s.areas)}{span}）："
                  f"新增 {s.new}，与已存相同 {s.unchanged}，替换 {s.replaced}；空缺浓度值 {s.missing_values} 个")


@app.command("show", help=SHOW_HELP)
def show(
    warning: Annotated[int, typer.Option("--warning", help="The warning's number.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the evaluation as JSON.")] = False,
    firms: Annotated[bool, typer.Option("--firms", help="Also list every firm's rows.")] = False,
    xlsx: Annotated[Optional[Path], typer.Option("--xlsx", help="Also write the evaluation as an Excel workbook.")] = None,
    database: DatabaseOption = None,
) -> None:
    from emergency import clock
    from emergency.evaluation.effect import SOURCE_ZH, evaluate_episode, pollutant_zh

    effect = evaluate_episode(_engine(database), warning)
    if as_json:
        typer.echo(json.dumps(effect.as_dict(), ensure_ascii=False, indent=2, default=clock.json_default))
    else:
        days = effect.warning_days
        console.print(f"预警 {warning}（{effect.level}）：{clock.fmt(effect.start)} 至 {clock.fmt(effect.end)}（{clock.zone_label()}）；"
                      f"预警日 {days[0]} 至 {days[-1]}（{len(days)} 天）" if days else f"预警 {warning}：没有预警日")
        for line in effect.coverage_lines():
            console.print(f"[bold yellow]{line}[/]")
        t = Table(title=f"预警 {warning} 减排效果（kg）")
        for col in ("区县", "污染物", "计划", "有数据部分的计划", "实际", "覆盖率", "来源"):
            t.add_column(col, justify="left" if col in ("区县", "污染物", "来源") else "right")
        for r in effect.county_rows():
            t.add_row(r["county"], pollutant_zh(r["pollutant"]), _kg(r["planned_kg"]), _kg(r["planned_covered_kg"]),
                      _kg(r["achieved_kg"]), _pct(r["coverage"]), SOURCE_ZH[r["source"]])
        console.print(t)
        if firms:
            ft = Table(title="企业")
            for col in ("区县", "企业", "代码", "污染物", "计划", "实际", "基准 kg/日", "来源"):
                ft.add_column(col)
            for r in effect.firm_rows():
                ft.add_row(r["county"], r["name"], r["uscc"], pollutant_zh(r["pollutant"]), _kg(r["planned_kg"]),
                           _kg(r["achieved_kg"]), _kg(r["baseline_kg_per_day"]), SOURCE_ZH[r["source"]])
            console.print(ft)
        flags = effect.increase_flags()
        gt = Table(title=f"不降反增（{len(flags)} 条）")
        for col in ("区县", "企业", "代码", "污染物", "日期", "基准 kg/日", "当日 kg"):
            gt.add_column(col)
        for f in flags:
            gt.add_row(f["county"], f["name"], f["uscc"], pollutant_zh(f["pollutant"]), f["day"].isoformat(),
                       _kg(f["baseline_kg"]), f"[red]{_kg(f['kg'])}[/]")
        console.print(gt)
        at = Table(title="AQI：预报与实测")
        for col in ("日期", "区域", "预报", "实测"):
            at.add_column(col)
        for d in effect.aqi_days():
            at.add_row(d["day"].isoformat(), d["area"], "暂缺" if d["forecast_aqi"] is None else str(d["forecast_aqi"]),
                       "暂缺" if d["observed_aqi"] is None else str(d["observed_aqi"]))
        console.print(at)
        console.print(f"停限产损失：{effect.lost_output_wan_yuan:,.2f} 万元")
        for note in effect.notes:
            console.print(f"[yellow]注意：{note}[/]")
    if xlsx is not None:
        from emergency.evaluation.workbook import write_workbook

        console.print(f"→ {write_workbook(effect, xlsx)}")
