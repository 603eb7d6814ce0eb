"""Rotation benchmark: a 120-day season for 500 rotating lines, solved to a calendar
that meets every rule, with its objective, proven bound and gap; then whole generated
cities' seasons (the demo city, and Shanxi's 晋中市 with its ten rotation industries).

    .venv/bin/python benchmarks/rotation.py                  # 500 rotating lines (60 s), cities (20 s)
    .venv/bin/python benchmarks/rotation.py --lines 125,250,500 --time-limit 120
    .venv/bin/python benchmarks/rotation.py --cities ""      # the trimmed lists only

The list is a generated city (``generate_registry``) with about 2N rotating lines, of
which a seeded uniform sample of exactly N is kept, with the same fraction of the
whole-window and exempt lines of the rotation industries (the city's mix stays). Rules: the demo city's rotation
policy (industries, stop days by grade, exemptions, 7-day minimum block, no daily band —
no text read sets one — and the soft spread over the city and every county), a 120-day
window (11-15 … 03-14) (``--county`` adds a hard 10 %–60 % band in every county, even
one-line groups: generated cities then have counties where one plant or the
whole-window plants exceed the cap, so the run measures the proof of infeasibility and
its explanation instead). The calendar is verified by
the independent checker of the tests (``tests/rotation/checker.py``) before its row
is printed. No timing is asserted anywhere; this prints a table.

Columns: rotating lines, all in-scope lines, days, model size, seconds (build + solve),
status, objective (Σ over groups of the heaviest day's stopped share, ppm), proven
bound, gap, and whether the independent check passed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from config.policy import load_policy  # noqa: E402
from emergency.rotation.problem import Role, build_problem  # noqa: E402
from emergency.rotation.rules import rules_from_policy  # noqa: E402
from emergency.rotation.service import plan_season  # noqa: E402
from enterprise_registry.columns import RegistryTables  # noqa: E402
from enterprise_registry.generator import generate_registry  # noqa: E402

SEASON = "2026-2027"


def bench_rules(county: bool = False):
    band = dict(share_areas=["city", "county"], daily_stop_share_min=0.10, daily_stop_share_max=0.60,
                share_min_lines=1) if county else {}
    return rules_from_policy(load_policy("demo/demo_city"), window_end="03-14", **band)


def trimmed_list(n_rotating: int, seed: int, rules) -> RegistryTables:
    """A generated city with exactly ``n_rotating`` rotating lines: a city with about
    twice as many, of which a seeded uniform sample is kept (rotating, whole-window and
    exempt lines alike, so every industry and county keeps its mix)."""
    n_ent = max(200, int(n_rotating * 3.5))
    while True:
        t = generate_registry(n_ent, seed)
        p = build_problem(t, rules, SEASON)
        rot_ids = [p.line_id[i] for i in p.rotating]
        if len(rot_ids) >= 2 * n_rotating:
            break
        n_ent = int(n_ent * 1.3)
    rng = np.random.default_rng(seed)
    frac = n_rotating / len(rot_ids)
    drop = set()
    for role in (Role.ROTATE, Role.WHOLE, Role.EXEMPT):
        ids = [p.line_id[i] for i in range(p.n_lines) if p.role[i] == role]
        keep_n = n_rotating if role == Role.ROTATE else int(round(frac * len(ids)))
        kept = set(rng.choice(len(ids), size=keep_n, replace=False).tolist())
        drop |= {lid for i, lid in enumerate(ids) if i not in kept}
    keep = [j for j, (u, c) in enumerate(zip(t.lines["uscc"], t.lines["line_code"])) if f"{u}/{c}" not in drop]
    lines = {k: [v[j] for j in keep] for k, v in t.lines.items()}
    return RegistryTables(version=t.version, areas=t.areas, enterprises=t.enterprises, lines=lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", default="500", help="rotating lines, comma-separated (default 500)")
    ap.add_argument("--time-limit", type=float, default=60.0, help="CP-SAT seconds per instance")
    ap.add_argument("--cities", default="demo:2000,shanxi:2000",
                    help="generated cities region:enterprises (demo = the demo city), comma-separated; '' for none")
    ap.add_argument("--city-time-limit", type=float, default=20.0, help="CP-SAT seconds per city season")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--county", action="store_true", help="county-level shares as well (infeasible cities)")
    args = ap.parse_args()
    from tests.rotation.checker import check_calendar

    rules = bench_rules(args.county)
    header = f"{'rotating':>8} {'lines':>6} {'days':>4} {'vars':>7} {'constrs':>7} {'build s':>7} {'solve s':>7} " \
             f"{'status':>10} {'objective':>11} {'bound':>11} {'gap':>7} {'checked':>7}"
    print(header)
    print("-" * len(header))
    for n in (int(x) for x in args.lines.split(",") if x.strip()):
        t = trimmed_list(n, args.seed, rules)
        t0 = time.perf_counter()
        run = plan_season(t, SEASON, rules=rules, time_limit=args.time_limit, workers=args.workers, seed=args.seed)
        total = time.perf_counter() - t0
        r, p, info = run.result, run.problem, run.result.info
        assert int((p.role == Role.ROTATE).sum()) == n
        problems = check_calendar(t, rules, run.document) if r.calendar is not None else ["no calendar"]
        solve_s = sum(ph["seconds"] for ph in info.get("phases", []))
        fmt = lambda v: "—" if v is None else f"{v:,.0f}"  # noqa: E731
        print(f"{n:>8} {p.n_lines:>6} {p.n_days:>4} {info['variables']:>7} {info['constraints']:>7} "
              f"{info['build_seconds']:>7.1f} {solve_s:>7.1f} {r.status.value:>10} {fmt(r.objective):>11} "
              f"{fmt(r.best_bound):>11} {'—' if r.gap is None else f'{r.gap:.2%}':>7} "
              f"{'yes' if not problems else 'NO':>7}")
        if problems and r.feasible:
            for line in problems[:10]:
                print("   ", line)
        for v in r.violations[:5]:
            print("    violation:", v.message_zh[:160])
        sys.stdout.flush()
        _ = total
    if args.cities:
        city_seasons(args)


def city_seasons(args) -> None:
    """A whole generated city's season under its own policy, timed from the list in memory
    to the document (build, solve, checks), as `emergency rotation plan` runs it."""
    from emergency.rotation.rules import rules_from_policy as rules_of
    from tests.rotation.checker import check_calendar

    print()
    header = f"{'city':<8} {'firms':>6} {'lines':>6} {'rotating':>8} {'livelihood':>10} {'parts':>5} " \
             f"{'total s':>7} {'status':>9} {'gap':>7} {'checked':>7}"
    print(header)
    print("-" * len(header))
    for item in args.cities.split(","):
        region, n = item.split(":")
        t = generate_registry(int(n), args.seed, region=None if region == "demo" else region)
        rules = rules_of(load_policy(t.version["city"]))
        t0 = time.perf_counter()
        run = plan_season(t, SEASON, rules=rules, time_limit=args.city_time_limit, workers=args.workers, seed=args.seed)
        total = time.perf_counter() - t0
        r, p = run.result, run.problem
        problems = check_calendar(t, rules, run.document) if r.calendar is not None else ["no calendar"]
        print(f"{t.version['city']:<8} {int(n):>6} {p.n_lines:>6} {int((p.role == Role.ROTATE).sum()):>8} "
              f"{int((p.role == Role.LIVELIHOOD).sum()):>10} {len(r.info.get('parts', [])) or 1:>5} {total:>7.1f} "
              f"{r.status.value:>9} {'—' if r.gap is None else f'{r.gap:.2%}':>7} {'yes' if not problems else 'NO':>7}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
