"""The daily response report (每日应急响应情况报告): for a Beijing day D and a warning in
force on D, per county and for the city, what :mod:`emergency.reports.figures` counts
(firms under measures, receipts and reports on time or late, inspections, firms found
non-compliant, planned reductions prorated to D, versions issued on D), as an Excel
workbook and a printable page in the shape of ``config/reports`` (a province's own
shape and template when it has one).

Scheduled (``daily_report_job``, each day at ``daily_report_time``, 10:00 Beijing): the
report of D − 1 for every warning in force on D − 1, exactly once. The report's figures
are inserted as ONE row of ``dispatch_log`` — key (D − 1, ``daily_report``, warning id),
unique — and the files are written from that row afterwards: a restart, or a second
scheduler, finds the row and writes nothing new (:func:`run_daily_reports`); files lost
in a crash between the insert and the write are re-written, identical, from the row
(:func:`materialise`). A day the scheduler missed (it was down at 10:00) is written when
it comes back, marked late (``due_at``), looking back :data:`CATCH_UP_DAYS` days.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from emergency import clock
from emergency.errors import EmergencyError
from emergency.reports import figures as F
from emergency.reports import render
from emergency.reports.shapes import load_shapes

log = logging.getLogger("emergency.reports")

KIND_DAILY = "daily_report"
CATCH_UP_DAYS = 7


@dataclass(frozen=True)
class Report:
    document: dict  # JSON-able: the figures, title and meta (what the dispatch row stores)
    xlsx: bytes
    html: str
    stem: str


def daily_document(engine: Engine, warning_id: int, day: date, inputs: F.Inputs | None = None) -> dict:
    """The daily report of ``warning_id`` for Beijing ``day`` as a JSON-able document."""
    inp = inputs or F.load_inputs(engine, warning_id)
    fig = F.daily_figures(inp, day)
    shapes = load_shapes(inp.area)
    doc = fig.as_dict()
    doc.update({
        "kind": "daily", "area": inp.area,
        "title": shapes.daily.title.replace("{city}", inp.city),
        "meta": [
            ["预警", f"第 {warning_id} 号{F.level_zh(fig.level)}预警（{'、'.join(inp.areas) or inp.city}）"],
            ["报告日期", f"{day.isoformat()}（{clock.zone_label()}日历日，0时至24时）"],
            ["当日生效方案版本", "、".join(f"第{v}版" for v in fig.versions_in_force)],
            ["预警时段", f"{clock.fmt(inp.warning.start)} 至 {clock.fmt(F.warning_end(inp.warning))}"],
        ],
    })
    return doc


def render_daily(doc: dict) -> Report:
    """Workbook and page of a daily document (also from a stored dispatch row)."""
    shape = load_shapes(doc.get("area") or "").daily
    sheets = render.tables("daily", shape, doc)
    meta = [tuple(m) for m in doc["meta"]]
    xlsx = render.workbook_bytes(doc["title"], meta, sheets, doc["notes"])
    page = render.html(shape, {"title": doc["title"], "meta": meta, "sheets": sheets, "notes": doc["notes"],
                               "generated_at": clock.fmt(clock.parse(doc["generated_at"])), "not_in_time": doc.get("late_note")})
    return Report(doc, xlsx, page, stem(doc["warning_id"], date.fromisoformat(doc["day"])))


def stem(warning_id: int, day: date) -> str:
    return f"warning-{warning_id}-daily-{day.isoformat()}"


def daily_report(engine: Engine, warning_id: int, day: date) -> Report:
    return render_daily(daily_document(engine, warning_id, day))


def write_daily(engine: Engine, warning_id: int, day: date, out_dir: Path) -> list[Path]:
    r = daily_report(engine, warning_id, day)
    return render.write(Path(out_dir), r.stem, r.xlsx, r.html)


# --- the scheduled job ----------------------------------------------------------------


def due_at(day: date, cfg) -> datetime:
    """When the report of ``day`` is due: the next day at ``daily_report_time`` (scheduler's zone)."""
    h, m = cfg.daily_report_hour_minute
    return datetime.combine(day + timedelta(days=1), time(h, m), tzinfo=cfg.tz)


def _candidates(engine: Engine, first: date, last: date) -> list[int]:
    """Warnings whose span [start, end or release) meets the days first … last."""
    from emergency.workflow.models import WarningRecord
    from emergency.workflow.plan_periods import warning_end

    lo = clock.as_utc(clock.day_start(first))
    hi = clock.as_utc(clock.day_start(last + timedelta(days=1)))
    with engine.connect() as conn:
        ids = conn.execute(select(WarningRecord.id).where(WarningRecord.state != "draft", WarningRecord.start < hi)
                           .order_by(WarningRecord.id)).scalars().all()
    from emergency.workflow.lifecycle import get_warning

    out = []
    for wid in ids:
        w, _ = get_warning(engine, wid)
        if warning_end(w) > lo:
            out.append(wid)
    return out


def _folder(cfg, warning_id: int) -> Path:
    return Path(cfg.reports_dir) / f"warning-{warning_id}"


def run_daily_reports(engine: Engine, now: datetime, cfg) -> int:
    """Write every due daily report not yet written (module docstring); how many were written."""
    from emergency.scheduler.dispatch import dispatched_days, local_now, record

    local = local_now(now, cfg)
    h, m = cfg.daily_report_hour_minute
    last = local.date() - timedelta(days=1) if local.time() >= time(h, m) else local.date() - timedelta(days=2)
    first = last - timedelta(days=CATCH_UP_DAYS - 1)
    done = dispatched_days(engine, KIND_DAILY)
    written = 0
    for wid in _candidates(engine, first, last):
        try:
            inp = F.load_inputs(engine, wid)
        except EmergencyError as exc:
            log.error("daily report: warning %s cannot be read: %s", wid, exc.message)
            continue
        for day in F.active_days(inp):
            if not first <= day <= last or (day, str(wid)) in done:
                continue
            try:
                doc = daily_document(engine, wid, day, inp)
            except EmergencyError as exc:  # one warning's failure must not stop the others; retried next run
                log.error("daily report of warning %s for %s failed: %s", wid, day, exc.message)
                continue
            due = due_at(day, cfg)
            if local > due + timedelta(hours=1):
                doc["late_note"] = (f"本报告于 {clock.fmt(local)} 生成，晚于报送时限 {clock.fmt(due)}（定时任务当时未运行）")
            rid = record(engine, day=day, kind=KIND_DAILY, scope=str(wid), status="sent", payload=doc, now=local,
                         due=due, count=len(doc["county"]) - 1)
            if rid is None:
                continue  # another scheduler wrote it first
            r = render_daily(doc)
            render.write(_folder(cfg, wid), r.stem, r.xlsx, r.html)
            written += 1
            log.info("daily report of warning %s for %s written%s", wid, day, " late" if local > due else "")
    materialise(engine, cfg, since=first)
    return written


def materialise(engine: Engine, cfg, since: date | None = None) -> int:
    """Re-write, from their rows, the files of daily reports whose files are missing."""
    from emergency.scheduler.models import DispatchRecord as D

    q = select(D.day, D.scope, D.payload).where(D.kind == KIND_DAILY, D.status == "sent")
    if since is not None:
        q = q.where(D.day >= since)
    n = 0
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    for day, scope, payload in rows:
        folder = _folder(cfg, int(scope))
        name = stem(int(scope), day)
        if (folder / f"{name}.xlsx").exists() and (folder / f"{name}.html").exists():
            continue
        r = render_daily(json.loads(payload))
        render.write(folder, r.stem, r.xlsx, r.html)
        n += 1
    return n


def stored_reports(engine: Engine, warning_id: int) -> list[dict]:
    """The daily reports the scheduler recorded for the warning (day, when, late)."""
    from emergency.scheduler.models import DispatchRecord as D

    with engine.connect() as conn:
        rows = conn.execute(select(D.day, D.dispatched_at, D.due_at, D.late).where(
            D.kind == KIND_DAILY, D.scope == str(warning_id)).order_by(D.day)).all()
    return [{"day": r.day.isoformat(), "written_at": clock.iso(r.dispatched_at), "due_at": clock.iso(r.due_at),
             "late": bool(r.late)} for r in rows]
