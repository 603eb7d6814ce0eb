"""Many scenarios in parallel local processes (one scenario per process)."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Callable

from scenarios.run import ScenarioOutcome, run_scenario


def _run(path: str, database: str | None) -> ScenarioOutcome:
    return run_scenario(Path(path), database)


def run_many(paths: list[Path], *, database: str | None = None, workers: int = 2,
             on_done: Callable[[Path], None] | None = None) -> list[ScenarioOutcome]:
    """Outcomes in the order of ``paths`` (results do not depend on scheduling)."""
    if workers <= 1 or len(paths) <= 1:
        out = []
        for p in paths:
            out.append(run_scenario(p, database))
            if on_done:
                on_done(p)
        return out
    results: dict[int, ScenarioOutcome] = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_run, str(p), database): i for i, p in enumerate(paths)}
        for f in as_completed(futures):
            results[futures[f]] = f.result()
            if on_done:
                on_done(paths[futures[f]])
    return [results[i] for i in range(len(paths))]
