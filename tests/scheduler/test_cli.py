"""`emergency scheduler` as a process: SIGTERM shuts it down cleanly, SIGKILL loses
nothing (jobs and next run times stay in the database), and the catch-up command
run around a kill dispatches every day exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from emergency.rotation.service import save_plan
from enterprise_registry.db import open_database

EMERGENCY = [sys.executable, "-m", "emergency.cli.main"]


def _env(url: str, tmp_path: Path) -> dict:
    env = dict(os.environ, EMERGENCY_DATABASE_URL=url, EMERGENCY_DATA_DIR=str(tmp_path / "data"))
    env.pop("PYTHONWARNINGS", None)
    return env


def _jobs(env) -> list[dict]:
    out = subprocess.run(EMERGENCY + ["scheduler", "jobs", "--json"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _start(env, cwd) -> subprocess.Popen:
    return subprocess.Popen(EMERGENCY + ["scheduler", "run"], env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _wait_for_jobs(env, n=7, timeout=60) -> list[dict]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        jobs = _jobs(env)
        if len(jobs) == n:
            return jobs
        time.sleep(0.5)
    raise AssertionError("the scheduler did not persist its jobs")


def test_sigterm_clean_shutdown_and_sigkill_loses_nothing(sqlite_url, tmp_path):
    open_database(sqlite_url)  # migrate first: two processes must not race on a fresh schema
    env = _env(sqlite_url, tmp_path)
    proc = _start(env, tmp_path)
    try:
        jobs = _wait_for_jobs(env)
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert "received SIGTERM" in out and "scheduler stopped" in out
    assert {j["id"] for j in jobs} == {"rotation-orders", "forecast-poll", "warning-reminders", "notice-delivery",
                                       "receipt-reminders", "daily-report", "regional-reminders"}
    after = _jobs(env)
    assert {j["id"]: j["next_run_time"] for j in after} == {j["id"]: j["next_run_time"] for j in jobs}

    proc = _start(env, tmp_path)
    try:
        _wait_for_jobs(env)
        time.sleep(1.0)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert {j["id"]: j["next_run_time"] for j in _jobs(env)} == {j["id"]: j["next_run_time"] for j in jobs}
    proc = _start(env, tmp_path)  # a restart keeps them
    try:
        _wait_for_jobs(env)
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "rotation-orders kept" in out


@pytest.fixture(scope="module")
def plan_doc():
    from emergency.rotation.service import plan_season
    from tests.rotation.factory import firm, tables
    from tests.rotation.test_model import SEASON, rules

    return plan_season(tables([firm(str(i)) for i in range(1, 6)]), SEASON, rules=rules(), time_limit=5).document


def test_catch_up_command_around_a_kill(sqlite_url, tmp_path, plan_doc):
    save_plan(open_database(sqlite_url), plan_doc)
    env = _env(sqlite_url, tmp_path)

    def catch_up(now):
        return subprocess.run(EMERGENCY + ["scheduler", "catch-up", "--now", now], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)

    for day in range(1, 6):
        assert catch_up(f"2026-12-{day:02d}T16:00").returncode == 0
    # killed while it runs (wherever it is: starting, or between two days)
    proc = subprocess.Popen(EMERGENCY + ["scheduler", "catch-up", "--now", "2026-12-09T16:00"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert catch_up("2026-12-09T16:00").returncode == 0
    assert catch_up("2026-12-09T16:00").returncode == 0  # and again: nothing more
    out = subprocess.run(EMERGENCY + ["scheduler", "log", "--json", "--limit", "100"], env=env, capture_output=True,
                         text=True, timeout=60)
    rows = json.loads(out.stdout)
    days = sorted(r["day"] for r in rows if r["kind"] == "rotation_orders")
    assert days == [f"2026-12-{d:02d}" for d in range(1, 11)]  # 12-01 … 12-10, each once
    status = {r["day"]: r["status"] for r in rows}
    assert [status[f"2026-12-{d:02d}"] for d in (7, 8)] == ["missed", "missed"]
    assert status["2026-12-09"] == "sent" and status["2026-12-10"] == "sent"
