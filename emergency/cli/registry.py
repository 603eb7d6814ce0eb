"""`emergency registry`: generate | import | export | template | versions | list | show.

Thin adapters over :mod:`enterprise_registry.service`. The database (``--database``
or ``EMERGENCY_DATABASE_URL``, default SQLite in the data dir) is created and
upgraded on first use. A rejected import prints the first problems as a table,
writes every problem to a report file and exits with code 3; nothing is written.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from emergency.cli.options import ActorOption, CityOption, DatabaseOption
from emergency.errors import ImportRejected, RegistryError
from enterprise_registry import service
from enterprise_registry.cells import Problem
from enterprise_registry.db import open_database
from enterprise_registry.listfiles import write_list_file
from enterprise_registry.template import write_template

app = typer.Typer(no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)

PROBLEMS_SHOWN = 30
REPORT_HEADER = "工作表\t行\t列\t值\t原因"


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _industry_names() -> dict[str, str]:
    from config.industries import load_industries

    return {code: ind.name_zh for code, ind in load_industries().industries.items()}


def _write_with_progress(tables, out: Path, description: str) -> None:
    n_e, n_l = tables.n_rows("enterprises"), tables.n_rows("lines")
    offsets = {"areas": 0, "enterprises": 0, "lines": n_e}
    with _progress() as progress:
        task = progress.add_task(description, total=n_e + n_l)
        write_list_file(tables, out, progress=lambda sheet, done: progress.update(task, completed=offsets.get(sheet, 0) + done))
        progress.update(task, completed=n_e + n_l)


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="Output: a .xlsx file or a directory of CSV files.")],
    enterprises: Annotated[int, typer.Option("--enterprises", min=1, help="Number of enterprises.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same list).")] = 1,
    city: Annotated[Optional[str], typer.Option("--city", help="City name (default 演示市, or the region's city).")] = None,
    region: Annotated[Optional[str], typer.Option(
        "--region", help="A seed city's industries: shanxi (晋中市: + alumina, coal chemicals) | guanzhong (咸阳市: + rock wool, secondary aluminium).")] = None,
) -> None:
    """Write a realistic synthetic list (合成应急减排清单) in the import format."""
    from enterprise_registry.generator import REGIONS, generate_registry

    if region is not None and region not in REGIONS:
        raise RegistryError(f"未知的 --region {region!r}；可选：{', '.join(REGIONS)}")
    t0 = time.perf_counter()
    with console.status("生成清单 (generating)…"):
        tables = generate_registry(enterprises, seed, city=city, region=region)
    t1 = time.perf_counter()
    _write_with_progress(tables, out, f"写入 {out.name}")
    console.print(
        f"已生成 {tables.n_rows('enterprises')} 家企业、{tables.n_rows('lines')} 条生产线 → {out} "
        f"(generate {t1 - t0:.1f}s, write {time.perf_counter() - t1:.1f}s)"
    )


def _report_rejection(file: Path, problems: list[Problem], report: Path | None) -> Path:
    """Print the first problems as a table; write all of them (tab-separated) to a file."""
    report_path = report or file.with_name(file.name.removesuffix(file.suffix) + ".errors.txt")
    report_path.parent.mkdir(parents=True, exist_ok=True)
    rows = [REPORT_HEADER] + [
        "\t".join(["" if x is None else str(x) for x in (p.sheet, p.row, p.column, p.value)] + [p.reason])
        for p in problems
    ]
    from emergency.atomic_files import write_text

    write_text(report_path, "\n".join(rows) + "\n", encoding="utf-8-sig")
    table = Table(title=f"{file.name}: {len(problems)} 处错误，未导入任何数据 (nothing was imported)")
    for col in ("工作表", "行", "列", "值", "原因"):
        table.add_column(col)
    for p in problems[:PROBLEMS_SHOWN]:
        table.add_row(p.sheet, "" if p.row is None else str(p.row), p.column or "", "" if p.value is None else str(p.value), p.reason)
    err_console.print(table)
    if len(problems) > PROBLEMS_SHOWN:
        err_console.print(f"… 其余 {len(problems) - PROBLEMS_SHOWN} 处见报告文件")
    err_console.print(f"完整错误报告 (full report): {report_path}")
    return report_path


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A .xlsx list or a directory of CSV files.")],
    replace: Annotated[bool, typer.Option("--replace", help="Replace a version of the same name (refused while an active warning uses it).")] = False,
    report: Annotated[Optional[Path], typer.Option("--report", help="Where to write the full error report (default: <file>.errors.txt).")] = None,
    actor: ActorOption = "cli",
    database: DatabaseOption = None,
) -> None:
    """Import a list as a new list version: the whole file or nothing; every rejected cell is reported; audited."""
    from emergency.workflow.lists import import_list_file

    engine = open_database(database)
    t0 = time.perf_counter()
    with _progress() as progress:
        check = progress.add_task("读取并检查 (reading and checking)", total=None)
        tasks: dict[str, int] = {}

        def writing(stage: str, done: int, total: int) -> None:
            if not tasks:
                progress.update(check, total=1, completed=1)
                tasks["write"] = progress.add_task("写入数据库 (writing)", total=None)
            progress.update(tasks["write"], description=f"写入数据库 (writing {stage})", completed=done, total=total)

        try:
            summary = import_list_file(engine, file, replace=replace, actor=actor, source_name=str(file), progress=writing)
        except ImportRejected as exc:
            progress.stop()
            _report_rejection(file, exc.problems, report)
            raise typer.Exit(RegistryError.exit_code) from None
    console.print(
        f"已导入清单版本“{summary.version}”：{summary.areas} 个区域、{summary.enterprises} 家企业、"
        f"{summary.lines} 条生产线{'（已覆盖原版本）' if summary.replaced else ''} "
        f"({time.perf_counter() - t0:.1f}s)"
    )
    if summary.warnings:  # e.g. a filed measure below an advisory floor: said, not refused
        console.print(f"提示 {len(summary.warnings)} 条（不影响导入）(warnings):", style="yellow", markup=False)
        for w in summary.warnings:
            console.print(w.message, markup=False, highlight=False)


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", help="A .xlsx file or a directory for CSV files.")],
    version: Annotated[Optional[str], typer.Option("--version", help="List version (default: the latest in effect).")] = None,
    city: CityOption = None,
    database: DatabaseOption = None,
) -> None:
    """Export a list version in the import format (lossless round trip)."""
    engine = open_database(database)
    tables = service.export_tables(engine, version, city)
    _write_with_progress(tables, out, f"写入 {out.name}")
    console.print(f"已导出清单版本“{tables.version['name']}”→ {out}")


@app.command()
def template(out: Annotated[Path, typer.Option("--out", help="The .xlsx template to write.")] = Path("应急减排清单模板.xlsx")) -> None:
    """Write an empty, documented template (填表说明 + every sheet)."""
    write_template(out)
    console.print(f"已写出模板 → {out}")


@app.command()
def versions(database: DatabaseOption = None) -> None:
    """List the list versions in the database (the default one is marked)."""
    engine = open_database(database)
    listed = service.list_versions(engine)
    current = {service.latest_version(engine, c).name for c in service.cities(engine)}  # each city's default
    table = Table(title="清单版本")
    for col in ("版本", "生效日期", "城市", "企业数", "生产线数", "导入时间", "默认"):
        table.add_column(col)
    for v in listed:
        table.add_row(
            v["name"], str(v["effective_date"]), v["city"], str(v["enterprises"]), str(v["lines"]),
            str(v["imported_at"])[:19].replace("T", " "), "✓" if v["name"] in current else "",
        )
    console.print(table)


@app.command("list")
def list_(
    county: Annotated[Optional[str], typer.Option(help="区县, e.g. 榆次区")] = None,
    industry: Annotated[Optional[str], typer.Option(help="行业类别: Chinese name or code (焦化 / coking).")] = None,
    grade: Annotated[Optional[str], typer.Option(help="绩效等级, e.g. A, B-, 引领性")] = None,
    essential: Annotated[Optional[str], typer.Option(help="保障类类别, e.g. 民生保障")] = None,
    version: Annotated[Optional[str], typer.Option("--version", help="List version (default: the latest in effect).")] = None,
    city: CityOption = None,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
    database: DatabaseOption = None,
) -> None:
    """List enterprises, with filters."""
    engine = open_database(database)
    version = version or (service.latest_version(engine, city).name if city else None)
    total, items = service.list_enterprises(
        engine, version=version, county=county, industry=industry, grade=grade, essential=essential, offset=offset, limit=limit
    )
    names = _industry_names()
    table = Table(title=f"企业 {offset + 1 if items else 0}–{offset + len(items)} / {total}")
    for col in ("统一社会信用代码", "企业名称", "区县", "行业类别", "绩效等级", "保障类"):
        table.add_column(col)
    for e in items:
        table.add_row(e.uscc, e.name, e.county, names.get(e.industry, e.industry), e.grade, e.essential_category)
    console.print(table)


@app.command()
def show(
    uscc: Annotated[str, typer.Argument(help="统一社会信用代码")],
    version: Annotated[Optional[str], typer.Option("--version", help="List version (default: the latest in effect).")] = None,
    city: CityOption = None,
    database: DatabaseOption = None,
) -> None:
    """Show one enterprise and its production lines."""
    from config.industries import load_industries

    engine = open_database(database)
    version = version or (service.latest_version(engine, city).name if city else None)
    ent, lines = service.get_enterprise(engine, uscc, version)
    industry = load_industries().industries.get(ent.industry)
    console.print(f"[bold]{ent.name}[/]  {ent.uscc}")
    console.print(
        f"区县 {ent.county} · 行业 {industry.name_zh if industry else ent.industry} · 绩效等级 {ent.grade} · 保障类 {ent.essential_category}"
        + (f"（核定负荷 {ent.essential_approved_load:.0%}）" if ent.essential_approved_load is not None else "")
        + f" · 小微 {'是' if ent.small_micro else '否'} · 日均重型货车 {ent.heavy_trucks_per_day if ent.heavy_trucks_per_day is not None else '—'}"
        + f" · 联系人 {ent.contact_person or ''} {ent.contact_phone or ''}"
    )
    table = Table(title="生产线")
    for col in ("line_id", "名称", "工序", "产能基数(日均)", "日产值(元)", "可中断", "最低负荷", "停产需(h)", "SO2", "NOx", "颗粒物", "VOCs (kg/d)"):
        table.add_column(col)
    for ln in lines:
        process = industry.processes.get(ln.process, ln.process) if industry else ln.process
        table.add_row(
            ln.line_id, ln.line_name, process, f"{ln.capacity_basis:g} {ln.capacity_unit}", f"{ln.output_value_yuan:,.0f}",
            "是" if ln.interruptible else "否", f"{ln.min_load:.0%}", f"{ln.stop_lead_time_h:g}",
            f"{ln.so2_kg:g}", f"{ln.nox_kg:g}", f"{ln.pm_kg:g}", f"{ln.vocs_kg:g}",
        )
    console.print(table)
import emergency.cli.listcheck  # noqa: E402,F401  registers `emergency registry check` (the list check)
import emergency.cli.listdesign  # noqa: E402,F401  registers `emergency registry design` (the list design)
