"""Exactly-once dispatch of each day's rotation orders, whatever the scheduler's uptime.

The orders of day D are due the day before at ``orders_time``. A dispatch computes
D's orders from the plan in effect (the latest rotation plan whose window contains D)
and inserts ONE row into ``dispatch_log`` — key (D, kind, scope), unique — carrying
the orders as its payload, in one transaction: the row is the outbox. Either the
row exists (the orders were dispatched) or it does not (nothing was); a second
attempt, from a restart or a second scheduler, fails on the unique constraint and is
reported as ``already``. Notice files are written after the commit from the payload
and re-written, identically, by :func:`materialise_notices` if a crash came between.

:func:`catch_up` dispatches every due day not in the log, from the first day the
scheduler ever dispatched (or today, the first time) to the last due day: after a
kill and a restart no day is lost and none is sent twice. A day already over when the
scheduler comes back is recorded ``missed`` (not sent to firms; the duty officer sees
it in the log) unless ``past_days = "send"``.

Days are the calendar days of the scheduler's zone (``timezone``, the bureau's):
``now`` may be given in any zone, and a time without one is the bureau's time (never
the server's). A stored plan without a calendar is never dispatched: the latest plan
with one is.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from emergency import clock
from emergency.atomic_files import write_text
from emergency.rotation.document import has_calendar
from emergency.rotation.overlay import Order, orders_for_day
from emergency.scheduler.config import SchedulerConfig
from emergency.scheduler.models import DispatchRecord

log = logging.getLogger("emergency.scheduler")

KIND_ORDERS = "rotation_orders"
SENT, MISSED, ALREADY, NOTHING = "sent", "missed", "already", "nothing"


@dataclass(frozen=True)
class DispatchOutcome:
    day: date
    kind: str
    scope: str
    status: str  # sent | missed | suggested | reminded | issued | already | nothing
    count: int = 0
    late: bool = False
    record_id: int | None = None


def local_now(now: datetime, cfg: SchedulerConfig) -> datetime:
    """``now`` in the scheduler's zone (a naive time is the bureau's)."""
    return clock.as_utc(now).astimezone(cfg.tz)


def record(
    engine: Engine, *, day: date, kind: str, scope: str, status: str, payload: dict | list | None,
    now: datetime, due: datetime | None = None, count: int = 0, plan_id: int | None = None,
) -> int | None:
    """Insert the row of (day, kind, scope) in its own transaction; None if it exists."""
    now = clock.as_utc(now)
    row = {
        "day": day, "kind": kind, "scope": scope, "status": status, "due_at": due, "dispatched_at": now,
        "late": bool(due is not None and now > due), "count": count, "plan_id": plan_id,
        "payload": None if payload is None else json.dumps(payload, ensure_ascii=False, default=clock.json_default),
    }
    try:
        with engine.begin() as conn:
            return int(conn.execute(insert(DispatchRecord).returning(DispatchRecord.id), [row]).scalar_one())
    except IntegrityError:
        return None


def due_at(day: date, cfg: SchedulerConfig) -> datetime:
    h, m = cfg.orders_hour_minute
    return datetime.combine(day - timedelta(days=1), time(h, m), tzinfo=cfg.tz)


def last_due_day(now: datetime, cfg: SchedulerConfig) -> date:
    """The latest day whose orders are due at ``now`` (tomorrow once orders_time has passed)."""
    local = local_now(now, cfg)
    return local.date() + timedelta(days=1) if due_at(local.date() + timedelta(days=1), cfg) <= local else local.date()


def _plan_index(engine: Engine, cfg: SchedulerConfig) -> list[tuple[int, str, date, date]]:
    """(id, area, window start, window end) of every stored plan, newest first."""
    from emergency.rotation.models import RotationPlanRecord as R

    q = select(R.id, R.area, R.window_start, R.window_end).where(R.status.in_(cfg.dispatch_statuses))
    if cfg.area:
        q = q.where(R.area == cfg.area)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(q.order_by(R.created_at.desc(), R.id.desc())).all()]


def _in_effect(index: list[tuple[int, str, date, date]], day: date) -> dict[str, int]:
    """Area -> id of the latest plan whose window contains ``day``."""
    out: dict[str, int] = {}
    for rid, area, first, last in index:
        if first <= day <= last:
            out.setdefault(area, rid)
    return out


def _plans_for(engine: Engine, day: date, cfg: SchedulerConfig, cache: dict | None = None) -> list[tuple[int, dict]]:
    """The plan in effect for ``day`` in each area (or in ``cfg.area``): the latest with a
    calendar whose window contains the day."""
    from emergency.rotation.models import RotationPlanRecord as R

    cache = {} if cache is None else cache
    chosen: dict[str, int] = {}
    for rid, area, first, last in _plan_index(engine, cfg):
        if area in chosen or not first <= day <= last:
            continue
        if rid not in cache:
            with engine.connect() as conn:
                cache[rid] = json.loads(conn.execute(select(R.document).where(R.id == rid)).scalar_one())
        if has_calendar(cache[rid]):
            chosen[area] = rid
        else:
            log.error("rotation plan #%d of %s has no calendar: passed over", rid, area)
    return [(rid, cache[rid]) for area, rid in sorted(chosen.items())]


def notice_text(day: date, enterprise: str, uscc: str, orders: list[dict], area: str, season: str) -> str:
    change_zh = {"start": "开始", "continue": "继续", "resume": "恢复生产"}
    lines = [f"{enterprise}（统一社会信用代码：{uscc}）：", "",
             f"根据《{area}{season}错峰生产方案》，{day.isoformat()}（{'一二三四五六日'[day.weekday()]}）贵单位生产线安排如下：", ""]
    for o in orders:
        block = o.get("block")
        span = f"，本段停产期 {block[0]} 至 {block[1]}" if block and o["change"] != "resume" else ""
        warn = f"（{o['warning']}期间，与错峰停产从严执行）" if o.get("warning") else ""
        verb = change_zh[o["change"]] if o["change"] == "resume" else f"{change_zh[o['change']]}{o['action_zh']}"
        lines.append(f"  · {o['line_name']}：{verb}{span}{warn}")
    lines += ["", "请严格落实，并保持在线监测、用电监控正常运行。", f"{area}重污染天气应急指挥部办公室"]
    return "\n".join(lines) + "\n"


def _write_notices(out_dir: Path, day: date, scope: str, payload: dict) -> Path:
    """Each firm's notice, then ``orders.json`` (its presence marks a complete folder);
    every file written whole or not at all."""
    folder = Path(out_dir) / scope / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    by_firm: dict[str, list[dict]] = {}
    for o in payload["orders"]:
        by_firm.setdefault(o["uscc"], []).append(o)
    for uscc, orders in sorted(by_firm.items()):
        text = notice_text(day, orders[0]["enterprise"], uscc, orders, payload["area"], payload["season"])
        write_text(folder / f"{uscc}.txt", text)
    write_text(folder / "orders.json", json.dumps(payload, ensure_ascii=False, indent=1))
    return folder


def dispatch_orders(engine: Engine, day: date, now: datetime, cfg: SchedulerConfig,
                    cache: dict | None = None) -> list[DispatchOutcome]:
    """Dispatch ``day``'s rotation orders for each area with a plan covering it."""
    now = local_now(now, cfg)
    out = []
    for plan_id, doc in _plans_for(engine, day, cfg, cache):
        scope = doc["area"]
        orders: list[Order] = orders_for_day(doc, day)
        local_today = now.date()
        status = SENT if day >= local_today or cfg.past_days == "send" else MISSED
        payload = {"area": scope, "season": doc["season"], "day": day.isoformat(), "plan_id": plan_id,
                   "plan_status": doc["status"], "orders": [o.as_dict() for o in orders]}
        if doc["status"] not in ("optimal", "feasible"):
            log.warning("plan #%d of %s is %s: its calendar breaks %d group rule(s) (see the plan's violations)",
                        plan_id, scope, doc["status"], len(doc.get("violations", [])))
        due = due_at(day, cfg)
        rid = record(engine, day=day, kind=KIND_ORDERS, scope=scope, status=status, payload=payload, now=now,
                     due=due, count=len(orders), plan_id=plan_id)
        if rid is None:
            out.append(DispatchOutcome(day, KIND_ORDERS, scope, ALREADY))
            continue
        late = now > due
        if status == SENT:
            _write_notices(cfg.out_dir, day, scope, payload)
            log.info("dispatched %s orders of %s (%d lines, plan #%d)%s", scope, day, len(orders), plan_id,
                     " late" if late else "")
        else:
            log.warning("orders of %s for %s were not dispatched in time (scheduler down): recorded as missed", day, scope)
        out.append(DispatchOutcome(day, KIND_ORDERS, scope, status, len(orders), late, rid))
    if not out:
        out.append(DispatchOutcome(day, KIND_ORDERS, cfg.area or "", NOTHING))
    return out


def dispatched_days(engine: Engine, kind: str = KIND_ORDERS) -> dict[tuple[date, str], str]:
    with engine.connect() as conn:
        rows = conn.execute(select(DispatchRecord.day, DispatchRecord.scope, DispatchRecord.status)
                             .where(DispatchRecord.kind == kind)).all()
    return {(r.day, r.scope): r.status for r in rows}


def catch_up(engine: Engine, now: datetime, cfg: SchedulerConfig) -> list[DispatchOutcome]:
    """Dispatch every due day not yet in the log (see the module docstring); returns what
    this call dispatched or recorded (a day another scheduler took first is left out)."""
    now = local_now(now, cfg)
    last = last_due_day(now, cfg)
    with engine.connect() as conn:
        first = conn.execute(select(func.min(DispatchRecord.day)).where(DispatchRecord.kind == KIND_ORDERS)).scalar()
    start = min(first, now.date()) if first is not None else now.date()
    done = dispatched_days(engine)
    index = _plan_index(engine, cfg)
    cache: dict = {}
    out: list[DispatchOutcome] = []
    day = start
    while day <= last:
        areas = _in_effect(index, day)
        if areas and not all((day, a) in done for a in areas):
            out += [o for o in dispatch_orders(engine, day, now, cfg, cache) if o.status not in (NOTHING, ALREADY)]
        day += timedelta(days=1)
    return out


def materialise_notices(engine: Engine, cfg: SchedulerConfig, since: date | None = None) -> int:
    """Re-write notice files of sent days whose folder is missing (a crash after commit)."""
    q = select(DispatchRecord.day, DispatchRecord.scope, DispatchRecord.payload).where(
        DispatchRecord.kind == KIND_ORDERS, DispatchRecord.status == SENT)
    if since is not None:
        q = q.where(DispatchRecord.day >= since)
    n = 0
    with engine.connect() as conn:
        for day, scope, payload in conn.execute(q).all():
            if not (Path(cfg.out_dir) / scope / day.isoformat() / "orders.json").exists():
                _write_notices(cfg.out_dir, day, scope, json.loads(payload))
                n += 1
    return n
