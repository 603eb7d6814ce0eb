"""`emergency warning issue | adjust | release | list | show`: the warning lifecycle (预警发布、调整、解除).

Times are typed and printed in the bureau's zone (北京时间): ``--start 2026-12-05T00:00``
is 00:00 Beijing time, whatever zone the server runs in. ``issue`` and ``adjust`` print
the summary of what was ordered (targets met or short per area and pollutant, lost value,
spared firms, lines excluded by lead time, what changed); a plan short of any target is
not issued (exit 10) unless ``--accept-shortfall`` or approved spared firms close it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from emergency import clock
from emergency.cli.options import ActorOption, CityOption, DatabaseOption, open_engine as _engine
from emergency.errors import EmergencyError, InputError, TargetsNotMet
from emergency.vocabulary import LEVEL_LABELS_ZH, WarningLevel

console = Console()

STATE_ZH = {"draft": "草稿", "issued": "已发布", "adjusted": "已调整", "released": "已解除"}
TRANSITION_ZH = {"issue": "发布", "upgrade": "升级", "downgrade": "降级", "extend": "延长/调整"}
SPARED_SHOWN = 15
DEVIATIONS_SHOWN = 10

HoursOption = Annotated[Optional[float], typer.Option(
    "--hours-to-start", min=0.0,
    help="Override: hours the firms have before the measures take effect (lead times). "
         "Default: counted from now (EMERGENCY_NOW in tests) to the start / --from.")]
ApproveSparedOption = Annotated[Optional[str], typer.Option(
    "--approve-spared", help="Spared firms (统一社会信用代码, comma-separated) the officer approves for measures.")]
ApproveSuggestedOption = Annotated[bool, typer.Option(
    "--approve-suggested", help="Approve the suggested spared firms when they close the shortfall.")]
AcceptShortfallOption = Annotated[bool, typer.Option(
    "--accept-shortfall", help="Issue even though a target is short (recorded in the audit log).")]


def _time(text: str | None, option: str) -> datetime | None:
    """A user's time: ISO 8601, without a zone the bureau's (北京时间)."""
    if text is None:
        return None
    try:
        return clock.parse(text, option)
    except EmergencyError:
        raise InputError(f"{option} {text!r}：不是有效时间，应为 2026-12-05T08:00（{clock.zone_label()}）(ISO 8601)") from None


def _codes(text: str | None) -> list[str]:
    return [x.strip() for x in (text or "").replace("，", ",").split(",") if x.strip()]


def _when(dt) -> str:
    return f"{clock.fmt(dt)}（{clock.zone_label()}）" if dt is not None else ""


def _show(w, versions=None) -> None:
    line = (f"预警 {w.id} · {LEVEL_LABELS_ZH[WarningLevel(w.level)]} · 状态 {STATE_ZH.get(w.state, w.state)} · "
            f"区域 {'、'.join(json.loads(w.areas))} · {clock.fmt(w.start)} 至 {clock.fmt(w.end)}（{clock.zone_label()}） · "
            f"规则 {w.rule_set} · 清单 {w.registry_version}")
    if w.released_at is not None:
        line += f" · 解除于 {_when(w.released_at)}，操作人 {w.released_by or ''}" + (f"，原因：{w.release_reason}" if w.release_reason else "")
    console.print(line, highlight=False)
    if versions:
        t = Table(title=f"方案版本（时间为{clock.zone_label()}）")
        for col in ("版本", "变更", "级别", "生效时间", "调整生产线", "哈希", "操作人", "时间"):
            t.add_column(col)
        for v in versions:
            ch = json.loads(v.changes or "{}")
            t.add_row(str(v.version_no), TRANSITION_ZH.get(v.transition, v.transition), LEVEL_LABELS_ZH[WarningLevel(v.level)],
                      clock.fmt(v.effective_from), str(ch.get("lines_changed_total", "")), v.sha256[:12], v.created_by,
                      clock.fmt(v.created_at))
        console.print(t)


def print_summary(s: dict) -> None:
    """The issuance summary (emergency.workflow.issuance.issuance_summary), in zh-CN."""
    head = f"{s['level_zh']}预警 · {TRANSITION_ZH.get(s['transition'], s['transition'])}"
    if s.get("warning_id") is not None:
        head += f" · 预警 {s['warning_id']}"
    head += f" · 方案版本 {s['plan_version']} · SHA-256 {s['plan_sha256'][:12]}"
    console.print(f"[bold]{head}[/]", highlight=False)
    console.print(f"预警时段：{s['start_zh']} 至 {s['end_zh']}；措施生效：{s['effective_from_zh']}", highlight=False)
    source = "人工指定 --hours-to-start" if s["hours_to_start_from"] == "override" else "自当前时间起算"
    console.print(f"距措施生效 {s['hours_to_start']:.1f} 小时（{source}）；区域 {'、'.join(s['areas'])}；"
                  f"清单 {s['registry_version']}；政策 {s['policy_area']}", highlight=False)
    t = Table(title="减排目标 (kg/日)")
    for col in ("区域", "污染物", "应减", "实减", "缺口", "结论"):
        t.add_column(col, justify="right" if col in ("应减", "实减", "缺口") else "left")
    for r in s["requirements"]:
        t.add_row(r["area"], r["pollutant"], f"{r['required_kg']:,.1f}", f"{r['achieved_kg']:,.1f}",
                  "" if r["met"] else f"[red]{r['shortfall_kg']:,.1f}[/]", "满足" if r["met"] else "[bold red]未满足[/]")
    console.print(t)
    console.print(
        f"措施 {s['lines_ordered']} 条生产线 / {s['firms_ordered']} 家企业 · 损失产值 {s['lost_value_yuan']:,.0f} 元/日 · "
        f"豁免 {s['spared']['count']} 家 · 因停产/限产所需时间不足未下达 {s['excluded_by_lead_time']['count']} 条生产线",
        highlight=False,
    )
    if s["spared"]["firms"]:
        shown = s["spared"]["firms"][:SPARED_SHOWN]
        more = len(s["spared"]["firms"]) - len(shown)
        console.print("豁免企业：" + "、".join(f"{f['name'] or ''}（{f['uscc']}）" for f in shown)
                      + (f" 等（另 {more} 家）" if more > 0 else ""), highlight=False)
    if s["approved_spared"]:
        console.print("经值班员批准纳入管控的豁免企业：" + "、".join(f"{f['name'] or ''}（{f['uscc']}）" for f in s["approved_spared"]),
                      highlight=False)
    filed = s.get("filed_list")
    if filed:
        console.print(filed["summary_zh"], highlight=False)
        for d in filed["deviations"][:DEVIATIONS_SHOWN]:
            console.print(f"  {d['enterprise_name'] or ''}（{d['enterprise_uscc']}）{d['line_name'] or d['line_id']}："
                          f"备案“{d['filed_measure'] or '未备案'}” → 本次“{d['ordered_measure'] or '未下达'}”：{d['reason']}",
                          highlight=False)
        if filed["count"] > DEVIATIONS_SHOWN:
            console.print(f"  …另 {filed['count'] - DEVIATIONS_SHOWN} 条（全部见方案 deviations 及通知包“与备案措施不一致”表）",
                          highlight=False)
    lines, firms = s["changes"]["lines"], s["changes"]["firms"]
    console.print(f"与上一版本相比：生产线 新增 {lines['added']} · 取消 {lines['removed']} · 调整 {lines['changed']} · "
                  f"不变 {lines['unchanged']}；企业 新增 {firms['added']} · 取消 {firms['removed']} · 调整 {firms['changed']} · "
                  f"不变 {firms['unchanged']}", highlight=False)
    if s["targets_met"]:
        console.print("[green]全部减排目标均已满足。[/]")
    elif s["accepted_shortfall"]:
        console.print("[bold red]未满足全部减排目标：值班员已明确接受缺口（已记入审计日志）。[/]")
    else:
        console.print("[bold red]未满足全部减排目标，未发布。[/]")
    sug = s.get("suggestion")
    if not s["targets_met"] and sug and sug["enterprises"]:
        verdict = "可补足缺口" if sug["closes_shortfall"] else "仍不足以补足缺口"
        console.print(f"建议批准纳入管控的豁免企业（最少家数）{len(sug['enterprises'])} 家，{verdict}，"
                      f"损失产值 {sug['lost_value_yuan']:,.0f} 元/日：{', '.join(sug['enterprises'][:20])}"
                      + (" …" if len(sug["enterprises"]) > 20 else ""), highlight=False)
    if not s["targets_met"] and not s["accepted_shortfall"]:
        console.print("可加 --approve-suggested 或 --approve-spared 批准豁免企业纳入管控，或 --accept-shortfall 明确接受缺口。")


def _summarised(action):
    """Run an issue/adjust; print its summary, also when it was refused for a shortfall."""
    try:
        change = action()
    except TargetsNotMet as exc:
        if "summary" in exc.extra:
            print_summary(exc.extra["summary"])
        raise
    print_summary(change.summary)
    return change


def issue(
    level: Annotated[WarningLevel, typer.Option("--level", help="yellow | orange | red")],
    start: Annotated[str, typer.Option("--start", help="Start, Beijing time (北京时间) unless a zone is given, e.g. 2026-12-05T00:00")],
    end: Annotated[str, typer.Option("--end", help="End, Beijing time unless a zone is given")],
    area: Annotated[Optional[str], typer.Option("--area", help="Areas (comma-separated; default the city)")] = None,
    rules: Annotated[Optional[str], typer.Option("--rules", help="Rule set (default: the area's)")] = None,
    hours_to_start: HoursOption = None,
    approve_spared: ApproveSparedOption = None,
    approve_suggested: ApproveSuggestedOption = False,
    accept_shortfall: AcceptShortfallOption = False,
    merge: Annotated[bool, typer.Option("--merge", help="If an active warning covers the area, adjust it instead.")] = False,
    city: CityOption = None,
    actor: ActorOption = "cli",
    database: DatabaseOption = None,
) -> None:
    """Issue a warning (发布预警) and compute its plan; prints what it orders. Exit 10 if a target is short."""
    from emergency.workflow.lifecycle import get_warning, issue_warning
    from enterprise_registry.service import latest_version

    t0, t1 = _time(start, "--start"), _time(end, "--end")
    engine = _engine(database)
    version = latest_version(engine, city).name if city else None
    areas = _codes(area) or None
    change = _summarised(lambda: issue_warning(
        engine, actor=actor, level=level, areas=areas, start=t0, end=t1, rule_set=rules, hours_to_start=hours_to_start,
        approved_spared=_codes(approve_spared), approve_suggested=approve_suggested, accept_shortfall=accept_shortfall,
        merge=merge, registry_version=version))
    _show(*get_warning(engine, change.warning.id))


def adjust(
    warning_id: Annotated[int, typer.Argument()],
    level: Annotated[Optional[WarningLevel], typer.Option("--level", help="New level (upgrade / downgrade)")] = None,
    end: Annotated[Optional[str], typer.Option("--end", help="New end, Beijing time (extend)")] = None,
    effective_from: Annotated[Optional[str], typer.Option(
        "--from", help="When the new measures take effect, Beijing time (default: now, or the start if later)")] = None,
    hours_to_start: HoursOption = None,
    approve_spared: ApproveSparedOption = None,
    approve_suggested: ApproveSuggestedOption = False,
    accept_shortfall: AcceptShortfallOption = False,
    actor: ActorOption = "cli",
    database: DatabaseOption = None,
) -> None:
    """Upgrade, downgrade or extend a warning (调整预警); re-plans stably; prints what changed. Exit 10 if a target is short."""
    from emergency.workflow.lifecycle import adjust_warning, get_warning

    new_end, eff = _time(end, "--end"), _time(effective_from, "--from")
    engine = _engine(database)
    _summarised(lambda: adjust_warning(
        engine, warning_id, actor=actor, level=level, end=new_end, effective_from=eff, hours_to_start=hours_to_start,
        approved_spared=_codes(approve_spared), approve_suggested=approve_suggested, accept_shortfall=accept_shortfall))
    _show(*get_warning(engine, warning_id))


def release(
    warning_id: Annotated[int, typer.Argument()],
    reason: Annotated[Optional[str], typer.Option("--reason", help="Why (recorded with the release)")] = None,
    actor: ActorOption = "cli",
    database: DatabaseOption = None,
) -> None:
    """Release a warning (解除预警): every measure is lifted."""
    from emergency.workflow.lifecycle import release_warning

    _show(release_warning(_engine(database), warning_id, actor=actor, reason=reason))


def list_(active: Annotated[bool, typer.Option("--active")] = False,
          city: Annotated[Optional[str], typer.Option("--city", help="One city's warnings only.")] = None,
          database: DatabaseOption = None) -> None:
    """List warnings (times in Beijing time)."""
    from emergency.workflow.lifecycle import list_warnings

    for w in list_warnings(_engine(database), active_only=active):
        if city is None or w.city == city:
            _show(w)


def show(warning_id: Annotated[int, typer.Argument()], database: DatabaseOption = None) -> None:
    """Show a warning and its plan versions (times in Beijing time)."""
    from emergency.workflow.lifecycle import get_warning

    _show(*get_warning(_engine(database), warning_id))
