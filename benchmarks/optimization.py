"""Optimisation benchmark: the engine against simple baselines on the same generated city.

    python benchmarks/optimization.py [--sizes 2000 20000 100000] [--level red] [--time-limit 10]

For each size: build the problem from a generated list and the demo city's policy,
then solve it with
  engine      LP relaxation (GLOP) + CP-SAT neighbourhood — the product's method
  rules_only  every line at its grade-table floor (today's manual practice)
  greedy      EPA Control Strategy Tool-style least-cost pass
  cpsat       plain CP-SAT on the full model, time limit
  scip/highs  plain MIP on the full model, time limit
and print time, lost value, gap to the engine's proven LP bound, and whether all
requirements are met. Also the end-to-end CLI time of `emergency plan` (registry
loaded from SQLite) per size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from config.policy import load_policy
from emergency.optimization import baselines
from emergency.optimization.builder import build_problem
from emergency.optimization.solver import solve
from enterprise_registry.generator import generate_registry
from emergency.vocabulary import WarningLevel


def with_filed_floors(tables, policy):
    """The list as if every firm no sparing rule covers had filed its grade-table measure at
    each level (a list filled in from the tables): the filed-measures step at full size; its
    plan must equal the plan without filed measures."""
    from config.measures import Action
    from emergency.optimization import builder
    from emergency.vocabulary import LEVELS
    from enterprise_registry.filed import column

    scope = builder.define_scope(tables, policy, None)
    lines = builder.line_columns(tables, scope)
    n = len(tables.lines["uscc"])
    for level in LEVELS:
        sparing = builder.define_sparing(policy, lines, level)
        floors = builder.grade_floors(policy, lines, scope, sparing, level)
        m = [floors.measures[i] for i in floors.index.tolist()]
        ruled = np.array([r is not None for r in sparing.rules], dtype=bool)[sparing.rule_index].tolist()
        filed = [x.action is not Action.OWN_MEASURES and not r for x, r in zip(m, ruled)]  # spared firms file nothing
        values = {"action": [x.action.value if f else None for x, f in zip(m, filed)],
                  "share": [x.share if f else None for x, f in zip(m, filed)],
                  "hours": [x.hours if f else None for x, f in zip(m, filed)],
                  "truck_ban": [x.truck_ban if f else None for x, f in zip(m, filed)],
                  "text": [x.describe_zh() if f else None for x, f in zip(m, filed)],
                  "indicator": ["用电量" if f else None for f in filed]}
        for field, column_values in values.items():
            tables.lines[column(level, field)] = column_values
    assert len(tables.lines[column(LEVELS[0], "action")]) == n
    return tables


def end_to_end(n: int, level: str, repeat: int = 3, filed: bool = False) -> list[float]:
    """Seconds of `emergency plan` from the CLI on a SQLite list of n enterprises, ``repeat`` runs."""
    tmp = Path(tempfile.mkdtemp())
    env = dict(os.environ, EMERGENCY_DATABASE_URL=f"sqlite:///{tmp / 'b.sqlite'}")
    from enterprise_registry import service
    from enterprise_registry.db import open_database

    engine = open_database(env["EMERGENCY_DATABASE_URL"])
    tables = generate_registry(n, 1)
    service.import_tables(engine, with_filed_floors(tables, load_policy("演示市")) if filed else tables)
    engine.dispose()  # as after `emergency registry import`: no connection of this process left open
    script = Path(sys.executable).with_name("emergency")  # the installed console script, as a user runs it
    command = [str(script)] if script.exists() else [sys.executable, "-c", "from emergency.cli.main import run; run()"]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        proc = subprocess.run(
            [*command, "plan", "--level", level, "--out", str(tmp / "p.json")],
            env=env, capture_output=True, text=True,
        )
        if proc.returncode != 0:
            raise SystemExit(f"emergency plan failed ({proc.returncode}): {proc.stderr[-2000:]}")
        times.append(time.perf_counter() - t)
    return sorted(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000, 100000])
    ap.add_argument("--level", default="red")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--skip-plain-above", type=int, default=100000, help="skip plain CP-SAT/MIP above this many enterprises")
    ap.add_argument("--filed", action="store_true", help="also plan from a list whose firms filed their grade-table measures")
    args = ap.parse_args()
    level = WarningLevel(args.level)
    policy = load_policy("演示市")
    rows = []
    # the CLI first, for every size, while nothing else runs: solver threads of the
    # baselines' time-limited runs may linger in this process and slow the CLI down
    e2e_of = {n: end_to_end(n, args.level) for n in args.sizes}
    e2e_filed = {n: end_to_end(n, args.level, filed=True) for n in args.sizes} if args.filed else {}
    for n in args.sizes:
        times = e2e_of[n]
        e2e = f"{times[len(times) // 2]:.1f} s (min {times[0]:.1f})"
        tables = generate_registry(n, 1)
        t = time.perf_counter()
        problem, _ = build_problem(tables, policy, level)
        t_build = time.perf_counter() - t
        engine = solve(problem)
        lb = engine.lower_bound
        runs = [("engine", engine), ("rules_only", baselines.rules_only(problem)), ("greedy", baselines.greedy(problem))]
        if args.filed:
            filed_tables = with_filed_floors(tables, policy)
            t = time.perf_counter()
            filed_problem, _ = build_problem(filed_tables, policy, level)
            t_filed = time.perf_counter() - t
            r = solve(filed_problem)
            times = e2e_filed[n]
            rows.append((n, filed_problem.n_lines, filed_problem.n_options, "engine, filed list", r.seconds + t_filed, t_filed,
                         r.objective, None if r.objective is None or r.lower_bound is None else (r.objective - r.lower_bound) / r.objective,
                         "yes" if r.status.value in ("optimal", "feasible") else "no", r.status.value,
                         f"{times[len(times) // 2]:.1f} s (min {times[0]:.1f})"))
        if n <= args.skip_plain_above:
            runs.append(("cpsat", baselines.plain_cpsat(problem, args.time_limit)))
            runs.append(("scip", baselines.plain_mip(problem, args.time_limit, "scip")))
            runs.append(("highs", baselines.plain_mip(problem, args.time_limit, "highs")))
        for name, r in runs:
            gap = None if r.objective is None or lb is None else (r.objective - lb) / r.objective
            met = "yes" if r.status.value in ("optimal", "feasible") else "no"
            rows.append((n, problem.n_lines, problem.n_options, name, r.seconds + (t_build if name == "engine" else 0.0),
                         t_build if name == "engine" else None, r.objective, gap, met, r.status.value,
                         e2e if name == "engine" else None))
    head = ("enterprises", "lines", "options", "method", "seconds", "of which build", "lost value (yuan/day)", "gap to LP bound",
            "targets met", "status", "CLI end-to-end (median of 3)")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for n, L, J, name, sec, build, obj, gap, met, status, e2e in rows:
        print(f"| {n:,} | {L:,} | {J:,} | {name} | {sec:.2f} | {'' if build is None else f'{build:.2f}'} | "
              f"{'-' if obj is None else f'{obj:,.0f}'} | {'-' if gap is None else f'{gap:.4%}'} | {met} | {status} | {e2e or ''} |")
    print("engine seconds include building the problem from the list and policy (also shown alone); gaps are against the "
          "engine's proven LP bound.")


if __name__ == "__main__":
    main()
