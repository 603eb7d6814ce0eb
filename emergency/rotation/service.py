"""Service functions of the rotation calendar: one call = one unit of work.

Used by the CLI and the scheduler (thin adapters):

- :func:`rules_for` — the area's :class:`RotationRules` from its effective policy;
- :func:`plan_season` — build, solve and document a season (optionally re-planning
  from a day with the past frozen and the warnings overlaid);
- :func:`save_plan` / :func:`load_plan` / :func:`list_plans` — the plans table;
- :func:`warnings_from_db` — warnings recorded by the workflow (their latest plan's
  measures) as :class:`WarningStop` overlays;
- :func:`replan` — the rest of the season from a day, past frozen, from the plan in
  effect and the warnings in the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session

from emergency.errors import NotFound, OptimizationError
from emergency.rotation.document import build_document, document_sha256, stop_dates
from emergency.rotation.problem import RotationProblem, WarningStop, build_problem
from emergency.rotation.result import RotationResult
from emergency.rotation.rules import Holiday, Request, RotationRules, rules_from_policy
from emergency.rotation.solve import solve
from enterprise_registry.columns import RegistryTables


@dataclass
class RotationRun:
    problem: RotationProblem
    result: RotationResult
    document: dict


def policy_area_for(tables: RegistryTables, policy_area: str | None = None):
    """The policy of ``policy_area``, else of the list's city, else the national one."""
    from config.policy import load_policy
    from emergency.errors import PolicyError

    if policy_area:
        return load_policy(policy_area)
    try:
        return load_policy(tables.version.get("city"))
    except PolicyError:
        return load_policy(None)


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
    """Store a plan document; the latest of its (season, area) is the one in effect."""
    from emergency.rotation.models import RotationPlanRecord

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
    """(id, document) of the plan in effect: the latest for the season/area given, or by id."""
    from emergency.rotation.models import RotationPlanRecord as R

    q = select(R.id, R.document)
    if plan_id is not None:
        q = q.where(R.id == plan_id)
    if season:
        q = q.where(R.season == season)
    if area:
        q = q.where(R.area == area)
    with engine.connect() as conn:
        row = conn.execute(q.order_by(R.created_at.desc(), R.id.desc())).first()
    if row is None:
        what = "、".join(x for x in (season, area, None if plan_id is None else f"#{plan_id}") if x)
        raise NotFound(f"没有错峰生产方案{('（' + what + '）') if what else ''}；请先运行 emergency rotation plan")
    return int(row.id), json.loads(row.document)


def plan_for_day(engine: Engine, day: date, area: str | None = None) -> tuple[int, dict] | None:
    """The latest plan whose window contains ``day`` (None outside every season)."""
    from emergency.rotation.models import RotationPlanRecord as R

    q = select(R.id, R.document).where(R.window_start <= day, R.window_end >= day)
    if area:
        q = q.where(R.area == area)
    with engine.connect() as conn:
        row = conn.execute(q.order_by(R.created_at.desc(), R.id.desc())).first()
    return None if row is None else (int(row.id), json.loads(row.document))


def list_plans(engine: Engine) -> list[dict]:
    from emergency.rotation.models import RotationPlanRecord as R

    with engine.connect() as conn:
        rows = conn.execute(select(R.id, R.season, R.area, R.status, R.registry_version, R.created_at, R.frozen_until)
                            .order_by(R.id)).all()
    return [dict(r._mapping) for r in rows]


def warnings_from_db(engine: Engine, first: date, last: date) -> list[WarningStop]:
    """Warnings of the workflow overlapping [first, last], each with its latest plan's
    measures (line id -> output cut). Released warnings count for the days they ran."""
    from emergency.workflow.models import PlanVersion, WarningRecord

    out: list[WarningStop] = []
    with engine.connect() as conn:
        ws = conn.execute(select(WarningRecord.id, WarningRecord.level, WarningRecord.state, WarningRecord.start,
                                 WarningRecord.end, WarningRecord.updated_at).order_by(WarningRecord.id)).all()
        for w in ws:
            if w.state == "draft":
                continue
            start = w.start.date()
            end = (w.updated_at if w.state == "released" and w.updated_at < w.end else w.end)
            end = end.date() if isinstance(end, datetime) else end
            if end < first or start > last:
                continue
            pv = conn.execute(select(PlanVersion.document).where(PlanVersion.warning_id == w.id)
                              .order_by(PlanVersion.version_no.desc())).first()
            if pv is None:
                continue
            doc = json.loads(pv.document)
            cuts = {a["line_id"]: float(a["output_cut"]) for a in doc.get("actions", [])}
            labels = {a["line_id"]: a.get("measure_zh") or a["measure"] for a in doc.get("actions", [])}
            out.append(WarningStop(start=start, end=end, level=w.level, cuts=cuts, labels=labels, name=f"预警#{w.id}"))
    return out


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
    warnings in the database (and ``extra_warnings``) are overlaid. Saves the new plan."""
    _, previous = load_plan(engine, season, area)
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
    return save_plan(engine, run.document), run


def write_outputs(doc: dict, out: Path) -> dict[str, object]:
    """rotation.json, rotation.xlsx and ics/<uscc>.ics in ``out``."""
    from emergency.rotation.export import write_ics, write_json, write_xlsx

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return {
        "json": write_json(doc, out / "rotation.json"),
        "xlsx": write_xlsx(doc, out / "rotation.xlsx"),
        "ics": write_ics(doc, out / "ics"),
    }


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
