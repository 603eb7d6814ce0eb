"""CLI of joint plans across a region's cities (联合减排方案).

    emergency joint generate --cities 28 --lines 1000000 [--seed 1] [--database URL]
    emergency joint plan (--region NAME | --cities A,B,C) --level orange|red
                         [--mode compare|joint|separate] [--out DIR] [--generate N] [--pooling FILE]

Thin adapters over :mod:`emergency.joint.service` and :mod:`emergency.joint.report`.
``plan`` reads each city's latest list from the database, or with ``--generate N`` plans a
generated region of about N production lines in memory (nothing written to the database).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from emergency.cli.options import ActorOption, DatabaseOption
from emergency.errors import InputError

app = typer.Typer(no_args_is_help=True)
console = Console()

MODES = ("compare", "joint", "separate")
LEVELS = ("yellow", "orange", "red")


def _city_list(cities: str | None) -> list[str] | None:
    if cities is None:
        return None
    return [c.strip() for c in cities.replace("，", ",").replace("、", ",").split(",") if c.strip()]


@app.command()
def generate(
    cities: Annotated[int, typer.Option("--cities", min=1, max=200, help="Number of cities (the 2+26 cities first).")] = 28,
    lines: Annotated[Optional[int], typer.Option("--lines", min=1, help="About this many production lines in all.")] = None,
    firms_per_city: Annotated[Optional[int], typer.Option("--firms-per-city", min=1, help="Or this many firms per city.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same region).")] = 1,
    replace: Annotated[bool, typer.Option("--replace", help="Replace list versions of the same names.")] = False,
    region: Annotated[Optional[str], typer.Option("--region", help="Generate the cities of this region (config/regions) instead of the first --cities of 2+26.")] = None,
    actor: ActorOption = "cli",
    database: DatabaseOption = None,
) -> None:
    """Generate a region's lists (one per city) and import each as its own list version (audited)."""
    from emergency.cli.options import open_engine
    from emergency.joint.service import import_region
    from enterprise_registry.generator import generate_region

    if (lines is None) == (firms_per_city is None):
        raise InputError("请给出 --lines 或 --firms-per-city 之一 (give one of --lines or --firms-per-city)")
    engine = open_engine(database)
    t0 = time.perf_counter()
    with console.status("生成区域清单 (generating)…"):
        names = None
        if region is not None:
            from config.regions import load_region

            names = list(load_region(region).cities)
            cities = len(names)
        tables = generate_region(cities, lines_total=lines, firms_per_city=firms_per_city, seed=seed, names=names)
    t1 = time.perf_counter()
    with console.status("写入数据库 (writing)…") as status:
        summaries = import_region(engine, tables, actor=actor, replace=replace,
                                  progress=lambda done, total, city: status.update(f"写入数据库 {done}/{total}：{city}"))
    n_lines = sum(s.lines for s in summaries)
    n_firms = sum(s.enterprises for s in summaries)
    console.print(f"已生成并导入 {len(summaries)} 个城市的清单：{n_firms:,} 家企业、{n_lines:,} 条生产线 "
                  f"(generate {t1 - t0:.1f}s, import {time.perf_counter() - t1:.1f}s)", markup=False)
    for s in summaries:
        console.print(f"  {s.version}：{s.enterprises:,} 家企业、{s.lines:,} 条生产线", markup=False, highlight=False)


@app.command()
def plan(
    level: Annotated[Optional[str], typer.Option("--level", help="Warning level: yellow | orange | red (default: the regional warning's).")] = None,
    regional_warning: Annotated[Optional[int], typer.Option("--regional-warning", min=1, help="Plan the cities of this regional warning (区域预警) at its level.")] = None,
    region: Annotated[Optional[str], typer.Option("--region", help="A region defined in config/regions (key or Chinese name).")] = None,
    cities: Annotated[Optional[str], typer.Option("--cities", help="Cities, comma-separated (or a number with --generate).")] = None,
    mode: Annotated[str, typer.Option("--mode", help="compare (both and the saving) | joint | separate.")] = "compare",
    out: Annotated[Optional[Path], typer.Option("--out", help="Directory for joint_plan.json and the province report (.xlsx).")] = None,
    generate: Annotated[Optional[int], typer.Option("--generate", min=1, help="Plan a generated region of about N lines (in memory).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of --generate.")] = 1,
    pooling: Annotated[Optional[Path], typer.Option("--pooling", help="A pooling file (or a region file with [pooling]); default: the packaged one.")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", min=1.0, help="Seconds per solve.")] = 40.0,
    database: DatabaseOption = None,
) -> None:
    """Plan a region's cities jointly and/or each alone, and report who carries what and what joint planning saves."""
    from emergency.joint import report
    from emergency.joint.pooling import load_pooling
    from emergency.joint.service import RegionSpec, load_region_tables, plan_region, resolve_region

    if regional_warning is not None:
        if region or cities or generate is not None:
            raise InputError("--regional-warning 已确定城市，不能再给 --region / --cities / --generate")
        from emergency.cli.options import open_engine
        from emergency.region.service import get_regional

        rw = get_regional(open_engine(database), regional_warning)
        if rw.state != "issued":
            console.print(f"[yellow]注意：区域预警 #{rw.id} 已解除，仍按其城市与级别计算[/]")
        region, level = rw.region, level or rw.level
    if level not in LEVELS:
        raise InputError(f"--level 须为 {' | '.join(LEVELS)}（收到 {level!r}）")
    if mode not in MODES:
        raise InputError(f"--mode 须为 {' | '.join(MODES)}（收到 {mode!r}）")
    rule = load_pooling(pooling)
    t0 = time.perf_counter()
    names = _city_list(cities)
    if generate is not None:
        from enterprise_registry.generator import generate_region, region_city_names

        if names and len(names) == 1 and names[0].isdigit():
            spec = RegionSpec(f"演示区域（{names[0]} 个城市）", tuple(region_city_names(int(names[0]))))
        else:
            spec = resolve_region(region, names)
        with console.status("生成区域清单 (generating)…"):
            tables = generate_region(len(spec.cities), lines_total=generate, seed=seed, names=list(spec.cities))
    else:
        from emergency.cli.options import open_engine

        spec = resolve_region(region, names)
        engine = open_engine(database)
        with console.status("读取各市清单 (reading)…"):
            tables = load_region_tables(engine, spec.cities)
    t_input = time.perf_counter() - t0
    with console.status("优化 (planning)…"):
        result = plan_region(tables, level, mode, region=spec, pooling=rule, time_limit=time_limit)
    result.phases = {("generate" if generate is not None else "read"): t_input, **result.phases}

    table = Table(title=f"{spec.name}：{report.MODE_NAMES[mode]}（{len(spec.cities)} 个城市）")
    for h in report.CITY_HEADERS:
        table.add_column(h, overflow="fold")
    for row in report.table_rows(result):
        table.add_row(*row)
    console.print(table)
    for label, text in report.summary_facts(result):
        console.print(f"{label}：{text}", markup=False, highlight=False)
    console.print("用时 (seconds)：" + "，".join(f"{k} {v:.2f}" for k, v in result.phases.items()), markup=False)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        j = report.write_json(result, out / "joint_plan.json")
        x = report.write_workbook(result, out / "province_report.xlsx")
        console.print(f"已写出 {j} 与 {x}", markup=False)
