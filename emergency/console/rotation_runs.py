"""Season plans (错峰生产方案) run from the console: one CP-SAT solve at a time, in a
thread of the server, over what ``emergency rotation plan`` calls —
:func:`emergency.rotation.service.plan_season` on the list in effect, then
:func:`~emergency.rotation.service.save_plan` when the solver found a calendar.

The page that starts a run gets a server-chosen id and polls :func:`get` for its
state; nothing the client sends names a file or a job it did not get. The time limit
is bounded (:data:`MAX_SECONDS`) and only one run goes at a time per application (the
machine's cores are the duty night's too): a second start while one runs is refused
(409) naming the run in progress. A solve that finds no calendar stores nothing and
says so, as the CLI does (RotationError); a calendar that breaks rules is stored with
its breaches listed, never silently. A stored plan is audited (``rotation.plan``, who
started it, the scope, the solver's state and the document's hash).
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from emergency import clock
from emergency.errors import Conflict, EmergencyError, InputError, NotFound, RotationError

MIN_SECONDS, MAX_SECONDS = 5, 60
WORKERS = 2  # CP-SAT workers, as the CLI (≤ 2)
KEEP = 20  # finished runs remembered per application
log = logging.getLogger("emergency.console")


@dataclass
class SeasonRun:
    id: str
    season: str
    industries: list[str]
    counties: list[str]
    time_limit: int
    started_by: str
    started: datetime = field(default_factory=clock.now)
    state: str = "running"  # running | done | failed
    plan_id: int | None = None
    feasible: bool | None = None
    message: str | None = None
    finished: datetime | None = None

    @property
    def elapsed(self) -> float:
        return ((self.finished or clock.now()) - self.started).total_seconds()


class SeasonRuns:
    """The runs of one application (``app.state.season_runs``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, SeasonRun] = {}

    def running(self) -> SeasonRun | None:
        return next((r for r in self._runs.values() if r.state == "running"), None)

    def get(self, run_id: str) -> SeasonRun:
        run = self._runs.get(run_id)
        if run is None:
            raise NotFound("没有这次编排（服务重启后不再保留进度），请在错峰生产页查看已存方案 (no such run)")
        return run

    def start(self, engine: Engine, run: SeasonRun, version: str | None = None) -> SeasonRun:
        with self._lock:
            busy = self.running()
            if busy is not None:
                raise Conflict(f"已有一次错峰方案编排正在进行（{busy.started_by} 于 {clock.fmt(busy.started, '%H:%M')} 开始，"
                               f"{busy.season}），请等其完成后再试 (a season plan is already running)", run=busy.id)
            done = [r for r in self._runs.values() if r.state != "running"]
            for old in done[: max(0, len(done) - KEEP + 1)]:
                del self._runs[old.id]
            self._runs[run.id] = run
        threading.Thread(target=_solve, args=(engine, run, version), name=f"season-run-{run.id}", daemon=True).start()
        return run


def runs_of(app) -> SeasonRuns:
    runs = getattr(app.state, "season_runs", None)
    if runs is None:
        runs = app.state.season_runs = SeasonRuns()
    return runs


def new_run(season: str, industries: list[str], counties: list[str], time_limit: int, user: str) -> SeasonRun:
    """A run checked before it starts: the season's form, the time limit within bounds."""
    from emergency.rotation.rules import parse_season

    try:
        parse_season(season)
    except ValueError:
        raise InputError(f"采暖季“{season}”格式不对，应为相邻两年，如 2026-2027 (season YYYY-YYYY)", field="season") from None
    if not MIN_SECONDS <= time_limit <= MAX_SECONDS:
        raise InputError(f"求解时限须在 {MIN_SECONDS}～{MAX_SECONDS} 秒之间；更长的求解请用命令行 emergency rotation plan "
                         "(time limit out of bounds)", field="time_limit")
    return SeasonRun(id=secrets.token_urlsafe(12), season=season.strip(), industries=industries, counties=counties,
                     time_limit=time_limit, started_by=user)


def _solve(engine: Engine, run: SeasonRun, version: str | None) -> None:
    from emergency.rotation.document import document_sha256
    from emergency.rotation.service import plan_season, rules_for, save_plan, timed_out
    from emergency.workflow import audit
    from enterprise_registry.service import load_registry_frame

    try:
        tables = load_registry_frame(engine, version)
        result = plan_season(tables, run.season, rules=rules_for(tables), industries=run.industries or None,
                             counties=run.counties or None, time_limit=run.time_limit, workers=WORKERS, seed=1)
        if result.result.calendar is None:
            why = "求解超时" if timed_out(result.result) else "即使放宽规则也无可行日历"
            raise RotationError(f"未找到错峰日历（{why}，{result.result.seconds:.0f} 秒）：未保存任何方案。"
                                "可加长求解时限或缩小行业、区县范围后重试 (no calendar found; nothing stored)")
        run.plan_id = save_plan(engine, result.document)
        doc = result.document
        audit.write(engine, run.started_by, "rotation.plan", f"rotation:{run.plan_id}",
                    {"season": run.season, "industries": run.industries, "counties": run.counties,
                     "time_limit": run.time_limit, "status": doc["status"], "gap": doc["gap"],
                     "violations": len(doc["violations"]), "registry_version": doc.get("registry_version")},
                    sha=document_sha256(doc))
        run.feasible = result.result.feasible
        run.state = "done"
    except EmergencyError as exc:
        run.message, run.state = exc.message, "failed"
    except Exception:  # the run's page must say it failed, never spin for ever
        log.exception("season run %s failed", run.id)
        run.message, run.state = "编排出错（内部错误，详见服务器日志），未保存任何方案 (internal error)", "failed"
    finally:
        run.finished = clock.now()
