"""Warning lifecycle (预警发布、调整、解除): one function per action, one transaction each.

Lifecycle: draft → issued → adjusted (upgrade / downgrade / extend) → released. Every
issue and adjustment computes a new plan version (older versions stay readable);
release lifts every measure. The plan is computed *before* the transaction, then the
warning, its area claims, the plan version and the audit record are written together,
so no half-written plan is ever visible. One active warning per area is guaranteed by
the ``active_area`` primary key: of two officers issuing for the same area at the same
moment, one gets the warning and the other a Conflict (HTTP 409).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Callable

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from emergency import clock
from emergency.errors import Conflict, NotFound, WarningError
from emergency.plans.document import PlanDocument
from emergency.plans.service import diff_plans, make_plan, policy_for
from emergency.workflow.models import (
    ACTIVE_STATES, ActiveArea, PlanVersion, WarningRecord, WarningState, utcnow,
)
from emergency.workflow.audit import record as _audit
from enterprise_registry.service import load_planning_tables
from enterprise_registry.vocab import WarningLevel

PlanFunction = Callable[..., object]  # make_plan-compatible
_RANK = {WarningLevel.YELLOW: 1, WarningLevel.ORANGE: 2, WarningLevel.RED: 3}


def plan_sha256(doc: PlanDocument) -> str:
    return _stored(doc)[1]


def _stored(doc: PlanDocument) -> tuple[str, str]:
    """The plan as stored (JSON) and the SHA-256 of that text: serialised once (10^8 bytes
    at province scale)."""
    data = doc.json_bytes()
    return data.decode(), hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------ warnings


def _load(session: Session, warning_id: int) -> WarningRecord:
    w = session.get(WarningRecord, warning_id)
    if w is None:
        raise NotFound(f"预警 {warning_id} 不存在 (no such warning)")
    return w


def latest_plan(session: Session, warning_id: int) -> PlanVersion | None:
    return session.execute(
        select(PlanVersion).where(PlanVersion.warning_id == warning_id).order_by(PlanVersion.version_no.desc())
    ).scalars().first()


def claim_areas(tables, areas: list[str]) -> list[str]:
    """The areas a warning holds: a city warning holds the city and all its counties
    (so it collides with any county warning, in either order); a county warning holds
    its county."""
    city = tables.version["city"]
    counties = [n for n, p in zip(tables.areas["name"], tables.areas["parent"]) if p]
    held = set(areas)
    if city in held:
        held |= set(counties)
    return sorted(held)


def active_warning_for(session: Session, areas: list[str]) -> dict[str, int]:
    rows = session.execute(select(ActiveArea).where(ActiveArea.area.in_(areas))).scalars().all()
    return {r.area: r.warning_id for r in rows}


def issue_warning(
    engine: Engine,
    *,
    actor: str,
    level: WarningLevel,
    areas: list[str] | None,
    start: datetime,
    end: datetime,
    rule_set: str | None = None,
    forecast: dict | None = None,
    registry_version: str | None = None,
    hours_to_start: float | None = None,
    approved_spared: tuple[str, ...] = (),
    merge: bool = False,
    plan_fn: PlanFunction = make_plan,
) -> tuple[WarningRecord, PlanVersion]:
    if level is WarningLevel.NONE:
        raise WarningError("级别为“无预警”，不能发布 (level none cannot be issued)")
    start, end = clock.aware(start), clock.aware(end)
    if end <= start:
        raise WarningError("结束时间须晚于开始时间 (end must be after start)")
    tables = load_planning_tables(engine, registry_version)
    city = tables.version["city"]
    areas = areas or [city]
    unknown = [a for a in areas if a not in tables.areas["name"]]
    if unknown:
        raise WarningError(f"区域不在清单中 (unknown areas): {', '.join(unknown)}")
    claims = claim_areas(tables, areas)
    with Session(engine) as session:
        held = active_warning_for(session, claims)
    if held:
        ids = sorted(set(held.values()))
        if merge and len(ids) == 1:
            return adjust_warning(engine, ids[0], actor=actor, level=level, end=end, hours_to_start=hours_to_start, plan_fn=plan_fn)
        raise Conflict(
            "以下区域已有生效预警 (an active warning already covers): "
            + "、".join(f"{a}（预警 {w}）" for a, w in held.items())
            + "；如需升级请用 adjust 或 --merge"
        )
    policy = policy_for(tables)
    rule_set = rule_set or policy.rule_set
    run = plan_fn(tables, level, policy=policy, areas=areas, hours_to_start=hours_to_start, approved_spared=approved_spared)
    doc: PlanDocument = run.document.model_copy(update={"rule_set": rule_set})
    text, sha = _stored(doc)
    with Session(engine) as session:
        w = WarningRecord(
            state=WarningState.ISSUED.value, level=level.value, rule_set=rule_set, areas=json.dumps(areas, ensure_ascii=False),
            start=start, end=end, registry_version=tables.version["name"],
            forecast=json.dumps(forecast, ensure_ascii=False, default=str) if forecast else None, created_by=actor,
        )
        session.add(w)
        try:
            session.flush()
            for a in claims:
                session.add(ActiveArea(area=a, warning_id=w.id))
            session.flush()
        except IntegrityError:
            session.rollback()
            raise Conflict(f"区域 {'、'.join(areas)} 刚刚已由他人发布预警 (another officer issued first)") from None
        pv = PlanVersion(
            warning_id=w.id, version_no=1, transition="issue", level=level.value, document=text,
            sha256=sha, changes=json.dumps(diff_plans(None, doc)), created_by=actor,
        )
        session.add(pv)
        _audit(session, actor, "warning.issue", f"warning:{w.id}", {
            "level": level.value, "areas": areas, "start": start, "end": end, "rule_set": rule_set,
            "registry_version": tables.version["name"], "policy": policy.area or "national",
            "policy_chain": list(policy.chain), "forecast": forecast, "feasible": doc.feasible,
        }, sha)
        session.commit()
        session.refresh(w)
        session.refresh(pv)
        return w, pv


def adjust_warning(
    engine: Engine,
    warning_id: int,
    *,
    actor: str,
    level: WarningLevel | None = None,
    end: datetime | None = None,
    hours_to_start: float | None = None,
    plan_fn: PlanFunction = make_plan,
) -> tuple[WarningRecord, PlanVersion]:
    with Session(engine) as session:
        w = _load(session, warning_id)
        if w.state not in [s.value for s in ACTIVE_STATES]:
            raise Conflict(f"预警 {warning_id} 状态为 {w.state}，不能调整 (not active)")
        prev = latest_plan(session, warning_id)
        prev_doc = PlanDocument.model_validate_json(prev.document) if prev else None
        areas = json.loads(w.areas)
        old_level = WarningLevel(w.level)
        version_no = (prev.version_no if prev else 0) + 1
        registry_version = w.registry_version
    new_level = level or old_level
    if new_level is WarningLevel.NONE:
        raise WarningError("降为“无预警”请用 release (use release)")
    transition = (
        "upgrade" if _RANK[new_level] > _RANK[old_level] else "downgrade" if _RANK[new_level] < _RANK[old_level] else "extend"
    )
    if transition == "extend" and end is None:
        raise WarningError("调整须给出新级别或新的结束时间 (give a new level or a new end)")
    tables = load_planning_tables(engine, registry_version)
    policy = policy_for(tables)
    run = plan_fn(tables, new_level, policy=policy, areas=areas, hours_to_start=hours_to_start, previous=prev_doc)
    doc: PlanDocument = run.document.model_copy(update={"rule_set": w.rule_set})
    text, sha = _stored(doc)
    changes = diff_plans(prev_doc, doc)
    with Session(engine) as session:
        w = _load(session, warning_id)
        if w.state not in [s.value for s in ACTIVE_STATES]:
            raise Conflict(f"预警 {warning_id} 已被他人解除 (released meanwhile)")
        w.level = new_level.value
        if end is not None:
            end = clock.aware(end)
            if end <= w.start:
                raise WarningError("结束时间须晚于开始时间 (end must be after start)")
            w.end = end
        w.state = WarningState.ADJUSTED.value
        w.updated_at = utcnow()
        pv = PlanVersion(warning_id=w.id, version_no=version_no, transition=transition, level=new_level.value,
                         document=text, sha256=sha, changes=json.dumps(changes), created_by=actor)
        session.add(pv)
        _audit(session, actor, f"warning.{transition}", f"warning:{w.id}", {
            "from": old_level.value, "to": new_level.value, "end": w.end, "version": version_no,
            "lines_changed": changes["lines_changed_total"], "registry_version": registry_version,
        }, sha)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise Conflict(f"预警 {warning_id} 正被他人同时调整，请刷新后重试 (concurrent adjustment)") from None
        session.refresh(w)
        session.refresh(pv)
        return w, pv


def release_warning(engine: Engine, warning_id: int, *, actor: str, reason: str | None = None) -> WarningRecord:
    with Session(engine) as session:
        w = _load(session, warning_id)
        if w.state not in [s.value for s in ACTIVE_STATES]:
            raise Conflict(f"预警 {warning_id} 状态为 {w.state}，不能解除 (not active)")
        w.state = WarningState.RELEASED.value
        w.updated_at = utcnow()
        session.execute(delete(ActiveArea).where(ActiveArea.warning_id == w.id))
        _audit(session, actor, "warning.release", f"warning:{w.id}", {"reason": reason, "level": w.level})
        session.commit()
        session.refresh(w)
        return w


def get_warning(engine: Engine, warning_id: int) -> tuple[WarningRecord, list[PlanVersion]]:
    with Session(engine) as session:
        w = _load(session, warning_id)
        versions = session.execute(
            select(PlanVersion).where(PlanVersion.warning_id == warning_id).order_by(PlanVersion.version_no)
        ).scalars().all()
        return w, list(versions)


def plan_version(engine: Engine, warning_id: int, version_no: int | None = None) -> PlanVersion:
    with Session(engine) as session:
        _load(session, warning_id)
        q = select(PlanVersion).where(PlanVersion.warning_id == warning_id)
        q = q.where(PlanVersion.version_no == version_no) if version_no else q.order_by(PlanVersion.version_no.desc())
        pv = session.execute(q).scalars().first()
        if pv is None:
            raise NotFound(f"预警 {warning_id} 没有方案版本 {version_no}")
        return pv


def list_warnings(engine: Engine, active_only: bool = False) -> list[WarningRecord]:
    with Session(engine) as session:
        q = select(WarningRecord).order_by(WarningRecord.id.desc())
        if active_only:
            q = q.where(WarningRecord.state.in_([s.value for s in ACTIVE_STATES]))
        return list(session.execute(q).scalars().all())
