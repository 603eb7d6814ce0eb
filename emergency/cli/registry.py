"""`emergency registry`: generate | import | export | template | list | show | versions."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from emergency.cli.options import DatabaseOption
from emergency.errors import ImportRejected
from enterprise_registry import service
from enterprise_registry.db import open_database
from enterprise_registry.listfiles import write_list_file
from enterprise_registry.template import write_template

app = typer.Typer(no_args_is_help=True)
console = Console()


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="Output: a .xlsx file or a directory of CSV files.")],
    enterprises: Annotated[int, typer.Option("--enterprises", min=1, help="Number of enterprises.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same list).")] = 1,
    city: Annotated[str, typer.Option("--city", help="City name.")] = "演示市",
) -> None:
    """Write a realistic synthetic list (合成应急减排清单) in the import format."""
    from enterprise_registry.generator import generate_registry

    t0 = time.perf_counter()
    tables = generate_registry(enterprises, seed, city=city)
    t1 = time.perf_counter()
    with _progress() as progress:
        task = progress.add_task(f"写入 {out.name}", total=tables.n_rows("enterprises") + tables.n_rows("lines"))
        offsets = {"enterprises": 0, "lines": tables.n_rows("enterprises")}
        write_list_file(tables, out, progress=lambda sheet, done: progress.update(task, completed=offsets.get(sheet, 0) + done))
        progress.update(task, completed=progress.tasks[0].total)
    console.print(
        f"已生成 {tables.n_rows('enterprises')} 家企业、{tables.n_rows('lines')} 条生产线 → {out} "
        f"(generate {t1 - t0:.1f}s, write {time.perf_counter() - t1:.1f}s)"
    )


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A .xlsx list or a directory of CSV files.")],
    replace: Annotated[bool, typer.Option("--replace", help="Replace a version of the same name.")] = False,
    report: Annotated[Optional[Path], typer.Option("--report", help="Where to write the full error report.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Import a list: the whole file or nothing; every rejected cell is reported."""
    engine = open_database(database)
    t0 = time.perf_counter()
    try:
        with console.status("检查文件 (checking the file)…"):
            tables = service.check_list_file(file)
    except ImportRejected as exc:
        report_path = report or file.with_name(file.stem + ".errors.txt")
        report_path.write_text("\n".join(str(p) for p in exc.problems) + "\n", encoding="utf-8")
        table = Table(title=f"{len(exc.problems)} 处错误，未导入任何数据", show_lines=False)
        for col in ("工作表", "行", "列", "值", "原因"):
            table.add_column(col)
        for p in exc.problems[:30]:
            table.add_row(p.sheet, "" if p.row is None else str(p.row), p.column or "", "" if p.value is None else str(p.value), p.reason)
        Console(stderr=True).print(table)
        if len(exc.problems) > 30:
            Console(stderr=True).print(f"… 其余 {len(exc.problems) - 30} 处见报告文件")
        Console(stderr=True).print(f"完整错误报告 (full report): {report_path}")
        raise typer.Exit(3)
    with _progress() as progress:
        total = tables.n_rows("enterprises") + tables.n_rows("lines")
        task = progress.add_task("写入数据库", total=total)
        offsets = {"enterprises": 0, "lines": tables.n_rows("enterprises")}
        summary = service.import_tables(
            engine,
            tables,
            replace=replace,
            source_file=str(file),
            content_sha256=service.file_sha256(file),
            progress=lambda stage, done, _t: progress.update(task, completed=offsets[stage] + done),
        )
    console.print(
        f"已导入清单版本“{summary.version}”：{summary.areas} 个区域、{summary.enterprises} 家企业、"
        f"{summary.lines} 条生产线{'（已覆盖原版本）' if summary.replaced else ''} "
        f"({time.perf_counter() - t0:.1f}s)"
    )


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", help="A .xlsx file or a directory for CSV files.")],
    version: Annotated[Optional[str], typer.Option("--version", help="List version (default: latest in effect).")] = None,
    database: DatabaseOption = None,
) -> None:
    """Export a list version in the import format (lossless round trip)."""
    engine = open_database(database)
    tables = service.export_tables(engine, version)
    write_list_file(tables, out)
    console.print(f"已导出清单版本“{tables.version['name']}”→ {out}")


@app.command()
def template(out: Annotated[Path, typer.Option("--out", help="The .xlsx template to write.")] = Path("应急减排清单模板.xlsx")) -> None:
    """Write an empty, documented template (填表说明 + every sheet)."""
    write_template(out)
    console.print(f"已写出模板 → {out}")


@app.command()
def versions(database: DatabaseOption = None) -> None:
    """List the list versions in the database."""
    engine = open_database(database)
    table = Table(title="清单版本")
    for col in ("版本", "生效日期", "城市", "企业数", "导入时间"):
        table.add_column(col)
    for v in service.list_versions(engine):
        table.add_row(v["name"], str(v["effective_date"]), v["city"], str(v["enterprises"]), str(v["imported_at"])[:19])
    console.print(table)


@app.command("list")
def list_(
    county: Annotated[Optional[str], typer.Option(help="区县")] = None,
    industry: Annotated[Optional[str], typer.Option(help="Industry code (e.g. cement).")] = None,
    grade: Annotated[Optional[str], typer.Option(help="绩效等级, e.g. A, B-, 引领性")] = None,
    essential: Annotated[Optional[str], typer.Option(help="保障类类别, e.g. 民生保障")] = None,
    version: Annotated[Optional[str], typer.Option("--version")] = None,
    offset: int = 0,
    limit: int = 50,
    database: DatabaseOption = None,
) -> None:
    """List enterprises, with filters."""
    engine = open_database(database)
    total, items = service.list_enterprises(
        engine, version=version, county=county, industry=industry, grade=grade, essential=essential, offset=offset, limit=limit
    )
    table = Table(title=f"企业 {offset + 1}–{offset + len(items)} / {total}")
    for col in ("统一社会信用代码", "企业名称", "区县", "行业", "绩效等级", "保障类"):
        table.add_column(col)
    for e in items:
        table.add_row(e.uscc, e.name, e.county, e.industry, e.grade, e.essential_category)
    console.print(table)


@app.command()
def show(
    uscc: Annotated[str, typer.Argument(help="统一社会信用代码")],
    version: Annotated[Optional[str], typer.Option("--version")] = None,
    database: DatabaseOption = None,
) -> None:
    """Show one enterprise and its production lines."""
    engine = open_database(database)
    ent, lines = service.get_enterprise(engine, uscc, version)
    console.print(f"[bold]{ent.name}[/]  {ent.uscc}")
    console.print(
        f"区县 {ent.county} · 行业 {ent.industry} · 绩效等级 {ent.grade} · 保障类 {ent.essential_category}"
        + (f"（核定负荷 {ent.essential_approved_load:.0%}）" if ent.essential_approved_load is not None else "")
        + f" · 小微 {'是' if ent.small_micro else '否'} · 联系人 {ent.contact_person or ''} {ent.contact_phone or ''}"
    )
    table = Table(title="生产线")
    for col in ("编号", "名称", "工序", "产能基数", "日产值(元)", "可中断", "SO2", "NOx", "颗粒物", "VOCs (kg/d)"):
        table.add_column(col)
    for ln in lines:
        table.add_row(
            ln.line_code, ln.line_name, ln.process, f"{ln.capacity_basis:g} {ln.capacity_unit}", f"{ln.output_value_yuan:,.0f}",
            "是" if ln.interruptible else "否", f"{ln.so2_kg:g}", f"{ln.nox_kg:g}", f"{ln.pm_kg:g}", f"{ln.vocs_kg:g}",
        )
    console.print(table)
