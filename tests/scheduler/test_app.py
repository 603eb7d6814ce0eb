"""APScheduler with the SQLAlchemy job store: jobs survive a restart with their next
run times, missed runs coalesce into one or are skipped with a log line as configured."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED

from emergency.scheduler.app import desired_jobs, list_jobs, make_scheduler, reconcile_jobs, start
from emergency.scheduler.config import SchedulerConfig
from enterprise_registry.db import open_database


@pytest.fixture
def engine(sqlite_url, monkeypatch, tmp_path):
    monkeypatch.setenv("EMERGENCY_DATABASE_URL", sqlite_url)  # the jobs open the same database
    from emergency.scheduler import jobs

    jobs._engine.cache_clear()
    return open_database(sqlite_url)


def _cfg(tmp_path, **kw):
    return SchedulerConfig(out_dir=tmp_path / "dispatch", **kw)


def test_jobs_persist_with_their_next_run_times(engine, tmp_path):
    cfg = _cfg(tmp_path)
    s = start(engine, cfg)
    first = {j.id: j.next_run_time for j in s.get_jobs()}
    s.shutdown(wait=True)
    assert set(first) == {j.id for j in desired_jobs(cfg)}
    listed = {j["id"]: j for j in list_jobs(engine, cfg)}
    assert {k: v["next_run_time"] for k, v in listed.items()} == {k: v.isoformat() for k, v in first.items()}
    assert listed["rotation-orders"]["func"] == "emergency.scheduler.jobs:rotation_orders_job"
    # restart: the same jobs are kept, not re-created
    s2 = make_scheduler(engine, cfg)
    s2.start(paused=True)
    assert reconcile_jobs(s2, cfg) == {j.id: "kept" for j in desired_jobs(cfg)}
    assert {j.id: j.next_run_time for j in s2.get_jobs()} == first
    s2.shutdown(wait=False)
    # a changed configuration updates the jobs in place
    cfg2 = _cfg(tmp_path, orders_time="17:30")
    s3 = make_scheduler(engine, cfg2)
    s3.start(paused=True)
    assert reconcile_jobs(s3, cfg2)["rotation-orders"] == "updated"
    nxt = s3.get_job("rotation-orders").next_run_time
    assert (nxt.hour, nxt.minute) == (17, 30)
    s3.shutdown(wait=False)


def _restart_after_downtime(engine, cfg, missed_for: timedelta):
    """Persist the jobs, pretend the process was down: the orders job's stored next run
    time is ``missed_for`` in the past; restart and collect the job events."""
    s = make_scheduler(engine, cfg)
    s.start(paused=True)
    reconcile_jobs(s, cfg)
    s.modify_job("rotation-orders", next_run_time=datetime.now(cfg.tz) - missed_for)
    for other in ("forecast-poll", "warning-reminders"):
        s.pause_job(other)
    s.shutdown(wait=False)
    events = []
    s2 = make_scheduler(engine, cfg)
    s2.add_listener(lambda e: events.append(e), EVENT_JOB_EXECUTED | EVENT_JOB_MISSED)
    s2.start(paused=True)
    assert reconcile_jobs(s2, cfg)["rotation-orders"] == "kept"
    s2.resume()
    deadline = time.time() + 20
    while time.time() < deadline and not any(e.job_id == "rotation-orders" for e in events):
        time.sleep(0.1)
    time.sleep(0.5)
    s2.shutdown(wait=True)
    return [e for e in events if e.job_id == "rotation-orders"]


def test_missed_runs_coalesce_into_one(engine, tmp_path):
    """Down for 3 days with coalesce: the 3 missed daily runs run once."""
    cfg = _cfg(tmp_path, coalesce=True, misfire_grace_time=4 * 24 * 3600)
    events = _restart_after_downtime(engine, cfg, timedelta(days=3))
    assert [e.code for e in events] == [EVENT_JOB_EXECUTED]


def test_missed_run_beyond_the_grace_is_skipped_with_a_log_line(engine, tmp_path, caplog):
    cfg = _cfg(tmp_path, coalesce=True, misfire_grace_time=60)
    with caplog.at_level(logging.WARNING, logger="apscheduler"):
        events = _restart_after_downtime(engine, cfg, timedelta(hours=2))
    assert [e.code for e in events] == [EVENT_JOB_MISSED]
    assert any("was missed by" in r.getMessage() for r in caplog.records)
