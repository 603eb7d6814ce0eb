"""CLI of regions and regional warnings (区域联动): ``list`` the regions, ``show`` one,
``issue`` / ``release`` a regional warning (区域预警提示), ``board`` — which cities have
responded, at which level, and who is overdue (exit code 21 and a red line when any city
is). Times are typed and printed in the bureau's zone (北京时间). The CLI acts with the
database's rights, as the province (``--actor`` names who in the audit log)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from emergency.cli.options import ActorOption, DatabaseOption, open_engine as _engine
from emergency.vocabulary import LEVEL_LABELS_ZH, WarningLevel

app = typer.Typer(no_args_is_help=True)
console = Console()
OVERDUE_EXIT = 21  # not an error class's code (emergency.errors): "a city has not responded in time"
CONFIDENCE_ZH = {"confirmed": "已核实", "local": "地方文件", "to_verify": "待核实", "project": "项目选择"}
STATE_ZH = {"issued": "生效", "released": "已解除"}


def _time(text: str, option: str):
    from emergency import clock

    return clock.parse(text, option)


@app.command("list")
def list_regions(
    warnings: Annotated[bool, typer.Option("--warnings", help="List the regional warnings instead of the regions.")] = False,
    database: DatabaseOption = None,
) -> None:
    """The regions defined in config/regions (cities, time to respond), or the regional warnings."""
    from config.regions import regions

    if warnings:
        _list_warnings(database)
        return
    t = Table(title="区域")
    for col in ("名称", "区域", "类型", "城市数", "响应时限（小时）", "时限依据", "名单依据"):
        t.add_column(col)
    for r in regions():
        t.add_row(r.name, r.name_zh, "省" if r.kind == "province" else "区域", str(len(r.cities)),
                  f"{r.response_within_hours:g}", CONFIDENCE_ZH[r.response_confidence.value],
                  CONFIDENCE_ZH[r.confidence.value])
    console.print(t)


def _list_warnings(database) -> None:
    from emergency import clock
    from emergency.region import service

    rows = service.list_regional(_engine(database))
    t = Table(title=f"区域预警提示（{clock.zone_label()}）")
    for col in ("编号", "区域", "级别", "开始", "结束", "响应期限", "状态", "发布人"):
        t.add_column(col)
    for rw in rows:
        t.add_row(str(rw.id), rw.region_zh, LEVEL_LABELS_ZH[WarningLevel(rw.level)], clock.fmt(rw.start),
                  clock.fmt(rw.end), clock.fmt(service.deadline_of(rw)), STATE_ZH.get(rw.state, rw.state), escape(rw.issued_by))
    console.print(t if rows else "尚无区域预警提示。")


@app.command()
def show(region: Annotated[str, typer.Argument(help="The region's key (fenwei) or Chinese name (汾渭平原).")]) -> None:
    """A region's cities with their provinces, and where each fact comes from."""
    from config.regions import load_region

    r = load_region(region)
    console.print(f"[bold]{r.name_zh}[/]（{r.name}，{'省' if r.kind == 'province' else '区域'}，{len(r.cities)} 个城市；{r.file}）")
    console.print(f"名单依据：{escape(r.source)}（{CONFIDENCE_ZH[r.confidence.value]}）")
    console.print(f"响应时限：区域预警提示发布后 {r.response_within_hours:g} 小时内发布同级或更高级别预警；"
                  f"依据：{escape(r.response_source)}（{CONFIDENCE_ZH[r.response_confidence.value]}）")
    if r.targets:
        shares = "，".join(f"{p.value} {s:.0%}" for p, s in r.targets.items())
        console.print(f"区域减排目标：{shares}；依据：{escape(r.targets_source or '')}")
    if r.notes:
        console.print(f"说明：{escape(r.notes)}")
    t = Table()
    for col in ("城市", "省份", "名单"):
        t.add_column(col)
    for c in r.cities:
        t.add_row(c, r.provinces[c], CONFIDENCE_ZH[r.city_confidence[c].value])
    console.print(t)


@app.command()
def issue(
    region: Annotated[str, typer.Argument(help="The region's key or Chinese name.")],
    level: Annotated[WarningLevel, typer.Option("--level", help="yellow | orange | red")],
    start: Annotated[str, typer.Option("--start", help="Start, Beijing time unless a zone is given, e.g. 2026-12-05T00:00")],
    end: Annotated[str, typer.Option("--end", help="End, Beijing time unless a zone is given.")],
    notice: Annotated[Optional[str], typer.Option("--notice", help="The notice's text (default: written from the region, level and period).")] = None,
    actor: ActorOption = "cli",
    database: DatabaseOption = None,
) -> None:
    """Issue a regional warning: every city of the region must issue at least this level."""
    from emergency import clock
    from emergency.region import service

    rw = service.issue_regional(_engine(database), actor=actor, region=region, level=level,
                                start=_time(start, "--start"), end=_time(end, "--end"), notice=notice)
    console.print(f"已发布区域预警 #{rw.id}：{rw.region_zh} {LEVEL_LABELS_ZH[level]}，{clock.fmt(rw.start)} 至 "
                  f"{clock.fmt(rw.end)}（{clock.zone_label()}）；各城市须于 {clock.fmt(service.deadline_of(rw))} 前响应。")
    console.print(escape(rw.notice))


@app.command()
def release(
    regional_id: Annotated[int, typer.Argument(help="The regional warning's id.")],
    reason: Annotated[Optional[str], typer.Option("--reason", help="Why (recorded).")] = None,
    actor: ActorOption = "cli",
    database: DatabaseOption = None,
) -> None:
    """Release a regional warning (each city releases its own warning)."""
    from emergency import clock
    from emergency.region import service

    rw = service.release_regional(_engine(database), regional_id, actor=actor, reason=reason)
    console.print(f"已解除区域预警 #{rw.id}（{rw.region_zh}）于 {clock.fmt(rw.released_at)}。")


@app.command()
def board(
    regional_id: Annotated[int, typer.Argument(help="The regional warning's id.")],
    database: DatabaseOption = None,
) -> None:
    """Each city's response: level, when, on time or late, reminded; exit code 21 when a
    city is overdue (nothing, or a lower level, after the deadline)."""
    from emergency import clock
    from emergency.region import service

    b = service.board(_engine(database), regional_id)
    rw = b.regional
    console.print(f"区域预警 #{rw.id} · {rw.region_zh} · {LEVEL_LABELS_ZH[WarningLevel(rw.level)]} · "
                  f"{clock.fmt(rw.start)} 至 {clock.fmt(rw.end)}（{clock.zone_label()}） · {STATE_ZH.get(rw.state, rw.state)} · "
                  f"响应期限 {clock.fmt(b.deadline)}")
    t = Table(title=f"各城市响应情况（截至 {clock.fmt(b.judged_at)}）")
    for col in ("城市", "状态", "预警级别", "城市预警", "达到要求级别时间", "催办"):
        t.add_column(col)
    for r in b.rows:
        status = f"[bold red]{r.status_zh}[/]" if r.overdue else r.status_zh
        t.add_row(r.city, status, LEVEL_LABELS_ZH[WarningLevel(r.level)] if r.level else "—",
                  f"#{r.warning_id}" + (f"（另有 {'、'.join(f'#{i}' for i in r.others)}）" if r.others else "")
                  if r.warning_id else "—",
                  clock.fmt(r.responded_at) or "—", clock.fmt(r.reminded_at) or "—")
    console.print(t)
    counts = b.counts()
    console.print("，".join(f"{service.STATUS_ZH[k]} {v}" for k, v in counts.items() if v))
    if b.overdue:
        console.print(f"[bold red]逾期未按要求响应：{'、'.join(b.overdue)}（应于 {clock.fmt(b.deadline)} 前发布"
                      f"{LEVEL_LABELS_ZH[WarningLevel(rw.level)]}及以上预警）[/]")
        raise typer.Exit(OVERDUE_EXIT)
