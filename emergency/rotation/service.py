"""Service functions of the rotation calendar: one call = one unit of work.

Used by the CLI and the scheduler (thin adapters):

- :func:`rules_for` — the area's :class:`RotationRules` from its effective policy;
- :func:`plan_season` — build, solve and document a season (optionally re-planning
  from a day with the past frozen and the warnings overlaid);
- :func:`save_plan` / :func:`load_plan` / :func:`list_plans` — the plans table; only a
  plan with a calendar is ever stored (the latest of a season and area is the one in
  effect, so a solve that found none must not displace it);
- :func:`warnings_from_db` — warnings recorded by the workflow as :class:`WarningStop`
  overlays, one per plan version and the Beijing days it was in force;
- :func:`replan` — the rest of the season from a day, past frozen, from the plan in
  effect and the warnings in the database; a solve that runs out of time or finds no
  calendar is an error and the plan in effect stays in force.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import defer
from sqlmodel import Session

from emergency.errors import NotFound, OptimizationError, RotationError
from emergency.rotation.document import build_document, document_sha256, has_calendar, stop_dates
from emergency.rotation.problem import RotationProblem, WarningStop, build_problem
from emergency.rotation.result import RotationResult, RotationStatus
from emergency.rotation.rules import Holiday, Request, RotationRules, rules_from_policy
from emergency.rotation.solve import solve
from enterprise_registry.columns import RegistryTables


@dataclass
class RotationRun:
    problem: RotationProblem
    result: RotationResult
    document: dict


def policy_area_for(tables: RegistryTables, policy_area: str | None = None):
    """The policy of ``policy_area``, else of the list's city (national only when no
    locality file names the city; a locality file with an error is a PolicyError, never
    a silent fall-back): :func:`emergency.plans.service.policy_for`."""
    from emergency.plans.service import policy_for

    return policy_for(tables, policy_area)


def rules_for(tables: RegistryTables, policy_area: str | None = None, **overrides) -> RotationRules:
    return rules_from_policy(policy_area_for(tables, policy_area), **overrides)


def plan_season(
    tables: RegistryTables,
    season: str,
    *,
    rules: RotationRules | None = None,
    policy_area: str | None = None,
    industries: list[str] | None = None,
    counties: list[str] | None = None,
    warnings: list[WarningStop] = (),
    holidays: list[Holiday] = (),
    requests: list[Request] = (),
    previous: dict | None = None,
    today: date | None = None,
    window: tuple[date, date] | None = None,
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
) -> RotationRun:
    """Plan a season. With ``previous`` (a plan document) and ``today``, days before
    ``today`` are frozen to ``previous`` (the past is not re-planned)."""
    rules = rules or rules_for(tables, policy_area)
    if previous is not None and today is None:
        raise OptimizationError("re-planning needs the day to re-plan from (today)")
    area = previous["area"] if previous is not None else (tables.version.get("city") or "")
    problem = build_problem(
        tables, rules, season, area=area, industries=industries, counties=counties, warnings=list(warnings),
        holidays=list(holidays), requests=list(requests), frozen_until=today if previous is not None else None,
        previous_stops=stop_dates(previous) if previous is not None else None, window=window,
    )
    result = solve(problem, time_limit=time_limit, workers=workers, seed=seed)
    return RotationRun(problem, result, build_document(problem, result))


# ------------------------------------------------------------------ database


def save_plan(engine: Engine, doc: dict) -> int:
    """Store a plan document; the latest of its (season, area) is the one in effect.
    A document without a calendar (the solver found none) is refused."""
    from emergency.rotation.models import RotationPlanRecord

    if not has_calendar(doc):
        raise RotationError(f"{doc.get('area', '')}{doc.get('season', '')}错峰生产方案没有日历（{doc.get('status_zh', '')}），"
                            "不能存为现行方案 (a plan without a calendar is never stored)")
    frozen = doc.get("frozen_until")
    rec = RotationPlanRecord(
        season=doc["season"], area=doc["area"], registry_version=doc.get("registry_version"),
        status=doc["status"], window_start=date.fromisoformat(doc["window"][0]),
        window_end=date.fromisoformat(doc["window"][1]),
        frozen_until=date.fromisoformat(frozen) if frozen else None,
        sha256=document_sha256(doc), document=json.dumps(doc, ensure_ascii=False),
    )
    with Session(engine) as s:
        s.add(rec)
        s.commit()
        return int(rec.id)


def load_plan(engine: Engine, season: str | None = None, area: str | None = None, plan_id: int | None = None) -> tuple[int, dict]:
    """(id, document) of the plan in effect: the latest with a calendar for the
    season/area given, or by id. (A row without a calendar, stored before such rows
    were refused, is passed over.)"""
    from emergency.rotation.models import RotationPlanRecord as R

    q = select(R.id)
    if plan_id is not None:
        q = q.where(R.id == plan_id)
    if season:
        q = q.where(R.season == season)
    if area:
        q = q.where(R.area == area)
    with engine.connect() as conn:
        for (rid,) in conn.execute(q.order_by(R.created_at.desc(), R.id.desc())).all():
            doc = json.loads(conn.execute(select(R.document).where(R.id == rid)).scalar_one())
            if has_calendar(doc):
                return int(rid), doc
    what = "、".join(x for x in (season, area, None if plan_id is None else f"#{plan_id}") if x)
    raise NotFound(f"没有错峰生产方案{('（' + what + '）') if what else ''}；请先运行 emergency rotation plan")


def list_plans(engine: Engine) -> list[dict]:
    from emergency.rotation.models import RotationPlanRecord as R

    with engine.connect() as conn:
        rows = conn.execute(select(R.id, R.season, R.area, R.status, R.registry_version, R.created_at, R.frozen_until)
                            .order_by(R.id)).all()
    return [dict(r._mapping) for r in rows]


def warnings_from_db(engine: Engine, first: date, last: date) -> list[WarningStop]:
    """Warnings of the workflow overlapping [first, last]: one overlay per plan version,
    on the bureau's calendar days it was in force (an upgrade's day carries both
    versions; the overlay takes the stricter). Released warnings count for the days
    they ran. A warning starting 00:00 Beijing time starts on that Beijing day."""
    from emergency.workflow.models import PlanVersion, WarningRecord
    from emergency.workflow.plan_periods import plan_periods

    out: list[WarningStop] = []
    with Session(engine) as session:
        ws = session.execute(select(WarningRecord).where(WarningRecord.state != "draft")
                             .order_by(WarningRecord.id)).scalars().all()
        for w in ws:
            versions = session.execute(select(PlanVersion).options(defer(PlanVersion.document))
                                       .where(PlanVersion.warning_id == w.id)).scalars().all()
            periods = [p for p in plan_periods(w, list(versions)) if not p.empty]
            for p in periods:
                days = p.days()
                if days[-1] < first or days[0] > last:
                    continue
                doc = json.loads(p.version.document)
                cuts = {a["line_id"]: float(a["output_cut"]) for a in doc.get("actions", [])}
                labels = {a["line_id"]: a.get("measure_zh") or a["measure"] for a in doc.get("actions", [])}
                name = f"预警#{w.id}" + (f"（第{p.version.version_no}版）" if len(periods) > 1 else "")
                out.append(WarningStop(start=days[0], end=days[-1], level=p.version.level, cuts=cuts, labels=labels,
                                       name=name))
    return out


def timed_out(result: RotationResult) -> bool:
    """Whether a solve stopped at its time limit (rather than proving what it reports)."""
    return result.status is RotationStatus.NOT_SOLVED or any(
        isinstance(v, dict) and v.get("status") == "not_solved" for k, v in result.info.items() if k.startswith("relaxation"))


def replan(
    engine: Engine,
    tables: RegistryTables,
    today: date,
    *,
    season: str | None = None,
    area: str | None = None,
    rules: RotationRules | None = None,
    extra_warnings: list[WarningStop] = (),
    time_limit: float = 60.0,
    workers: int = 2,
) -> tuple[int, RotationRun]:
    """Re-plan the rest of the season from ``today``: the past stays as it was, the
    warnings in the database (and ``extra_warnings``) are overlaid. Saves the new plan
    when the solver found a calendar meeting every rule, or proved the rules cannot all
    hold and gave the nearest calendar (its breaches listed). A solve that ran out of
    time, or found no calendar, raises :class:`RotationError` and saves nothing: the plan
    in effect — with the days already stopped — stays in force."""
    current_id, previous = load_plan(engine, season, area)
    rules = rules or RotationRules.model_validate(previous["rules"])
    first, last = (date.fromisoformat(x) for x in previous["window"])
    warnings = warnings_from_db(engine, first, last) + list(extra_warnings)
    run = plan_season(
        tables, previous["season"], rules=rules, warnings=warnings,
        holidays=[Holiday.model_validate(h) for h in previous.get("holidays", [])],
        requests=[Request.model_validate(r) for r in previous.get("requests", [])],
        previous=previous, today=today, window=(first, last), time_limit=time_limit, workers=workers,
        industries=list(previous.get("industries", {})) or None, counties=previous.get("counties"),
    )
    result = run.result
    if result.status is RotationStatus.NOT_SOLVED or result.calendar is None:
        kept = f"现行方案 #{current_id} 继续有效（已停产的日期不变），未保存新方案"
        facts = {"status": result.status.value, "seconds": round(result.seconds, 1), "current_plan": current_id}
        if timed_out(result):
            what = ("规则无法全部满足，最接近的日历也未在时限内找到" if result.status is RotationStatus.INFEASIBLE else
                    f"仅找到违反 {len(result.violations)} 项规则的近似日历，未采用" if result.calendar is not None else
                    "未找到任何日历")
            raise RotationError(
                f"重新编排超时：求解器在 {time_limit:g} 秒内未找到可用的错峰日历（{what}）。{kept}。"
                "可用 --time-limit 延长求解时间后重试 (the solver ran out of time; the current plan stays in force)",
                **facts)
        raise RotationError(f"重新编排未找到错峰日历：即使放宽规则也无可行日历。{kept} "
                            "(no calendar exists; the current plan stays in force)", **facts)
    return save_plan(engine, run.document), run


def write_outputs(doc: dict, out: Path) -> dict[str, object]:
    """rotation.json, rotation.xlsx and ics/<uscc>.ics in ``out``, written atomically:
    the JSON and the workbook as a set, the ics folder as a whole (a kill never leaves a
    truncated file or a new JSON beside an old workbook)."""
    from emergency.atomic_files import replacing_all, replacing_dir
    from emergency.rotation.export import write_ics, write_json, write_xlsx

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with replacing_dir(out / "ics") as ics:
        write_ics(doc, ics)
    with replacing_all(out / "rotation.json", out / "rotation.xlsx") as (json_tmp, xlsx_tmp):
        write_json(doc, json_tmp)
        write_xlsx(doc, xlsx_tmp)
    return {"json": out / "rotation.json", "xlsx": out / "rotation.xlsx", "ics": out / "ics"}
