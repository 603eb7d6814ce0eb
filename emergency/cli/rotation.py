"""`emergency rotation …`: the heating-season rotation calendar (错峰生产).

- ``plan``: build and solve a season's calendar from the list (the database's latest
  version, ``--registry FILE``, or ``--generate N`` for a generated city), write
  ``rotation.json``, ``rotation.xlsx`` and ``ics/<统一社会信用代码>.ics`` in ``--out``,
  and store the plan in the database (``show`` and the scheduler read it).
- ``replan``: the rest of the season from ``--today``, the past frozen, the warnings
  recorded in the database overlaid.
- ``show``: one enterprise's stop blocks and what each line does on a day.
- ``plans``: the stored plans.

Exit codes: 0 a calendar meeting every rule; 10 the rules cannot all hold (the
nearest calendar is written, its violations listed) or, for ``plan``, only a nearest
calendar was found in the time limit; 15 (RotationError) no calendar at all — nothing
is written or stored — or a ``replan`` that ran out of time (the plan in effect stays
in force); other errors as the rest of the CLI. Days default to the bureau's today.
"""

from __future__ import annotations

import csv
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from emergency import clock
from emergency.cli.options import CityOption, DatabaseOption
from emergency.errors import NotFound, OptimizationError, RegistryError, RotationError, TargetsNotMet

app = typer.Typer(no_args_is_help=True)
console = Console(stderr=True)


def _split(text: str | None) -> list[str]:
    return [x.strip() for x in (text or "").replace("，", ",").split(",") if x.strip()]


def _industry_codes(text: str | None) -> list[str] | None:
    names = _split(text)
    if not names:
        return None
    from config.industries import load_industries

    catalog = load_industries()
    by_zh = catalog.by_name_zh()
    out = []
    for n in names:
        code = n if n in catalog.industries else by_zh.get(n)
        if code is None:
            raise OptimizationError(f"--industry {n!r}: unknown industry (codes or names of config/industries.toml)")
        out.append(code)
    return out


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise OptimizationError(f"{option} {text!r} is not YYYY-MM-DD") from None


def _holidays(path: Path | None, specs: list[str] | None):
    from emergency.rotation.rules import Holiday

    out = []
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise OptimizationError(f"--holidays {path}: {exc}") from None
        out += [Holiday.model_validate(h) for h in data.get("holidays", [])]
    for spec in specs or []:
        parts = spec.split(":")
        if len(parts) not in (3, 4):
            raise OptimizationError(f"--holiday {spec!r}: give NAME:START:END[:prefer_stop|avoid_stop]")
        out.append(Holiday.model_validate(dict(zip(("name", "start", "end", "preference"), parts))))
    return out


_KIND = {"希望停产": "prefer_stop", "希望生产": "avoid_stop", "prefer_stop": "prefer_stop", "avoid_stop": "avoid_stop"}


def _requests(path: Path | None):
    """CSV: 统一社会信用代码, 开始日期, 结束日期, 类型 (希望停产 / 希望生产), 说明 (optional)."""
    from emergency.rotation.rules import Request

    if path is None:
        return []
    out = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            try:
                out.append(Request(uscc=row["统一社会信用代码"].strip(), start=row["开始日期"].strip(),
                                   end=row["结束日期"].strip(), preference=_KIND[row["类型"].strip()],
                                   note=(row.get("说明") or "").strip() or None))
            except (KeyError, ValueError) as exc:
                raise OptimizationError(f"--requests {path}, row {n}: {exc}") from None
    return out


def load_tables(registry: Path | None, generate: int | None, seed: int, version: str | None, database: str | None,
                region: str | None = None, city: str | None = None):
    """The list: a generated city (of a seed ``region``), a list file, or the database's version (``city``'s latest
    in effect)."""
    if generate is not None:
        from enterprise_registry.generator import REGIONS, generate_registry

        if region is not None and region not in REGIONS:
            raise RegistryError(f"未知的 --region {region!r}；可选：{', '.join(REGIONS)}")
        return generate_registry(generate, seed, region=region)
    if registry is not None:
        from enterprise_registry.service import check_list_file

        return check_list_file(registry)
    from enterprise_registry.db import open_database
    from enterprise_registry.service import export_tables

    return export_tables(open_database(database), version, city)


def _summary(doc: dict, out: Path | None, plan_id: int | None) -> None:
    s = doc["summary"]
    t = Table(title=f"{doc['area']} {doc['season']} 错峰生产方案 · {doc['window'][0]}至{doc['window'][1]}（{doc['days']}天）")
    for col in ("状态", "生产线", "轮停", "全时段停产", "保民生", "豁免", "企业", "目标值", "最优界", "差距", "求解(s)"):
        t.add_column(col)
    gap = doc.get("gap")
    t.add_row(
        doc["status_zh"], str(s["lines"]), str(s["rotating"]), str(s["whole_window"]),
        str(s.get("livelihood", 0)) + (f"（期后补停{s['makeup_days']}线·天）" if s.get("makeup_days") else ""), str(s["exempt"]),
        str(s["enterprises"]), "" if doc["objective"] is None else f"{doc['objective']:,.0f}",
        "" if doc["best_bound"] is None else f"{doc['best_bound']:,.0f}", "" if gap is None else f"{gap:.2%}",
        f"{doc['seconds']:.1f}",
    )
    console.print(t)
    if doc["status"] == "not_solved":
        console.print(f"[bold red]求解超时[/]：{doc['seconds']:.0f} 秒内未找到满足全部规则的日历，以下为最接近的日历")
    if doc["status"] in ("optimal", "feasible"):
        console.print("[green]全部规则均满足[/]")
    elif doc["violations"]:
        console.print(f"[bold red]规则无法全部满足[/]：{len(doc['violations'])} 项（已输出最接近的日历，违反之处如下）")
        for v in doc["violations"][:30]:
            console.print(f"  - {v['message_zh']}")
        if len(doc["violations"]) > 30:
            console.print(f"  … 另 {len(doc['violations']) - 30} 项见 rotation.json / rotation.xlsx")
    for note in doc.get("notes", []):
        console.print(f"注：{note}")
    if out is not None:
        console.print(f"→ {out}/rotation.json, rotation.xlsx, ics/" + ("" if plan_id is None else f"（方案 #{plan_id} 已存入数据库）"))


@app.command("plan")
def plan_command(
    season: Annotated[str, typer.Option("--season", help="Season, e.g. 2026-2027.")],
    out: Annotated[Optional[Path], typer.Option("--out", help="Output directory (default rotation-<season>).")] = None,
    industry: Annotated[Optional[str], typer.Option("--industry", help="Only these industries (codes or names, comma-separated).")] = None,
    area: Annotated[Optional[str], typer.Option("--area", help="Only these counties (comma-separated).")] = None,
    policy_area: Annotated[Optional[str], typer.Option("--policy-area", help="Policy area (default: the list's city).")] = None,
    registry: Annotated[Optional[Path], typer.Option("--registry", help="Plan from a list file instead of the database.")] = None,
    generate: Annotated[Optional[int], typer.Option("--generate", min=1, help="Plan for a generated list of N enterprises.")] = None,
    region: Annotated[Optional[str], typer.Option("--region", help="With --generate: shanxi (晋中市) | guanzhong (咸阳市).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of --generate and of the solver.")] = 1,
    version: Annotated[Optional[str], typer.Option("--version", help="List version (default: latest in effect).")] = None,
    city: CityOption = None,
    holidays: Annotated[Optional[Path], typer.Option("--holidays", help="TOML file with \\[\\[holidays]] name/start/end/preference.")] = None,
    holiday: Annotated[Optional[list[str]], typer.Option("--holiday", help="NAME:START:END[:prefer_stop|avoid_stop], repeatable.")] = None,
    requests: Annotated[Optional[Path], typer.Option("--requests", help="CSV of firms' requested windows.")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Solver time limit (s).")] = 60.0,
    workers: Annotated[int, typer.Option("--workers", min=1, max=2, help="CP-SAT workers (≤ 2).")] = 2,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Store the plan in the database.")] = True,
    database: DatabaseOption = None,
) -> None:
    """Plan the season's rotation calendar (错峰生产日历)."""
    from emergency.rotation.rules import parse_season
    from emergency.rotation.service import plan_season, rules_for, save_plan, timed_out, write_outputs

    try:
        parse_season(season)
    except ValueError as exc:
        raise OptimizationError(str(exc)) from None
    if registry is not None and generate is not None:
        raise RegistryError("give --registry or --generate, not both")
    tables = load_tables(registry, generate, seed, version, database, region, city)
    rules = rules_for(tables, policy_area)
    run = plan_season(
        tables, season, rules=rules, industries=_industry_codes(industry), counties=_split(area) or None,
        holidays=_holidays(holidays, holiday), requests=_requests(requests), time_limit=time_limit,
        workers=workers, seed=seed,
    )
    if run.result.calendar is None:
        why = "求解超时" if timed_out(run.result) else "即使放宽规则也无可行日历"
        raise RotationError(f"未找到错峰日历（{why}，{run.result.seconds:.0f} 秒）：未输出、未保存任何方案。"
                            "可用 --time-limit 延长求解时间 (no calendar found; nothing written or stored)",
                            status=run.result.status.value)
    out = out or Path(f"rotation-{season}")
    write_outputs(run.document, out)
    plan_id = None
    if save:
        from enterprise_registry.db import open_database

        plan_id = save_plan(open_database(database), run.document)
    _summary(run.document, out, plan_id)
    if not run.result.feasible:
        raise typer.Exit(TargetsNotMet.exit_code)


@app.command("replan")
def replan_command(
    season: Annotated[Optional[str], typer.Option("--season", help="Season of the plan in effect (default: the latest).")] = None,
    today: Annotated[Optional[str], typer.Option("--today", help="Re-plan from this day (YYYY-MM-DD; default: today, Beijing time).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Output directory (default rotation-<season>).")] = None,
    registry: Annotated[Optional[Path], typer.Option("--registry", help="The list file the plan was made from.")] = None,
    generate: Annotated[Optional[int], typer.Option("--generate", min=1, help="The generated list the plan was made from.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of --generate.")] = 1,
    version: Annotated[Optional[str], typer.Option("--version", help="List version (default: latest in effect).")] = None,
    city: CityOption = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Solver time limit (s).")] = 60.0,
    database: DatabaseOption = None,
) -> None:
    """Re-plan the rest of the season from a day: the past frozen, warnings overlaid.

    A solve that runs out of time or finds no calendar saves nothing (exit 15): the plan
    in effect, with the days already stopped, stays in force."""
    from enterprise_registry.db import open_database
    from emergency.rotation.service import replan, write_outputs

    engine = open_database(database)
    tables = load_tables(registry, generate, seed, version, database, city=city)
    day = _date(today, "--today") or clock.today()
    plan_id, run = replan(engine, tables, day, season=season, time_limit=time_limit)
    out = out or Path(f"rotation-{run.document['season']}")
    write_outputs(run.document, out)
    _summary(run.document, out, plan_id)
    if not run.result.feasible:
        raise typer.Exit(TargetsNotMet.exit_code)


@app.command("show")
def show_command(
    enterprise: Annotated[str, typer.Option("--enterprise", help="统一社会信用代码 (or part of the name).")],
    season: Annotated[Optional[str], typer.Option("--season", help="Season (default: the latest plan).")] = None,
    day: Annotated[Optional[str], typer.Option("--day", help="Show what each line does on this day (default: today, Beijing time).")] = None,
    plan: Annotated[Optional[Path], typer.Option("--plan", help="Read a rotation.json instead of the database.")] = None,
    database: DatabaseOption = None,
) -> None:
    """An enterprise's stop blocks and, for a day, the stricter of rotation and warning."""
    import json

    from emergency.rotation.overlay import line_action

    if plan is not None:
        try:
            doc = json.loads(plan.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise NotFound(f"--plan {plan}: {exc}") from None
    else:
        from enterprise_registry.db import open_database
        from emergency.rotation.service import load_plan

        _, doc = load_plan(open_database(database), season)
    recs = [r for r in doc["lines"] if r["uscc"] == enterprise] or [r for r in doc["lines"] if enterprise in r["enterprise"]]
    if not recs:
        raise NotFound(f"企业“{enterprise}”不在{doc['season']}错峰生产方案中")
    names = sorted({r["enterprise"] for r in recs})
    if len(names) > 1:
        raise NotFound(f"“{enterprise}”匹配多家企业：{'、'.join(names[:10])}；请用统一社会信用代码")
    on = _date(day, "--day") or clock.today()
    t = Table(title=f"{recs[0]['enterprise']}（{recs[0]['uscc']}）· {doc['season']}错峰生产 · 方案状态：{doc['status_zh']}")
    for col in ("生产线", "类别", "应停天数", "已排天数", "停产时段", f"{on.isoformat()}"):
        t.add_column(col)
    for r in recs:
        blocks = "；".join(a if a == b else f"{a}至{b}" for a, b in r["blocks"]) or "—"
        act = line_action(doc, r, on)
        t.add_row(r["line_name"], r["role_zh"] + (f"（{r['reason']}）" if r["reason"] else ""),
                  str(r["required_days"]), str(r["stop_days"]), blocks, act.action_zh)
    Console().print(t)


@app.command("plans")
def plans_command(database: DatabaseOption = None) -> None:
    """The rotation plans stored in the database."""
    from enterprise_registry.db import open_database
    from emergency.rotation.service import list_plans

    t = Table(title="错峰生产方案")
    for col in ("#", "季节", "区域", "状态", "清单版本", f"生成时间（{clock.zone_label()}）", "冻结至"):
        t.add_column(col)
    for p in list_plans(open_database(database)):
        t.add_row(str(p["id"]), p["season"], p["area"], p["status"], p["registry_version"] or "",
                  clock.fmt(p["created_at"]), str(p["frozen_until"] or ""))
    Console().print(t)
