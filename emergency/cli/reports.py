"""`emergency reports daily | summary | inspect | inspections`: reports upward (上报) — the
daily response report, the episode summary (总结评估报告), on-site inspections (现场检查)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from emergency.cli.options import ActorOption, DatabaseOption, open_engine as _engine

console = Console()
app = typer.Typer(no_args_is_help=True)

WarningOption = Annotated[int, typer.Option("--warning", help="The warning's number.")]
OutOption = Annotated[Path, typer.Option("--out", help="Folder for the .xlsx and .html (created if missing).")]


def _day(text: str) -> date:
    from emergency.errors import InputError

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"--day {text!r} 不是有效日期，应为 2026-12-05（北京时间日历日）", field="day") from None


@app.command("daily")
def daily(
    warning: WarningOption,
    day: Annotated[str, typer.Option("--day", help="The Beijing calendar day reported, 2026-12-05.")],
    out: OutOption = Path("."),
    database: DatabaseOption = None,
) -> None:
    """The daily response report of a day (每日应急响应情况报告): per county and the city, firms under
    measures, receipts and execution reports (that day and to date; on time or late), on-site
    inspections, firms found non-compliant (inspections and electricity check), planned reductions
    prorated to the day, plan versions issued that day. Writes warning-N-daily-DAY.xlsx and .html."""
    from emergency.reports.daily import daily_report
    from emergency.reports.render import write

    r = daily_report(_engine(database), warning, _day(day))
    paths = write(out, r.stem, r.xlsx, r.html)
    total = r.document["county"][-1]
    console.print(f"预警 {warning} {day}：管控企业 {total['firms']} 家，当日回执 "
                  f"{total['confirmed_on_time'] + total['confirmed_late']} 份（逾期 {total['confirmed_late']}），"
                  f"当日落实报告 {total['reported_on_time'] + total['reported_late']} 份，现场检查 {total['inspected']} 家，"
                  f"未落实 {total['non_compliant']} 家")
    for p in paths:
        console.print(f"→ {p}")


@app.command("summary")
def summary(warning: WarningOption, out: OutOption = Path("."), database: DatabaseOption = None) -> None:
    """The episode summary (总结评估报告 with 应急响应情况统计表): period, levels and transitions,
    per county response (by measure and grade), planned and achieved reductions, lost output, forecast
    vs observed AQI, the due date. Before the release it is marked as an interim statement.
    Writes warning-N-summary.xlsx and .html."""
    from emergency import clock
    from emergency.reports.render import write
    from emergency.reports.summary import summary_report

    r = summary_report(_engine(database), warning)
    paths = write(out, r.stem, r.xlsx, r.html)
    d = r.document
    due = clock.fmt(clock.parse(d["due_at"])) if d["due_at"] else "解除后确定"
    console.print(f"预警 {warning} 总结评估报告：管控企业 {d['county'][-1]['firms']} 家；报送时限 {due}")
    for n in d["notes"]:
        if n.startswith("预警尚未解除") or n.startswith("效果评估数据暂缺"):
            console.print(f"[yellow]{n}[/]")
    for p in paths:
        console.print(f"→ {p}")


@app.command("inspect")
def inspect(
    warning: WarningOption,
    uscc: Annotated[str, typer.Option("--uscc", help="The firm's 统一社会信用代码.")],
    result: Annotated[str, typer.Option("--result", help="落实 / 未落实 / 停产 / 无法核实")],
    inspector: Annotated[str, typer.Option("--inspector", help="Who inspected (检查人员).")],
    at: Annotated[Optional[str], typer.Option("--at", help="When, Beijing time, 2026-12-05T08:30 (default: now).")] = None,
    line: Annotated[Optional[str], typer.Option("--line", help="The line inspected (default: the whole firm).")] = None,
    note: Annotated[Optional[str], typer.Option("--note", help="What was found (情况说明).")] = None,
    actor: ActorOption = "cli",
    database: DatabaseOption = None,
) -> None:
    """Record one on-site inspection (现场检查) of a firm under the warning (audited)."""
    from emergency import clock
    from emergency.reports.inspections import InspectionIn, record_inspection

    when = clock.parse(at, "--at") if at else clock.now()
    row = record_inspection(_engine(database), warning, InspectionIn(uscc, when, inspector, result, line, note), actor)
    console.print(f"已记录现场检查 #{row['id']}：{row['uscc']} {row['result_zh']}（{clock.fmt(clock.parse(row['inspected_at']))}）")


@app.command("inspections")
def inspections(
    warning: WarningOption,
    file: Annotated[Optional[Path], typer.Option("--import", help="Import a CSV or .xlsx of inspections (whole file or nothing).")] = None,
    actor: ActorOption = "cli",
    database: DatabaseOption = None,
) -> None:
    """List the warning's inspections, or import a file of them (--import FILE). Columns:
    统一社会信用代码, 生产线编号 (optional), 检查时间 (Beijing time), 检查人员, 检查结果
    (落实/未落实/停产/无法核实), 情况说明 (optional). Any bad cell rejects the file (exit 3),
    each problem with row, column and reason."""
    from emergency import clock
    from emergency.reports.inspections import as_dict, import_inspections, list_inspections

    engine = _engine(database)
    if file is not None:
        s = import_inspections(engine, warning, file, actor, source_name=file.name)
        console.print(f"已导入 {s.rows} 条现场检查记录（{s.firms} 家企业）")
        return
    t = Table(title=f"预警 {warning} 现场检查记录")
    for col in ("#", "时间", "企业", "生产线", "检查人员", "结果", "情况说明"):
        t.add_column(col)
    for i in map(as_dict, list_inspections(engine, warning)):
        t.add_row(str(i["id"]), clock.fmt(clock.parse(i["inspected_at"])), i["uscc"], i["line_id"] or "全厂",
                  i["inspector"], i["result_zh"], i["note"] or "")
    console.print(t)
