"""A staggered starting calendar, given to CP-SAT as a hint.

Each rotating line, largest first, takes its remaining quota as one contiguous block
placed where its groups (city and county of its industry) are least stopped so far —
a greedy levelling of the daily shares. The hint need not satisfy every rule; the
solver repairs it. Deterministic.
"""

from __future__ import annotations

import numpy as np

from emergency.rotation.problem import RotationProblem


def staggered_calendar(p: RotationProblem) -> np.ndarray:
    T = p.n_days
    stops = p.fixed_stops().copy()
    free = p.is_free()
    # load per group and day, as a share of the group's capacity
    member_groups: dict[int, list[int]] = {}
    for gi, g in enumerate(p.groups):
        for l in g.lines:
            member_groups.setdefault(int(l), []).append(gi)
    load = np.zeros((len(p.groups), T))
    share = np.zeros((len(p.groups), p.n_lines))
    for gi, g in enumerate(p.groups):
        if g.capacity > 0:
            share[gi, g.lines] = p.capacity[g.lines] / g.capacity
            load[gi] = (stops[g.lines] * share[gi, g.lines][:, None]).sum(axis=0)
    order = sorted(p.rotating.tolist(), key=lambda l: (-p.capacity[l], p.line_id[l]))
    for l in order:
        done = int((stops[l] & p.counts[l]).sum())
        need = int(p.quota[l]) - done
        if need <= 0:
            continue
        cand = np.nonzero(free[l])[0]
        if len(cand) == 0:
            continue
        lo, hi = int(cand[0]), int(cand[-1]) + 1
        length = min(max(need, p.rules.min_block_days), hi - lo)
        gs = member_groups.get(l, [])
        cost = load[gs].max(axis=0) if gs else np.zeros(T)
        csum = np.concatenate([[0.0], np.cumsum(cost)])
        best, best_s = None, lo
        for s in range(lo, hi - length + 1):
            c = csum[s + length] - csum[s]
            if best is None or c < best - 1e-12:
                best, best_s = c, s
        block = np.arange(best_s, best_s + length)
        block = block[free[l, block]]
        stops[l, block] = True
        for gi in gs:
            load[gi, block] += share[gi, l]
    return stops
