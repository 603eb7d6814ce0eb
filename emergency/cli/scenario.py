"""`emergency scenario run FILE... | compare A B`: planners' simulations."""

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
