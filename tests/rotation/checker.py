"""An independent checker of rotation calendars, written from the rules.

It reads the list (RegistryTables), the rules and the plan document (the JSON a
planner receives) and re-derives everything itself: who is in scope, who is exempt
and why, who stops the whole window, each line's quota, the stop runs (from the
stop dates, not from the document's blocks), the capacity of every (area, industry,
unit) and the stopped share of every day. It imports nothing from the model code.

The rules, as stated (DOMAIN §6 and the rotation rules of the policy):

1. Lines of the rotation industries are in scope. A line is exempt when its firm's
   grade is an exempt grade (the industry's own list where the locality gives one),
   when the firm's essential category is an exempt one, when it filed an
   ultra-low-emission retrofit (if so configured), when it is a livelihood firm and
   livelihood lines are exempt, or when its grade has no stop days (or 0). Whether the
   process can be interrupted does not matter: rotation exists for such lines.
   Exempt lines never stop. Grades with "whole" stop every day of the window, whatever
   the process. A livelihood line (max load + make-up, or 错峰置换) never stops in the
   window and owes ceil(skipped days × make-up share) days after it.
2. A rotating line stops its quota: days counted (warning-stop days count only if
   ``count_warning_days``) between quota and quota + max_extra_days (the yearly cap
   may lower the quota by the uncounted warning days).
3. Every run of consecutive stop days of a rotating line lasts ≥ min_block_days,
   unless it contains a day the warning stopped the line.
4. Each day, for the city and each county (as configured), each rotation industry and
   capacity unit: stopped capacity / capacity ≥ share_min (unless no line of the group
   may stop) and ≤ max(share_max, share already stopped by whole-window lines and
   warnings). Capacity = capacity basis = min(EIA, permit, actual) of every line of the
   group (``share_base`` "all") or of its rotating and whole-window lines
   ("rotation"). Only when a band is in force (min > 0 or max < 1); groups with fewer
   than ``share_min_lines`` rotating or whole-window lines are not bound.
5. Period minimums: each rotating line stops ≥ min_days (scaled down in proportion,
   rounded down, when its quota is below the minimums' sum) on the days of the period.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta


def window(rules, season: str) -> tuple[date, date]:
    y1 = int(season[:4])
    sm, sd = map(int, rules.window_start.split("-"))
    em, ed = map(int, rules.window_end.split("-"))
    start = date(y1, sm, sd)
    end = date(y1 + 1 if (em, ed) < (sm, sd) else y1, em, ed)
    return start, end


def _own(rules, industry: str, key: str):
    own = rules.by_industry.get(industry)
    value = getattr(own, key) if own is not None else None
    return value if value is not None else getattr(rules, key)


def expected_role(rules, ent: dict, line: dict, n_days: int = 0) -> tuple[str, int | None]:
    """(role, quota — or, for a livelihood line, the make-up days it owes)."""
    grade, industry = ent["grade"], ent["industry"]
    essential = ent["essential_category"] or "无"
    if grade in _own(rules, industry, "exempt_grades"):
        return "exempt", None
    if essential in rules.exempt_essential:
        return "exempt", None
    if rules.exempt_ultra_low_filed and ent["ultra_low_filed"]:
        return "exempt", None
    days = _own(rules, industry, "stop_days").get(grade)
    liv = _own(rules, industry, "livelihood")
    if essential in liv.categories:
        if liv.treatment == "exempt":
            return "exempt", None
        skipped = n_days if days == "whole" else int(days or 0)
        owed = -(-round(skipped * liv.makeup_share * 1000) // 1000)  # ceil, exact for shares like 0.7
        return "livelihood", int(owed)
    if days is None or days == 0:
        return "exempt", None
    if days == "whole":
        return "whole", None
    return "rotate", int(days)


def _dates(blocks) -> set[date]:
    out = set()
    for a, b in blocks:
        d, e = date.fromisoformat(a), date.fromisoformat(b)
        while d <= e:
            out.add(d)
            d += timedelta(days=1)
    return out


def _runs(ds: set[date]) -> list[tuple[date, date]]:
    out: list[list[date]] = []
    for d in sorted(ds):
        if out and d == out[-1][1] + timedelta(days=1):
            out[-1][1] = d
        else:
            out.append([d, d])
    return [(a, b) for a, b in out]


def check_calendar(tables, rules, doc: dict, *, industries=None, counties=None, window_override=None,
                   stop_sets: dict[str, set[date]] | None = None) -> list[str]:
    """Every breach of rules 1–5, as readable strings (empty: the calendar holds).

    ``stop_sets``: line id -> stop dates to check instead of the document's blocks."""
    problems: list[str] = []
    first, last = window_override or window(rules, doc["season"])
    if (doc["window"][0], doc["window"][1]) != (first.isoformat(), last.isoformat()):
        problems.append(f"window {doc['window']} != {first}..{last}")
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    inds = set(industries or rules.industries)
    ents = tables.enterprises
    e_of = {u: {k: ents[k][i] for k in ents} for i, u in enumerate(ents["uscc"])}
    L = tables.lines
    in_scope: dict[str, dict] = {}
    for j in range(len(L["uscc"])):
        ent = e_of[L["uscc"][j]]
        if ent["industry"] not in inds or (counties and ent["county"] not in counties):
            continue
        line = {k: L[k][j] for k in L}
        lid = f"{line['uscc']}/{line['line_code']}"
        basis = min(line["capacity_eia"], line["capacity_permit"], line["capacity_actual"])
        role, quota = expected_role(rules, ent, line, (last - first).days + 1)
        in_scope[lid] = {"ent": ent, "line": line, "role": role, "quota": quota, "capacity": basis}

    recs = {r["line_id"]: r for r in doc["lines"]}
    if set(recs) != set(in_scope):
        problems.append(f"lines in plan differ from lines in scope: missing {sorted(set(in_scope) - set(recs))[:5]}, "
                        f"extra {sorted(set(recs) - set(in_scope))[:5]}")
    # warning stops of rotating lines
    forced: dict[str, set[date]] = defaultdict(set)
    for w in doc.get("warnings", []):
        a, b = date.fromisoformat(w["start"]), date.fromisoformat(w["end"])
        for lid in w.get("stopped_lines", []):
            if lid in in_scope and in_scope[lid]["role"] == "rotate":
                d = max(a, first)
                while d <= min(b, last):
                    forced[lid].add(d)
                    d += timedelta(days=1)
    frozen = date.fromisoformat(doc["frozen_until"]) if doc.get("frozen_until") else None
    stops = stop_sets if stop_sets is not None else {lid: _dates(r["blocks"]) for lid, r in recs.items()}

    # rules 1–3 per line
    for lid, x in in_scope.items():
        s = stops.get(lid, set())
        if any(d < first or d > last for d in s):
            problems.append(f"{lid}: stop day outside the window")
        if x["role"] in ("exempt", "livelihood"):
            if s:
                problems.append(f"{lid}: {x['role']} line scheduled on {len(s)} days")
            if x["role"] == "livelihood" and recs.get(lid, {}).get("makeup_days") != x["quota"]:
                problems.append(f"{lid}: owes {recs.get(lid, {}).get('makeup_days')} make-up days, expected {x['quota']}")
            continue
        if x["role"] == "whole":
            if s != set(days):
                problems.append(f"{lid}: whole-window line stops {len(s)} of {len(days)} days")
            continue
        uncounted = set() if rules.count_warning_days else forced[lid]
        counted = len(s - uncounted)
        q = x["quota"]
        if rules.yearly_cap_days:
            q = min(q, max(rules.yearly_cap_days - len(uncounted), 0))
            if len(s) > max(rules.yearly_cap_days, len(forced[lid])):
                problems.append(f"{lid}: {len(s)} stop days over the yearly cap {rules.yearly_cap_days}")
        if not forced[lid] <= s:
            problems.append(f"{lid}: runs on {len(forced[lid] - s)} warning-stop days")
        # a re-plan freezes the past: stops that happened cannot be undone, so days
        # already stopped before ``frozen_until`` plus warning stops may exceed the quota
        past = {d for d in s if frozen is not None and d < frozen}
        hi = max(q + rules.max_extra_days, len((forced[lid] | past) - uncounted))
        if not q <= counted <= hi:
            problems.append(f"{lid}: {counted} counted stop days, required {q}..{hi}")
        for a, b in _runs(s):
            n = (b - a).days + 1
            if n < rules.min_block_days and not any(a <= d <= b for d in forced[lid]):
                problems.append(f"{lid}: stop block {a}..{b} of {n} days < {rules.min_block_days}")
        # rule 5
        total_min = sum(p.min_days for p in rules.period_minimums)
        for p in rules.period_minimums:
            need = p.min_days if total_min <= q else (p.min_days * q) // max(total_min, 1)
            got = len([d for d in s - uncounted if d.month in p.months])
            if got < need:
                problems.append(f"{lid}: {got} stop days in months {p.months}, minimum {need}")

    # rule 4 per group and day
    areas = []
    banded = rules.daily_stop_share_min > 0 or rules.daily_stop_share_max < 1
    if not banded:
        return problems
    if "city" in rules.share_areas:
        areas.append(("city", None))
    if "county" in rules.share_areas:
        areas += [("county", c) for c in sorted({x["ent"]["county"] for x in in_scope.values()})]
    for scope, county in areas:
        for ind in sorted(inds):
            for unit in sorted({x["line"]["capacity_unit"] for x in in_scope.values() if x["ent"]["industry"] == ind}):
                members = [lid for lid, x in in_scope.items()
                           if x["ent"]["industry"] == ind and x["line"]["capacity_unit"] == unit
                           and (county is None or x["ent"]["county"] == county)
                           and (rules.share_base == "all" or x["role"] in ("rotate", "whole"))]
                non_exempt = [lid for lid in members if in_scope[lid]["role"] in ("rotate", "whole")]
                if not members or len(non_exempt) < rules.share_min_lines:
                    continue
                cap = sum(in_scope[lid]["capacity"] for lid in members)
                if cap <= 0:
                    continue
                for d in days:
                    stopped = sum(in_scope[lid]["capacity"] for lid in members if d in stops.get(lid, ()))
                    fixed = sum(in_scope[lid]["capacity"] for lid in members
                                if in_scope[lid]["role"] == "whole" or d in forced[lid])
                    share, fixed_share = stopped / cap, fixed / cap
                    lo = rules.daily_stop_share_min if non_exempt else 0.0
                    hi = max(rules.daily_stop_share_max, fixed_share)
                    name = f"{county or 'city'}/{ind}/{unit}"
                    if share < lo - 1e-9:
                        problems.append(f"share_short {name} {d}: {share:.4f} < {lo}")
                    if share > hi + 1e-9:
                        problems.append(f"share_excess {name} {d}: {share:.4f} > {hi:.4f}")
    return problems
