"""Where a sweep's runs execute: in this process, on a Dask ``LocalCluster``, or on a cluster.

- ``local``: one run after the other in this process (no Dask at all);
- default: a ``distributed.LocalCluster`` of ``workers`` worker *processes*, one thread
  each (a run's CP-SAT search has its own threads), closed at the end;
- ``scheduler="tcp://host:8786"``: the scheduler of an existing cluster (``dask
  scheduler`` + ``dask worker tcp://host:8786`` on each machine; every worker needs this
  project installed, and the database URL, when a run reads a list version, must reach
  the database from the workers).

Each run is one task: :func:`scenarios.sweep.run_one` applied to its ``RunSpec`` and
the database URL, returning plain data. Results come back as they finish (``on_done``
drives a progress bar) and are returned sorted by run id, so the report does not depend
on scheduling. A task the cluster loses (a worker killed, a result it could not send)
is a failed run with the reason — never a run silently missing from the report.
"""

from __future__ import annotations

import logging
import uuid
from typing import Callable

from emergency.errors import ConfigurationError, InputError
from scenarios.sweep import RunResult, RunSpec, run_one, sorted_results

OnDone = Callable[[RunResult], None]


def run_local(runs: list[RunSpec], database: str | None = None, on_done: OnDone | None = None) -> list[RunResult]:
    """Every run in this process, in expansion order."""
    out = []
    for spec in runs:
        result = run_one(spec, database)
        out.append(result)
        if on_done:
            on_done(result)
    return sorted_results(out)


def run_on_client(client, runs: list[RunSpec], database: str | None = None,
                  on_done: OnDone | None = None) -> list[RunResult]:
    """Every run as a task on ``client``'s cluster; results sorted by run id."""
    from distributed import as_completed

    batch = uuid.uuid4().hex[:8]  # keys unique per submission: a second sweep never reuses a finished task
    keys = [f"sweep-{batch}-{spec.run_id}" for spec in runs]
    futures = client.map(run_one, runs, database=database, key=keys, pure=False, retries=0)
    spec_of = {f.key: spec for f, spec in zip(futures, runs)}
    results = []
    for fut in as_completed(futures):
        spec = spec_of[fut.key]
        try:
            result = fut.result()
        except Exception as exc:  # lost by the cluster (KilledWorker, a result it could not deserialise …)
            result = RunResult(spec.run_id, dict(spec.labels), False, error_kind=type(exc).__name__,
                               error=f"集群未能完成该运行 (the cluster lost this run): {type(exc).__name__}: {exc}")
        results.append(result)
        if on_done:
            on_done(result)
        fut.release()
    return sorted_results(results)


def run_sweep(runs: list[RunSpec], database: str | None = None, *, local: bool = False, workers: int = 2,
              scheduler: str | None = None, on_done: OnDone | None = None,
              on_cluster: Callable[[str], None] | None = None) -> list[RunResult]:
    """The runs' results, sorted by run id, computed where asked.

    ``on_cluster`` is told where the runs go (the dashboard link or the scheduler address)."""
    if local:
        return run_local(runs, database, on_done)
    if workers < 1:
        raise InputError("--workers 至少为 1 (at least one worker)")
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise ConfigurationError(f"无法连接 Dask 调度器 (cannot reach the Dask scheduler) {scheduler}: {exc}") from None
        try:
            if on_cluster:
                n = len(client.scheduler_info(n_workers=-1).get("workers", {}))
                on_cluster(f"{scheduler}（{n} 个工作进程 workers）")
            return run_on_client(client, runs, database, on_done)
        finally:
            client.close()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        if on_cluster:
            on_cluster(f"LocalCluster {cluster.scheduler_address}（{workers} 个工作进程 workers）")
        return run_on_client(client, runs, database, on_done)


def database_for_workers(runs: list[RunSpec], database: str | None) -> str | None:
    """The database URL the runs need, as the workers must see it; None when no run reads one.

    Without ``--database`` the default (``EMERGENCY_DATABASE_URL``, else the SQLite file in
    the data directory) is resolved here, where the command runs, and a relative SQLite
    path made absolute: a worker started elsewhere has another working directory and
    another data directory."""
    reads = any((s.city is not None and s.city.generate is None)
                or (s.city is None and s.scenario.registry.version is not None) for s in runs)
    if not reads:
        return None
    from emergency.settings import get_settings
    from enterprise_registry.db import sqlite_file

    url = database or get_settings().resolved_database_url()
    path = sqlite_file(url)
    if path is not None and not path.is_absolute():
        url = f"sqlite:///{path.resolve()}"
    return url
