"""The APScheduler 3 scheduler: jobs persisted in the project's database.

Jobs live in ``apscheduler_jobs`` (SQLAlchemyJobStore on the same database URL,
created by the alembic history), so a restart loses nothing: each job keeps its
next run time. On start the scheduler is started *paused*, the desired jobs are
reconciled with the stored ones (added if missing; kept as they are — next run time
included — if their configuration is unchanged; updated if it changed), the orders
catch-up runs once, and only then is it resumed. A job whose stored next run time
passed while the process was down is then handled by APScheduler as configured:
``coalesce`` runs it once for all the missed times; a run later than
``misfire_grace_time`` is skipped with a log line ("Run time of job … was missed by").
The orders job dispatches every missing day anyway, exactly once (``dispatch``).

:func:`run` blocks until SIGTERM/SIGINT (or ``stop``), then shuts down cleanly,
waiting for a running job to finish.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from emergency import clock
from emergency.scheduler.config import SchedulerConfig

log = logging.getLogger("emergency.scheduler")

JOB_TABLE = "apscheduler_jobs"


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str  # textual reference, resolvable after a restart
    name: str
    trigger: object


def desired_jobs(cfg: SchedulerConfig) -> list[JobSpec]:
    h, m = cfg.orders_hour_minute
    rh, rm = cfg.daily_report_hour_minute
    return [
        JobSpec("rotation-orders", "emergency.scheduler.jobs:rotation_orders_job", "次日错峰生产指令",
                CronTrigger(hour=h, minute=m, timezone=cfg.tz)),
        JobSpec("forecast-poll", "emergency.scheduler.jobs:forecast_poll_job", "预报轮询与预警建议",
                IntervalTrigger(minutes=cfg.forecast_poll_minutes, timezone=cfg.tz)),
        JobSpec("warning-reminders", "emergency.scheduler.jobs:reminders_job", "预警到期提醒",
                IntervalTrigger(minutes=cfg.reminder_minutes, timezone=cfg.tz)),
        JobSpec("notice-delivery", "emergency.scheduler.jobs:notice_delivery_job", "通知送达（邮件、短信、机器人）",
                IntervalTrigger(minutes=cfg.delivery_minutes, timezone=cfg.tz)),
        JobSpec("receipt-reminders", "emergency.scheduler.jobs:receipt_reminders_job", "回执与落实报告催办、升级",
                IntervalTrigger(minutes=cfg.receipt_reminder_minutes, timezone=cfg.tz)),
        JobSpec("daily-report", "emergency.scheduler.jobs:daily_report_job", "每日应急响应情况报告",
                CronTrigger(hour=rh, minute=rm, timezone=cfg.tz)),
        JobSpec("regional-reminders", "emergency.scheduler.jobs:regional_reminders_job", "区域预警响应催办",
                IntervalTrigger(minutes=cfg.regional_reminder_minutes, timezone=cfg.tz)),
    ]


class PersistentScheduler(BackgroundScheduler):
    """BackgroundScheduler that never processes jobs once shut down.

    APScheduler 3 wakes its loop on shutdown and runs one more ``_process_jobs``: a job
    due at that moment cannot be submitted (the executor is closed: "cannot schedule new
    futures after shutdown", agronholm/apscheduler#285, #985) but its stored next run
    time is still advanced — the missed run would be lost, not coalesced at the next
    start. Here a stopped scheduler leaves the job store as it is."""

    def _process_jobs(self):
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()


def make_scheduler(engine: Engine, cfg: SchedulerConfig) -> BackgroundScheduler:
    return PersistentScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": cfg.coalesce, "misfire_grace_time": cfg.misfire_grace_time, "max_instances": 1},
        timezone=cfg.tz,
    )


def _label(spec: JobSpec, cfg: SchedulerConfig) -> str:
    return f"{spec.name} [{cfg.sha256()}]"


def reconcile_jobs(scheduler: BackgroundScheduler, cfg: SchedulerConfig) -> dict[str, str]:
    """Make the stored jobs the desired ones; returns job id -> added | kept | updated."""
    out = {}
    config = cfg.model_dump(mode="json")
    for spec in desired_jobs(cfg):
        job = scheduler.get_job(spec.id)
        label = _label(spec, cfg)
        if job is None:
            scheduler.add_job(spec.func, spec.trigger, id=spec.id, name=label, kwargs={"config": config},
                              coalesce=cfg.coalesce, misfire_grace_time=cfg.misfire_grace_time, max_instances=1,
                              replace_existing=True)
            out[spec.id] = "added"
        elif job.name == label:
            out[spec.id] = "kept"
        else:
            scheduler.modify_job(spec.id, name=label, kwargs={"config": config}, coalesce=cfg.coalesce,
                                 misfire_grace_time=cfg.misfire_grace_time)
            scheduler.reschedule_job(spec.id, trigger=spec.trigger)
            out[spec.id] = "updated"
    return out


def start(engine: Engine, cfg: SchedulerConfig, now: datetime | None = None) -> BackgroundScheduler:
    """Start a scheduler on ``engine`` (paused, reconciled, caught up, then resumed)."""
    from emergency.scheduler.dispatch import catch_up, materialise_notices

    scheduler = make_scheduler(engine, cfg)
    scheduler.start(paused=True)
    changes = reconcile_jobs(scheduler, cfg)
    log.info("jobs: %s", ", ".join(f"{k} {v}" for k, v in changes.items()))
    if cfg.catch_up_on_start:
        n = materialise_notices(engine, cfg)
        outcomes = catch_up(engine, now or clock.now(), cfg)
        log.info("start-up catch-up: %d day(s) dispatched or recorded, %d notice folder(s) rewritten", len(outcomes), n)
    scheduler.resume()
    return scheduler


def run(engine: Engine, cfg: SchedulerConfig, *, stop: threading.Event | None = None, install_signals: bool = True) -> None:
    """Run until SIGTERM / SIGINT (or ``stop`` is set); shut down cleanly."""
    stop = stop or threading.Event()
    if install_signals:
        def _stop(signum, _frame):
            log.info("received %s: shutting down", signal.Signals(signum).name)
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    scheduler = start(engine, cfg)
    log.info("scheduler running (%s); next runs: %s", cfg.timezone,
             ", ".join(f"{j.id} {j.next_run_time:%Y-%m-%d %H:%M}" for j in scheduler.get_jobs() if j.next_run_time))
    try:
        while not stop.wait(1.0):
            pass
    finally:
        scheduler.shutdown(wait=True)
        log.info("scheduler stopped; jobs remain in %s", JOB_TABLE)


def list_jobs(engine: Engine, cfg: SchedulerConfig | None = None) -> list[dict]:
    """The persisted jobs and their next run times (the scheduler is not run)."""
    cfg = cfg or SchedulerConfig()
    scheduler = make_scheduler(engine, cfg)
    scheduler.start(paused=True)
    try:
        return [
            {"id": j.id, "name": j.name, "func": j.func_ref, "trigger": str(j.trigger),
             "next_run_time": None if j.next_run_time is None else j.next_run_time.isoformat(),
             "coalesce": j.coalesce, "misfire_grace_time": j.misfire_grace_time}
            for j in scheduler.get_jobs()
        ]
    finally:
        scheduler.shutdown(wait=False)
