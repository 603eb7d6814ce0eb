"""Warning lifecycle (预警发布、调整、解除): one function per action, one transaction each.

Lifecycle: draft → issued → adjusted (upgrade / downgrade / extend) → released. Every
issue and adjustment computes a new plan version (older versions stay readable);
release lifts every measure. The rules:

- **Lead time from now.** A plan orders a line only if it can take its measure in
  time: for an issue, before the warning's start; for an adjustment, before the
  change takes effect (``effective_from``, default the later of now and the start).
  The hours are counted from :func:`emergency.clock.now` (never negative);
  ``hours_to_start`` is an explicit override. Lines already under a measure ignore
  lead time (stable re-planning keeps them).
- **Honest issuance.** Every issue and adjustment has one summary
  (:func:`emergency.workflow.issuance.issuance_summary`): level, Beijing start and end, targets met or short per
  area and pollutant, lost value, spared firms, lines excluded by lead time, what
  changed since the previous version, version and hash. A plan short of any target is
  not written: :class:`TargetsNotMet` (exit 10, HTTP 412) carries the summary and the
  suggested spared firms — unless the officer accepts the shortfall
  (``accept_shortfall``; recorded in the audit log and the summary) or approves
  spared firms that close it (``approved_spared``, ``approve_suggested``).
  Approvals stand for the warning's life: an adjustment keeps the firms approved
  before.
- **One change at a time per warning.** A change reads the warning and its
  ``row_version``, computes the plan outside any transaction, then in one transaction
  ``UPDATE warning … SET row_version = row_version + 1 WHERE id = :id AND row_version
  = :seen AND state IN (issued, adjusted)``; no row updated → :class:`Conflict` (HTTP
  409). The plan version, the area claims and the audit record are written in that
  same transaction, so of an adjustment and a release at the same moment exactly one
  wins and no half-written change is ever visible.
- **One active warning per area** is guaranteed by the ``active_area`` primary key: of
  two officers issuing for the same area at the same moment, one gets the warning
  and the other a Conflict. A city warning holds its counties.
- **The list a warning uses stays as planned.** The issue's transaction re-reads its
  list version (``FOR SHARE`` on PostgreSQL) and refuses if it was replaced meanwhile;
  a replace of a version an active warning uses is refused on the import side
  (:mod:`emergency.workflow.lists`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterator

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from emergency import clock
from emergency.errors import Conflict, InputError, NotFound, WarningError
from emergency.plans.document import PlanDocument
from emergency.plans.service import diff_plans, make_plan, policy_for
from emergency.workflow.audit import record as _audit
from emergency.workflow.issuance import audit_facts, issuance_summary, refuse_short, targets_met, when_zh
from emergency.workflow.models import ACTIVE_STATES, ActiveArea, PlanVersion, WarningRecord, WarningState
from enterprise_registry.models import ListVersion
from enterprise_registry.service import load_planning_tables
from emergency.vocabulary import WarningLevel, rank

PlanFunction = Callable[..., object]  # make_plan-compatible
_ACTIVE = [s.value for s in ACTIVE_STATES]
CHANGED_MEANWHILE = "预警已被他人修改或解除，请刷新后重试 (the warning was changed or released meanwhile; reload and retry)"


def plan_sha256(doc: PlanDocument) -> str:
    return _stored(doc)[1]


def _stored(doc: PlanDocument) -> tuple[str, str]:
    """The plan as stored (JSON) and the SHA-256 of that text: serialised once (10^8 bytes
    at province scale)."""
    data = doc.json_bytes()
    return data.decode(), hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Change:
    """What an issue or adjustment wrote: the warning, its new plan version and the
    summary (:func:`emergency.workflow.issuance.issuance_summary`). Unpacks as ``(warning, plan_version)``."""

    warning: WarningRecord
    plan: PlanVersion
    summary: dict

    def __iter__(self) -> Iterator:
        return iter((self.warning, self.plan))


@dataclass(frozen=True)
class Preview:
    """What an issue or adjustment would write, computed by the same code and written
    nowhere (``preview=True``): the plan and its summary, short or not."""

    document: PlanDocument
    summary: dict


# ------------------------------------------------------------------ lead time


def lead_hours(effective_from: datetime, hours_to_start: float | None = None) -> float:
    """Hours the firms have before the measures take effect: the explicit override, else
    counted from now to ``effective_from`` (0 when it is already past)."""
    if hours_to_start is not None:
        return float(hours_to_start)
    return max(0.0, clock.hours_until(effective_from))


def _check_codes(tables, approved) -> None:
    """Approved codes must name firms of the list (a typo is not silently ignored)."""
    unknown = sorted(set(approved) - set(tables.enterprises["uscc"]))
    if unknown:
        raise InputError(f"批准的豁免企业不在清单版本“{tables.version['name']}”中 (unknown codes): {', '.join(unknown)}")


def rotation_held(engine: Engine, tables, start: datetime, end: datetime) -> dict[str, str]:
    """Lines the heating-season rotation plan in effect for the list's city stops on every
    day of [start, end) (Beijing days): line id -> why (none without a stored plan, or
    when the plan was made for another list version)."""
    from emergency.rotation.overlay import held_lines
    from emergency.rotation.service import load_plan

    try:
        _, doc = load_plan(engine, area=tables.version["city"])
    except NotFound:
        return {}
    if doc.get("registry_version") not in (None, tables.version.get("name")):
        return {}
    return held_lines(doc, clock.days_between(start, end))


def _plan(plan_fn, tables, level, policy, areas, hours, approved, approve_suggested, previous=None, held=None):
    """The plan, with the suggested spared firms approved when asked and they close the gap.
    ``held``: lines another order (the rotation calendar) already stops over the warning.
    Returns (document, approved codes)."""
    extra = {} if previous is None else {"previous": previous}
    if held:
        extra["held"] = held
    run = plan_fn(tables, level, policy=policy, areas=areas, hours_to_start=hours, approved_spared=tuple(approved), **extra)
    doc = run.document
    s = doc.suggestion
    if approve_suggested and not targets_met(doc) and s is not None and s.closes_shortfall and s.enterprises:
        approved = sorted(set(approved) | set(s.enterprises))
        run = plan_fn(tables, level, policy=policy, areas=areas, hours_to_start=hours, approved_spared=tuple(approved), **extra)
        doc = run.document
    return doc, sorted(approved)


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
    """The areas a warning holds, each qualified by its city (``<city>/<area>``: two cities
    of one deployment may both have a 城区): a city warning holds the city and all its
    counties (so it collides with any county warning, in either order); a county warning
    holds its county."""
    city = tables.version["city"]
    counties = [n for n, p in zip(tables.areas["name"], tables.areas["parent"]) if p]
    held = set(areas)
    if city in held:
        held |= set(counties)
    return sorted(f"{city}/{a}" for a in held)


def claim_name(claim: str) -> str:
    """The area of a claim, as people name it (its city prefix dropped)."""
    return claim.split("/", 1)[-1]


def active_warning_for(session: Session, areas: list[str]) -> dict[str, int]:
    rows = session.execute(select(ActiveArea).where(ActiveArea.area.in_(areas))).scalars().all()
    return {r.area: r.warning_id for r in rows}


def _bump(session: Session, warning_id: int, seen: int, **values) -> None:
    """The optimistic lock: update the warning only if nobody changed it since it was
    read at ``seen`` and it is still active; else roll back and raise Conflict."""
    result = session.execute(
        update(WarningRecord)
        .where(WarningRecord.id == warning_id, WarningRecord.row_version == seen, WarningRecord.state.in_(_ACTIVE))
        .values(row_version=WarningRecord.row_version + 1, updated_at=clock.now(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        raise Conflict(CHANGED_MEANWHILE, warning=warning_id)


def _list_unchanged(session: Session, tables) -> None:
    """Inside the issue's transaction: the list version planned from is still there, with
    the content planned from (PostgreSQL: locked against a concurrent replace until commit)."""
    name = tables.version["name"]
    row = session.execute(
        select(ListVersion.id, ListVersion.content_sha256).where(ListVersion.name == name).with_for_update(read=True)
    ).first()
    if row is None or (row.content_sha256 and tables.content_sha256 and row.content_sha256 != tables.content_sha256):
        session.rollback()
        raise Conflict(f"清单版本“{name}”刚被替换，请重试 (the list version was replaced meanwhile; retry)")


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
    approved_spared: tuple[str, ...] | list[str] = (),
    approve_suggested: bool = False,
    accept_shortfall: bool = False,
    merge: bool = False,
    plan_fn: PlanFunction = make_plan,
    preview: bool = False,
) -> Change | Preview:
    """Issue a warning and its plan (version 1). Lead time counted from now to ``start``
    unless ``hours_to_start`` overrides it; a short plan raises TargetsNotMet unless
    accepted or closed by approved spared firms (see the module doc). ``merge``: when
    one active warning already covers the areas, adjust it instead (effective from
    ``start``). ``preview``: compute and return the :class:`Preview`, write nothing."""
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
    _check_codes(tables, approved_spared)
    claims = claim_areas(tables, areas)
    with Session(engine) as session:
        held = active_warning_for(session, claims)
    if held:
        ids = sorted(set(held.values()))
        if merge and len(ids) == 1:
            return adjust_warning(
                engine, ids[0], actor=actor, level=level, end=end, effective_from=start, hours_to_start=hours_to_start,
                approved_spared=approved_spared, approve_suggested=approve_suggested,
                accept_shortfall=accept_shortfall, plan_fn=plan_fn, preview=preview,
            )
        raise Conflict(
            "以下区域已有生效预警 (an active warning already covers): "
            + "、".join(f"{claim_name(a)}（预警 {w}）" for a, w in held.items())
            + "；如需升级请用 adjust 或 --merge",
            warnings=ids,
        )
    policy = policy_for(tables)
    rule_set = rule_set or policy.rule_set
    hours = lead_hours(start, hours_to_start)
    doc, approved = _plan(plan_fn, tables, level, policy, areas, hours, approved_spared, approve_suggested,
                          held=rotation_held(engine, tables, start, end))
    doc = doc.model_copy(update={"rule_set": rule_set})
    text, sha = _stored(doc)
    changes = diff_plans(None, doc)
    summary = issuance_summary(
        doc, transition="issue", areas=areas, start=start, end=end, effective_from=start, changes=changes,
        version_no=1, sha256=sha, hours_override=hours_to_start is not None, accepted_shortfall=accept_shortfall,
    )
    if preview:
        return Preview(doc, summary)
    refuse_short(summary, accept_shortfall)
    with Session(engine) as session:
        now = clock.now()
        w = WarningRecord(
            state=WarningState.ISSUED.value, level=level.value, rule_set=rule_set, areas=json.dumps(areas, ensure_ascii=False),
            city=city,
            start=start, end=end, registry_version=tables.version["name"],
            forecast=json.dumps(forecast, ensure_ascii=False, default=clock.json_default) if forecast else None,
            created_by=actor, created_at=now, updated_at=now,
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
        _list_unchanged(session, tables)
        pv = PlanVersion(
            warning_id=w.id, version_no=1, transition="issue", level=level.value, document=text,
            sha256=sha, changes=json.dumps(changes, ensure_ascii=False), created_by=actor, created_at=now,
            effective_from=start,
        )
        session.add(pv)
        _audit(session, actor, "warning.issue", f"warning:{w.id}", {
            "level": level.value, "areas": areas, "start": start, "end": end, "effective_from": start,
            "rule_set": rule_set, "registry_version": tables.version["name"], "policy": policy.area or "national",
            "policy_chain": list(policy.chain), "forecast": forecast, "feasible": doc.feasible, **audit_facts(summary),
        }, sha)
        session.commit()
        session.refresh(w)
        session.refresh(pv)
    summary["warning_id"] = w.id
    return Change(w, pv, summary)


def adjust_warning(
    engine: Engine,
    warning_id: int,
    *,
    actor: str,
    level: WarningLevel | None = None,
    end: datetime | None = None,
    effective_from: datetime | None = None,
    hours_to_start: float | None = None,
    approved_spared: tuple[str, ...] | list[str] = (),
    approve_suggested: bool = False,
    accept_shortfall: bool = False,
    plan_fn: PlanFunction = make_plan,
    preview: bool = False,
) -> Change | Preview:
    """Upgrade, downgrade or extend (a new end) an active warning; re-plans stably.

    ``effective_from``: when the new measures take effect (default the later of now and
    the warning's start; stored on the plan version); lines newly ordered must be able to
    act by then (lead time counted from now, ``hours_to_start`` overrides). Firms
    approved for an earlier version stay approved. ``preview``: compute and return the
    :class:`Preview`, write nothing."""
    with Session(engine) as session:
        w = _load(session, warning_id)
        if w.state not in _ACTIVE:
            raise Conflict(f"预警 {warning_id} 状态为 {w.state}，不能调整 (not active)", warning=warning_id)
        seen = w.row_version
        prev = latest_plan(session, warning_id)
        prev_doc = PlanDocument.model_validate_json(prev.document) if prev else None
        areas = json.loads(w.areas)
        old_level = WarningLevel(w.level)
        start, old_end = clock.aware(w.start), clock.aware(w.end)
        version_no = (prev.version_no if prev else 0) + 1
        registry_version, rule_set = w.registry_version, w.rule_set
    new_level = level or old_level
    if new_level is WarningLevel.NONE:
        raise WarningError("降为“无预警”请用 release (use release)")
    transition = (
        "upgrade" if rank(new_level) > rank(old_level) else "downgrade" if rank(new_level) < rank(old_level) else "extend"
    )
    if transition == "extend" and end is None:
        raise WarningError("调整须给出新级别或新的结束时间 (give a new level or a new end)")
    new_end = clock.aware(end) if end is not None else old_end
    if new_end <= start:
        raise WarningError("结束时间须晚于开始时间 (end must be after start)")
    eff = clock.aware(effective_from) if effective_from is not None else max(clock.now(), start)
    if eff < start:
        raise WarningError(f"生效时间 {when_zh(eff)} 早于预警开始时间 {when_zh(start)} (effective_from before the start)")
    if eff >= new_end:
        raise WarningError(f"生效时间 {when_zh(eff)} 不早于预警结束时间 {when_zh(new_end)} (effective_from not before the end)")
    hours = lead_hours(eff, hours_to_start)
    tables = load_planning_tables(engine, registry_version)
    _check_codes(tables, approved_spared)
    policy = policy_for(tables)
    kept = [s.enterprise_uscc for s in (prev_doc.spared if prev_doc else []) if s.approved_override]
    doc, approved = _plan(plan_fn, tables, new_level, policy, areas, hours, sorted(set(kept) | set(approved_spared)),
                          approve_suggested, previous=prev_doc, held=rotation_held(engine, tables, eff, new_end))
    doc = doc.model_copy(update={"rule_set": rule_set})
    text, sha = _stored(doc)
    changes = diff_plans(prev_doc, doc)
    summary = issuance_summary(
        doc, transition=transition, areas=areas, start=start, end=new_end, effective_from=eff, changes=changes,
        version_no=version_no, sha256=sha, hours_override=hours_to_start is not None,
        accepted_shortfall=accept_shortfall, warning_id=warning_id,
    )
    if preview:
        return Preview(doc, summary)
    refuse_short(summary, accept_shortfall)
    with Session(engine) as session:
        _bump(session, warning_id, seen, level=new_level.value, end=new_end, state=WarningState.ADJUSTED.value)
        pv = PlanVersion(warning_id=warning_id, version_no=version_no, transition=transition, level=new_level.value,
                         document=text, sha256=sha, changes=json.dumps(changes, ensure_ascii=False), created_by=actor,
                         created_at=clock.now(), effective_from=eff)
        session.add(pv)
        _audit(session, actor, f"warning.{transition}", f"warning:{warning_id}", {
            "from": old_level.value, "to": new_level.value, "end": new_end, "previous_end": old_end,
            "effective_from": eff, "lines_changed": changes["lines_changed_total"],
            "registry_version": registry_version, **audit_facts(summary),
        }, sha)
        try:
            session.commit()
        except IntegrityError:  # the (warning, version_no) key: a concurrent adjustment
            session.rollback()
            raise Conflict(CHANGED_MEANWHILE, warning=warning_id) from None
        w = _load(session, warning_id)
        session.refresh(w)
        session.refresh(pv)
    return Change(w, pv, summary)


def release_warning(engine: Engine, warning_id: int, *, actor: str, reason: str | None = None) -> WarningRecord:
    """Release a warning (every measure lifted): records when, by whom and why, and frees
    its areas in the same transaction (a new warning for them is then accepted)."""
    with Session(engine) as session:
        w = _load(session, warning_id)
        if w.state not in _ACTIVE:
            raise Conflict(f"预警 {warning_id} 状态为 {w.state}，不能解除 (not active)", warning=warning_id)
        seen, level = w.row_version, w.level
    with Session(engine) as session:
        now = clock.now()
        _bump(session, warning_id, seen, state=WarningState.RELEASED.value, released_at=now, released_by=actor,
              release_reason=reason)
        session.execute(delete(ActiveArea).where(ActiveArea.warning_id == warning_id))
        _audit(session, actor, "warning.release", f"warning:{warning_id}",
               {"reason": reason, "level": level, "released_at": now})
        session.commit()
        w = _load(session, warning_id)
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
            q = q.where(WarningRecord.state.in_(_ACTIVE))
        return list(session.execute(q).scalars().all())
