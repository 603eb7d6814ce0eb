"""Regional warnings (区域预警提示) and the cities' responses (区域联动).

The province (or the region's coordinating office) issues a regional warning: a region
(``config/regions/<key>.toml``), a level and a period. Every city of the region must then
issue its own warning of at least that level, covering the period, within the region's
``response_within_hours`` of the notice; a city may go higher, and then its higher level
governs (DOMAIN.md §2). One function per action, one transaction each, every change audited.

**The response board** (:func:`board`) reads, for each city of the region (as it was at
issue), the city's warnings (``warning.city``) that cover the whole city, overlap the
regional period and are in force — active, or released only after the regional warning
ended or was released (a city that released early no longer responds). Of those the
highest level governs. A city's response time is the first plan version at a level at
least the regional one (the issue, or the upgrade that reached it). Each city is:

    responded   level = required, reached by the deadline      已响应
    higher      level > required, reached by the deadline      已响应（更高级别）
    late        level ≥ required, reached after the deadline   逾期响应
    lower       a warning, but below the required level        级别不足 (overdue after the deadline)
    pending     nothing yet, still within the time             待响应
    overdue     nothing, the deadline passed                   逾期未响应

The deadline is ``issued_at + response_within_hours``; times are stored in UTC and shown in
the bureau's zone. A released regional warning is judged at its release.

**Reminders** (:func:`remind_cities`, the scheduler's ``regional-reminders`` job): each city
overdue (nothing, or a lower level, after the deadline) of an issued regional warning gets
ONE reminder — a row of the dispatch log (kind ``regional_reminder``, scope
``regional:<id>:<city>``, day = the deadline's Beijing day), inserted in its own
transaction: the unique key makes it exactly once across job runs, restarts and two
schedulers (the pattern of :mod:`emergency.scheduler.dispatch`).

**Who may do what.** Issuing and releasing are the province's: an account with the warning
permission and no city of its own (``app_user.city`` NULL). A city's account sees the
regional warnings of the regions its city belongs to, and on the board only its own row;
another region's warning is not found for it (:func:`require_province`, :func:`check_visible`;
the account's city is :func:`emergency.workflow.scope.city_of`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlmodel import Session

from config.regions import Region, load_region
from emergency import clock
from emergency.errors import Conflict, InputError, NotFound, PermissionDenied, WarningError
from emergency.region.models import RegionalState, RegionalWarning
from emergency.vocabulary import LEVEL_LABELS_ZH, WarningLevel, rank
from emergency.workflow.audit import record as _audit
from emergency.workflow.scope import city_of

log = logging.getLogger("emergency.region")

KIND_REMINDER = "regional_reminder"
RESPONDED, HIGHER, LATE, LOWER, PENDING, OVERDUE = "responded", "higher", "late", "lower", "pending", "overdue"
STATUS_ZH = {
    RESPONDED: "已响应", HIGHER: "已响应（更高级别，从高执行）", LATE: "逾期响应",
    LOWER: "级别不足", PENDING: "待响应（时限内）", OVERDUE: "逾期未响应",
}
NOTICE_MAX = 4000
CHANGED_MEANWHILE = "区域预警已被他人修改或解除，请刷新后重试 (the regional warning changed meanwhile; reload and retry)"


# --- who may do what (the account's city: emergency.workflow.scope) -----------------------

def require_province(user) -> None:
    """Issuing and releasing a regional warning are the province's (an account of no city)."""
    city = city_of(user)
    if city is not None:
        raise PermissionDenied(f"区域预警提示由省级（区域）账号发布和解除；{city}的账号只能查看并响应 "
                               "(only a province account issues or releases regional warnings)")


def check_visible(user, rw: RegionalWarning) -> None:
    """NotFound when a city's account asks for a regional warning that does not oblige its city."""
    city = city_of(user)
    if city is not None and city not in json.loads(rw.cities):
        raise NotFound(f"区域预警 {rw.id} 不存在 (no such regional warning)")


# --- issue, release, read ------------------------------------------------------------------

def default_notice(region: Region | RegionalWarning, level: WarningLevel, start: datetime, end: datetime,
                   hours: float, issued_at: datetime) -> str:
    name = region.name_zh if isinstance(region, Region) else region.region_zh
    cities = region.cities if isinstance(region, Region) else json.loads(region.cities)
    deadline = issued_at + timedelta(hours=hours)
    return (f"{name}重污染天气预警提示：预计{clock.fmt_zh(start)}至{clock.fmt_zh(end)}，区域内将出现重污染天气过程。"
            f"请{'、'.join(cities)}于{clock.fmt(deadline, '%Y年%m月%d日%H时%M分')}前发布{LEVEL_LABELS_ZH[level]}及以上预警，"
            f"启动相应级别应急响应，落实应急减排措施（可发布更高级别预警，从高执行）。")


def issue_regional(engine: Engine, *, actor: str, region: str, level: WarningLevel | str, start: datetime,
                   end: datetime, notice: str | None = None, policy_dir=None) -> RegionalWarning:
    """Issue a regional warning for ``region`` (its key or Chinese name): every city must
    issue at least ``level`` within the region's response time. Refused when the region
    already has an issued regional warning overlapping the period (release it first)."""
    level = WarningLevel(level)
    if level is WarningLevel.NONE:
        raise WarningError("级别为“无预警”，不能发布 (level none cannot be issued)")
    start, end = clock.as_utc(start), clock.as_utc(end)
    if end <= start:
        raise WarningError("结束时间须晚于开始时间 (end must be after start)")
    notice = (notice or "").strip() or None
    if notice is not None and len(notice) > NOTICE_MAX:
        raise InputError(f"预警提示文字过长（{len(notice)} 字，至多 {NOTICE_MAX} 字）(notice too long)", field="notice")
    r = load_region(region, policy_dir)
    with Session(engine) as session:
        clash = session.execute(
            select(RegionalWarning.id).where(
                RegionalWarning.region == r.name, RegionalWarning.state == RegionalState.ISSUED.value,
                RegionalWarning.start < end, RegionalWarning.end > start)
        ).scalars().first()
        if clash is not None:
            raise Conflict(f"{r.name_zh}已有生效的区域预警（#{clash}）与该时段重叠；如需调整请先解除 "
                           "(an issued regional warning overlaps)", regional_warning=clash)
        now = clock.now()
        rw = RegionalWarning(
            region=r.name, region_zh=r.name_zh, level=level.value, start=start, end=end,
            cities=json.dumps(list(r.cities), ensure_ascii=False), response_within_hours=r.response_within_hours,
            response_source=f"{r.response_source}（{r.response_confidence.value}；{r.file}）",
            notice=notice or default_notice(r, level, start, end, r.response_within_hours, now),
            state=RegionalState.ISSUED.value, issued_by=actor, issued_at=now,
        )
        session.add(rw)
        session.flush()
        _audit(session, actor, "region.warning.issue", f"regional_warning:{rw.id}", {
            "region": r.name, "region_zh": r.name_zh, "level": level.value, "start": start, "end": end,
            "cities": list(r.cities), "response_within_hours": r.response_within_hours,
            "deadline": now + timedelta(hours=r.response_within_hours), "policy_file": r.file,
        })
        session.commit()
        session.refresh(rw)
    log.info("regional warning #%d issued: %s %s, %d cities", rw.id, r.name, level.value, len(r.cities))
    return rw


def get_regional(engine: Engine, regional_id: int) -> RegionalWarning:
    with Session(engine) as session:
        rw = session.get(RegionalWarning, regional_id)
        if rw is None:
            raise NotFound(f"区域预警 {regional_id} 不存在 (no such regional warning)")
        return rw


def release_regional(engine: Engine, regional_id: int, *, actor: str, reason: str | None = None) -> RegionalWarning:
    """Release a regional warning (the cities' own warnings are theirs to release)."""
    rw = get_regional(engine, regional_id)
    if rw.state != RegionalState.ISSUED.value:
        raise Conflict(f"区域预警 {regional_id} 已解除 (already released)", regional_warning=regional_id)
    with Session(engine) as session:
        now = clock.now()
        done = session.execute(
            update(RegionalWarning)
            .where(RegionalWarning.id == regional_id, RegionalWarning.row_version == rw.row_version,
                   RegionalWarning.state == RegionalState.ISSUED.value)
            .values(state=RegionalState.RELEASED.value, released_at=now, released_by=actor,
                    release_reason=(reason or "").strip() or None, row_version=RegionalWarning.row_version + 1)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:
            session.rollback()
            raise Conflict(CHANGED_MEANWHILE, regional_warning=regional_id)
        _audit(session, actor, "region.warning.release", f"regional_warning:{regional_id}",
               {"region": rw.region, "level": rw.level, "reason": reason, "released_at": now})
        session.commit()
    return get_regional(engine, regional_id)


def list_regional(engine: Engine, *, user=None, active_only: bool = False, region: str | None = None) -> list[RegionalWarning]:
    """Regional warnings, newest first; a city's account sees those obliging its city."""
    with Session(engine) as session:
        q = select(RegionalWarning).order_by(RegionalWarning.id.desc())
        if active_only:
            q = q.where(RegionalWarning.state == RegionalState.ISSUED.value)
        if region:
            q = q.where(RegionalWarning.region == load_region(region).name)
        rows = list(session.execute(q).scalars().all())
    city = city_of(user)
    return [r for r in rows if city is None or city in json.loads(r.cities)]


# --- the response board --------------------------------------------------------------------

@dataclass(frozen=True)
class CityResponse:
    city: str
    status: str
    status_zh: str
    overdue: bool  # red on the board: nothing, or too low, after the deadline
    level: str | None  # the governing level of the city's warnings (None: no warning)
    higher: bool
    warning_id: int | None
    warning_state: str | None
    responded_at: datetime | None  # when the city first reached the required level
    reminded_at: datetime | None
    others: tuple[int, ...] = field(default=())  # further covering warnings of the city


@dataclass(frozen=True)
class Board:
    regional: RegionalWarning
    deadline: datetime
    judged_at: datetime  # now, or the release if earlier
    rows: list[CityResponse]

    @property
    def overdue(self) -> list[str]:
        return [r.city for r in self.rows if r.overdue]

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in STATUS_ZH}
        for r in self.rows:
            out[r.status] += 1
        return out


def deadline_of(rw: RegionalWarning) -> datetime:
    return clock.as_utc(rw.issued_at) + timedelta(hours=rw.response_within_hours)


def _reminders(session: Session, regional_id: int) -> dict[str, datetime]:
    from emergency.scheduler.models import DispatchRecord

    prefix = f"regional:{regional_id}:"
    rows = session.execute(
        select(DispatchRecord.scope, DispatchRecord.dispatched_at)
        .where(DispatchRecord.kind == KIND_REMINDER, DispatchRecord.scope.startswith(prefix, autoescape=True))
    ).all()
    return {scope[len(prefix):]: clock.as_utc(at) for scope, at in rows}


def board(engine: Engine, regional_id: int, now: datetime | None = None, *, user=None) -> Board:
    """Each city's response to the regional warning (see the module doc); a city's
    account gets its own row only."""
    from emergency.workflow.models import PlanVersion, WarningRecord

    rw = get_regional(engine, regional_id)
    if user is not None:
        check_visible(user, rw)
    now = clock.as_utc(now or clock.now())
    judged = min(now, clock.as_utc(rw.released_at)) if rw.released_at else now
    held_until = min(clock.as_utc(rw.end), judged)  # a city's warning must stay in force until then
    cities = json.loads(rw.cities)
    mine = city_of(user)
    if mine is not None:
        cities = [c for c in cities if c == mine]
    deadline = deadline_of(rw)
    required = rank(rw.level)
    with Session(engine) as session:
        warnings = session.execute(
            select(WarningRecord.id, WarningRecord.city, WarningRecord.areas, WarningRecord.level,
                   WarningRecord.state, WarningRecord.released_at, WarningRecord.created_at)
            .where(WarningRecord.city.in_(cities), WarningRecord.start < rw.end, WarningRecord.end > rw.start,
                   WarningRecord.created_at <= judged)
            .order_by(WarningRecord.id)
        ).all()
        ids = [w.id for w in warnings]
        versions = session.execute(
            select(PlanVersion.warning_id, PlanVersion.level, PlanVersion.created_at)
            .where(PlanVersion.warning_id.in_(ids), PlanVersion.created_at <= judged)
        ).all() if ids else []
        reminded = _reminders(session, regional_id)
    reached: dict[int, datetime] = {}
    for wid, level, at in versions:
        if rank(level) >= required:
            at = clock.as_utc(at)
            reached[wid] = min(at, reached.get(wid, at))
    by_city: dict[str, list] = {}
    for w in warnings:
        whole_city = w.city in json.loads(w.areas)
        in_force = w.state != "released" or (w.released_at is not None and clock.as_utc(w.released_at) >= held_until)
        if whole_city and in_force and w.state != "draft":
            by_city.setdefault(w.city, []).append(w)
    rows = []
    for city in cities:
        ws = by_city.get(city, [])
        if not ws:
            status = OVERDUE if judged > deadline else PENDING
            rows.append(CityResponse(city, status, STATUS_ZH[status], status == OVERDUE, None, False, None, None,
                                     None, reminded.get(city)))
            continue
        top = max(ws, key=lambda w: (rank(w.level), -w.id))
        at = min((reached[w.id] for w in ws if w.id in reached and rank(w.level) >= required), default=None)
        if rank(top.level) < required or at is None:
            status, late = LOWER, judged > deadline
        else:
            late = at > deadline
            status = LATE if late else (HIGHER if rank(top.level) > required else RESPONDED)
        rows.append(CityResponse(
            city, status, STATUS_ZH[status], status == LOWER and late, top.level, rank(top.level) > required,
            top.id, top.state, at if status != LOWER else None, reminded.get(city),
            tuple(w.id for w in ws if w.id != top.id)))
    return Board(rw, deadline, judged, rows)


def for_city(engine: Engine, city: str, now: datetime | None = None) -> list[tuple[RegionalWarning, CityResponse]]:
    """The issued regional warnings obliging ``city``, with the city's own row (a banner)."""
    out = []
    for rw in list_regional(engine, active_only=True):
        if city in json.loads(rw.cities):
            b = board(engine, rw.id, now)
            out.append((rw, next(r for r in b.rows if r.city == city)))
    return out


# --- reminders -----------------------------------------------------------------------------

def remind_cities(engine: Engine, now: datetime, cfg=None) -> int:
    """Remind, once, every overdue city of every issued regional warning; the number of
    reminders this call recorded (0 when another run or scheduler already did)."""
    from emergency.scheduler.dispatch import record

    now = clock.as_utc(now)
    n = 0
    for rw in list_regional(engine, active_only=True):
        if now >= clock.as_utc(rw.end):
            continue
        b = board(engine, rw.id, now)
        for row in b.rows:
            if not row.overdue:
                continue
            payload = {"regional_warning": rw.id, "region": rw.region, "region_zh": rw.region_zh, "city": row.city,
                       "level": rw.level, "status": row.status, "city_level": row.level, "deadline": b.deadline,
                       "note_zh": (f"{row.city}：{rw.region_zh}区域预警提示（{LEVEL_LABELS_ZH[WarningLevel(rw.level)]}）"
                                   f"要求于{clock.fmt(b.deadline)}前发布{LEVEL_LABELS_ZH[WarningLevel(rw.level)]}及以上预警，"
                                   f"目前{row.status_zh}，请立即响应。")}
            rid = record(engine, day=clock.local_day(b.deadline), kind=KIND_REMINDER,
                         scope=f"regional:{rw.id}:{row.city}", status="reminded", payload=payload, now=now,
                         due=b.deadline, count=1)
            if rid is not None:
                n += 1
                log.warning("regional warning #%d (%s, %s): %s has not responded (%s) by %s: reminded",
                            rw.id, rw.region, rw.level, row.city, row.status, clock.iso(b.deadline))
    return n


# --- shapes for the adapters ---------------------------------------------------------------

def regional_dict(rw: RegionalWarning) -> dict:
    return {
        "id": rw.id, "region": rw.region, "region_zh": rw.region_zh, "level": rw.level,
        "level_zh": LEVEL_LABELS_ZH[WarningLevel(rw.level)], "start": clock.iso(rw.start), "end": clock.iso(rw.end),
        "cities": json.loads(rw.cities), "response_within_hours": rw.response_within_hours,
        "response_source": rw.response_source, "deadline": clock.iso(deadline_of(rw)), "notice": rw.notice,
        "state": rw.state, "issued_by": rw.issued_by, "issued_at": clock.iso(rw.issued_at),
        "row_version": rw.row_version, "released_at": clock.iso(rw.released_at), "released_by": rw.released_by,
        "release_reason": rw.release_reason,
    }


def board_dict(b: Board) -> dict:
    rows = []
    for r in b.rows:
        d = asdict(r)
        d["responded_at"], d["reminded_at"] = clock.iso(r.responded_at), clock.iso(r.reminded_at)
        d["level_zh"] = LEVEL_LABELS_ZH[WarningLevel(r.level)] if r.level else None
        d["others"] = list(r.others)
        rows.append(d)
    return {"regional_warning": regional_dict(b.regional), "deadline": clock.iso(b.deadline),
            "judged_at": clock.iso(b.judged_at), "counts": b.counts(), "overdue": b.overdue, "rows": rows}


def region_dict(r: Region) -> dict:
    return {"name": r.name, "name_zh": r.name_zh, "kind": r.kind, "cities": list(r.cities),
            "provinces": r.provinces, "city_confidence": {c: v.value for c, v in r.city_confidence.items()},
            "response_within_hours": r.response_within_hours, "response_source": r.response_source,
            "response_confidence": r.response_confidence.value,
            "targets": {p.value: s for p, s in r.targets.items()} if r.targets else None,
            "targets_source": r.targets_source, "source": r.source, "confidence": r.confidence.value,
            "notes": r.notes, "file": r.file}
