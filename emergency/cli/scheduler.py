"""`emergency scheduler …`: scheduled jobs, persisted in the database.

- ``run``: the blocking scheduler (next day's rotation orders, forecast poll with
  suggested warnings, expiry reminders); clean shutdown on SIGTERM / Ctrl-C.
- ``jobs``: the persisted jobs and their next run times.
- ``log``: what was dispatched, missed, suggested or reminded (the dispatch log).
- ``catch-up``: dispatch every due day not yet dispatched, as of ``--now`` (default
  now) — the same function the orders job runs; safe to repeat.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from emergency import clock
from emergency.cli.options import DatabaseOption
from emergency.errors import ConfigurationError

app = typer.Typer(no_args_is_help=True)
console = Console()

ConfigOption = Annotated[Optional[Path], typer.Option("--config", help="Scheduler TOML (\\[scheduler] table).")]


def _engine(database: str | None):
    from enterprise_registry.db import open_database

    if database:
        os.environ["EMERGENCY_DATABASE_URL"] = database  # the jobs open the same database
    return open_database(database)


def _logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    if not verbose:
        logging.getLogger("apscheduler").setLevel(logging.INFO)


@app.command("run")
def run_command(
    config: ConfigOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", help="Debug logging.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Run the scheduler until SIGTERM / Ctrl-C."""
    from emergency.scheduler.app import run
    from emergency.scheduler.config import load_config

    _logging(verbose)
    cfg = load_config(config)
    run(_engine(database), cfg)


@app.command("jobs")
def jobs_command(config: ConfigOption = None, as_json: Annotated[bool, typer.Option("--json")] = False,
                 database: DatabaseOption = None) -> None:
    """The persisted jobs and their next run times."""
    from emergency.scheduler.app import list_jobs
    from emergency.scheduler.config import load_config

    jobs = list_jobs(_engine(database), load_config(config))
    if as_json:
        typer.echo(json.dumps(jobs, ensure_ascii=False, indent=1))
        return
    t = Table(title="调度任务 (persisted jobs)")
    for col in ("id", "名称", "触发", "下次运行", "合并", "容许延迟(s)"):
        t.add_column(col)
    for j in jobs:
        t.add_row(j["id"], j["name"], j["trigger"], j["next_run_time"] or "（暂停）", "是" if j["coalesce"] else "否",
                  str(j["misfire_grace_time"]))
    console.print(t)
    if not jobs:
        console.print("没有已保存的任务；运行 emergency scheduler run 后会创建。")


@app.command("log")
def log_command(
    kind: Annotated[Optional[str], typer.Option("--kind", help="rotation_orders | warning_suggestion | release_reminder | warning_expiry")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    database: DatabaseOption = None,
) -> None:
    """The dispatch log, newest day first."""
    from sqlalchemy import select

    from emergency.scheduler.models import DispatchRecord as D

    q = select(D.day, D.kind, D.scope, D.status, D.count, D.late, D.dispatched_at).order_by(D.day.desc(), D.id.desc())
    if kind:
        q = q.where(D.kind == kind)
    with _engine(database).connect() as conn:
        rows = conn.execute(q.limit(limit)).all()
    if as_json:
        typer.echo(json.dumps([dict(r._mapping) for r in rows], ensure_ascii=False, default=str, indent=1))
        return
    t = Table(title="调度记录 (dispatch log)")
    for col in ("日期", "类别", "范围", "状态", "条数", "迟发", "时间"):
        t.add_column(col)
    for r in rows:
        t.add_row(r.day.isoformat(), r.kind, r.scope, r.status, str(r.count), "是" if r.late else "",
                  str(r.dispatched_at)[:19])
    console.print(t)


@app.command("catch-up")
def catch_up_command(
    now: Annotated[Optional[str], typer.Option("--now", help="As of this time (ISO 8601; default now).")] = None,
    config: ConfigOption = None,
    database: DatabaseOption = None,
) -> None:
    """Dispatch every due day not yet dispatched (what the orders job does)."""
    from emergency.scheduler.config import load_config
    from emergency.scheduler.dispatch import catch_up, materialise_notices

    cfg = load_config(config)
    try:
        at = datetime.fromisoformat(now) if now else clock.now().astimezone(cfg.tz)
    except ValueError:
        raise ConfigurationError(f"--now {now!r} is not ISO 8601 (e.g. 2026-12-01T16:00)") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=cfg.tz)
    engine = _engine(database)
    materialise_notices(engine, cfg)
    outcomes = catch_up(engine, at, cfg)
    for o in outcomes:
        console.print(f"{o.day} {o.scope} {o.status}{'（迟发）' if o.late else ''} {o.count} 条")
    console.print(f"共 {len(outcomes)} 天")
