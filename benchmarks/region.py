"""Region benchmark: 28 cities, 10^5 / 3×10^5 / 10^6 production lines, joint and separate plans.

    python benchmarks/region.py [--lines 100000 300000 1000000] [--cities 28] [--level red] [--mode compare]

Each size runs in its own process (so its peak memory is its own) and goes through the
same service functions as ``emergency joint plan --generate N``: generate the region
(generate_region), build each city's problem with its own policy, then per mode: solve
each city alone (separate), or combine the cities into one model and solve it (joint), and
extract each city's part. Printed: time per phase, peak resident memory
(resource.getrusage ru_maxrss of the child), lost output, proven bound and relative gap.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def one(lines: int, cities: int, level: str, mode: str, seed: int) -> dict:
    from emergency.joint.model import define_columns
    from emergency.joint.pooling import load_pooling
    from emergency.joint.service import RegionSpec, city_problems, joint_model
    from emergency.joint.solve import solve_joint, solve_separate
    from emergency.vocabulary import WarningLevel
    from enterprise_registry.generator import generate_region, region_city_names

    out: dict = {"lines_asked": lines, "cities": cities, "level": level, "mode": mode}
    t = time.perf_counter()
    tables = generate_region(cities, lines_total=lines, seed=seed)
    out["generate"] = time.perf_counter() - t
    out["lines"] = sum(len(x.lines["uscc"]) for x in tables)
    t = time.perf_counter()
    problems, _ = city_problems(tables, WarningLevel(level))
    out["build"] = time.perf_counter() - t
    out["options"] = sum(p.problem.n_options for p in problems)
    del tables
    columns, _ = define_columns(problems)
    spec = RegionSpec(f"{cities} cities", tuple(region_city_names(cities)))
    if mode in ("separate", "compare"):
        r = solve_separate(problems, columns)
        out["separate"] = {"seconds": r.seconds, "status": r.status.value, "objective": r.objective, "bound": r.bound,
                           "gap": r.gap}
    if mode in ("joint", "compare"):
        t = time.perf_counter()
        model = joint_model(problems, spec, load_pooling())
        out["combine"] = time.perf_counter() - t
        r = solve_joint(model, time_limit=40.0)
        out["joint"] = {"seconds": r.seconds, "status": r.status.value, "objective": r.objective, "bound": r.bound,
                        "gap": r.gap, "phases": r.phases, "info": {k: v for k, v in r.info.items() if isinstance(v, (int, float, bool))}}
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    ap.add_argument("--cities", type=int, default=28)
    ap.add_argument("--level", default="red")
    ap.add_argument("--mode", default="compare", choices=("compare", "joint", "separate"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.cities, args.level, args.mode, args.seed)))
        return
    rows = []
    for n in args.lines:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--one", str(n), "--cities", str(args.cities),
                               "--level", args.level, "--mode", args.mode, "--seed", str(args.seed)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"size {n} failed: {proc.stderr[-3000:]}")
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), file=sys.stderr)
    head = ("lines", "options", "generate s", "build s (28 cities)", "separate solve s", "separate gap", "combine s",
            "joint LP s", "joint fix+MIP s", "joint extract s", "joint total s", "joint gap", "saving (yuan/day)",
            "plan total s (build+combine+joint)", "peak RSS MB")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        s, j = r.get("separate"), r.get("joint")
        ph = (j or {}).get("phases", {})
        saving = None if not (s and j and s["objective"] is not None and j["objective"] is not None) else s["objective"] - j["objective"]
        plan_total = r["build"] + r.get("combine", 0.0) + (j["seconds"] if j else 0.0)
        cells = [f"{r['lines']:,}", f"{r['options']:,}", f"{r['generate']:.1f}", f"{r['build']:.1f}",
                 "-" if not s else f"{s['seconds']:.1f}", "-" if not s or s["gap"] is None else f"{s['gap']:.4%}",
                 f"{r.get('combine', 0.0):.2f}", f"{ph.get('solve_lp', 0.0):.1f}",
                 f"{ph.get('solve_fix', 0.0) + ph.get('solve_neighbourhood_mip', 0.0):.2f}", f"{ph.get('extract', 0.0):.2f}",
                 "-" if not j else f"{j['seconds']:.1f}", "-" if not j or j["gap"] is None else f"{j['gap']:.4%}",
                 "-" if saving is None else f"{saving:,.0f}", f"{plan_total:.1f}", f"{r['peak_rss_mb']:,.0f}"]
        print("| " + " | ".join(cells) + " |")
    print(f"{args.cities} cities, level {args.level}; gaps against each mode's proven LP bound; peak RSS of the process "
          "running one size (generation included).")


if __name__ == "__main__":
    main()
