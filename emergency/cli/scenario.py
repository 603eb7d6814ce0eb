"""`emergency scenario run FILE... | compare A B | sweep FILE`: planners' simulations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from emergency.cli.options import DatabaseOption

app = typer.Typer(no_args_is_help=True)
console = Console()


def _print(outcomes) -> None:
    from scenarios.report import LEVEL_ZH, summary_rows

    t = Table(title="情景模拟结果")
    for col in ("情景", "企业数", "累计损失产值(元)", "预警天数", "各级别天数", "最小实减/应减", "不满足目标天数", "最大可达减排比例"):
        t.add_column(col)
    for r in summary_rows(outcomes):
        t.add_row(r["scenario"], str(r["enterprises"]), f"{r['lost_value_yuan']:,.0f}", str(r["warning_days"]),
                  "、".join(f"{LEVEL_ZH[k]}{v}" for k, v in sorted(r["days_by_level"].items())),
                  "" if r["min_achieved_over_required"] is None else f"{r['min_achieved_over_required']:.2f}",
                  str(r["infeasible_days"]), "" if r["max_feasible_share"] is None else f"{r['max_feasible_share']:.1%}")
    console.print(t)
    for o in outcomes:
        if o.curve:
            ct = Table(title=f"成本曲线 · {o.scenario.name}（{LEVEL_ZH[o.curve.level.value]}预警措施）")
            for col in ("要求减排比例", "可行", "损失产值(元/日)", "下界(元/日)"):
                ct.add_column(col)
            for p in o.curve.points:
                ct.add_row(f"{p.share:.0%}", "是" if p.feasible else "[red]否[/]",
                           "" if p.lost_value_yuan is None else f"{p.lost_value_yuan:,.0f}",
                           "" if p.lower_bound_yuan is None else f"{p.lower_bound_yuan:,.0f}")
            console.print(ct)


def _run(files: list[Path], out: Path, workers: int, database: str | None):
    from scenarios.batch import run_many
    from scenarios.report import write_html, write_workbook

    with Progress(TextColumn("[bold]情景模拟"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("run", total=len(files))
        outcomes = run_many(files, database=database, workers=workers, on_done=lambda _: progress.advance(task))
    _print(outcomes)
    html = write_html(outcomes, out / "report.html")
    xlsx = write_workbook(outcomes, out / "scenarios.xlsx")
    console.print(f"报告 (report): {html}  ·  工作簿 (workbook): {xlsx}")
    return outcomes


@app.command()
def run(
    files: Annotated[list[Path], typer.Argument(help="Scenario TOML files.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder for report.html and scenarios.xlsx")] = Path("scenario-output"),
    workers: Annotated[int, typer.Option("--workers", help="Parallel processes.")] = 2,
    database: DatabaseOption = None,
) -> None:
    """Run scenarios (in parallel), print a table, write an HTML report and an Excel workbook."""
    _run(files, out, workers, database)


@app.command()
def compare(
    a: Annotated[Path, typer.Argument()],
    b: Annotated[Path, typer.Argument()],
    out: Annotated[Path, typer.Option("--out")] = Path("scenario-compare"),
    workers: Annotated[int, typer.Option("--workers")] = 2,
    database: DatabaseOption = None,
) -> None:
    """Compare two scenarios side by side (table, report with both cost curves, workbook)."""
    outcomes = _run([a, b], out, workers, database)
    da, db_ = outcomes[0].simulation.lost_value_yuan, outcomes[1].simulation.lost_value_yuan
    console.print(f"{outcomes[1].scenario.name} 相对 {outcomes[0].scenario.name}：累计损失产值 {db_ - da:+,.0f} 元")


@app.command()
def sweep(
    file: Annotated[Path, typer.Argument(help="Sweep TOML file (documented in scenarios/sweep.py).")],
    out: Annotated[Path, typer.Option("--out", help="Output folder for report.html, sweep.xlsx and sweep.json")] = Path("sweep-output"),
    workers: Annotated[int, typer.Option("--workers", help="Worker processes of the LocalCluster.")] = 2,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="An existing Dask scheduler, e.g. tcp://host:8786.")] = None,
    local: Annotated[bool, typer.Option("--local", help="Run in this process, one run after the other (no Dask).")] = False,
    database: DatabaseOption = None,
) -> None:
    """Run a scenario sweep on Dask (a LocalCluster, or --scheduler) and gather one report."""
    from emergency.errors import EmergencyError, InputError
    from scenarios.dask_runner import database_for_workers, run_sweep
    from scenarios.sweep import by_axis, expand, failed, load_sweep
    from scenarios.sweep_report import AXIS_ZH, write_html, write_json, write_workbook

    if local and scheduler:
        raise InputError("--local 与 --scheduler 只能选一个 (give one of --local and --scheduler)")
    spec = load_sweep(file)
    runs = expand(spec)
    url = database_for_workers(runs, database)
    where = "本进程 (in-process)" if local else (scheduler or f"LocalCluster（{workers} 个工作进程）")
    console.print(f"情景批量推演「{spec.name}」：{len(runs)} 个运行，运行于 {where}")
    with Progress(TextColumn("[bold]批量推演"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=console) as progress:
        task = progress.add_task("", total=len(runs))

        def done(result) -> None:
            mark = "" if result.ok else " [red]失败[/]"
            progress.update(task, advance=1, description=f"{result.run_id}{mark}")

        results = run_sweep(runs, url, local=local, workers=workers, scheduler=scheduler, on_done=done,
                            on_cluster=lambda text: progress.console.print(f"集群 (cluster): {text}"))
    for axis in ("base", "city", "episode", "whatif"):
        rows = by_axis(results, axis)
        t = Table(title=f"按{AXIS_ZH[axis]}")
        for col in ("取值", "运行数", "失败数", "平均损失产值(元)", "最小", "最大"):
            t.add_column(col)
        for r in rows:
            t.add_row(r["value"], str(r["runs"]), str(r["failed"]) if not r["failed"] else f"[red]{r['failed']}[/]",
                      *("" if r[k] is None else f"{r[k]:,.0f}" for k in ("lost_mean_yuan", "lost_min_yuan", "lost_max_yuan")))
        console.print(t)
    bad = failed(results)
    limited = [r.run_id for r in results if r.limit_reached]
    html = write_html(spec, results, out / "report.html", where=f"运行于 {where}。")
    xlsx = write_workbook(spec, results, out / "sweep.xlsx")
    data = write_json(spec, results, out / "sweep.json")
    console.print(f"报告 (report): {html}  ·  工作簿 (workbook): {xlsx}  ·  数据 (numbers): {data}")
    if limited:
        console.print(f"[yellow]求解达到时间上限、在其他机器上结果可能不同的运行 (time limit reached):[/] {'、'.join(limited)}")
    if bad:
        for r in bad:
            console.print(f"[red]{r.run_id}[/] {r.labels['city']} · {r.labels['episode']} · {r.labels['whatif']}：{r.error}")
        raise EmergencyError(f"{len(bad)} 个运行失败（共 {len(runs)} 个），报告中已逐一列出 ({len(bad)} of {len(runs)} runs failed)")
