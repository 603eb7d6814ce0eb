"""A staggered starting calendar, given to CP-SAT as a hint.

Each rotating line, largest first, takes its remaining quota as one contiguous block
placed where its groups (city and county of its industry) are least stopped so far —
a greedy levelling of the daily shares. Then :func:`improve` moves one line's block
at a time to where it lowers Σ_g (heaviest day of group g) most — the model's spread
objective — with the groups' total load on the block's days as the tie-break, until
a pass changes nothing or its time is up. The hint need not satisfy every rule; the
solver repairs it. Deterministic.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from emergency.rotation.problem import RotationProblem


def staggered_calendar(p: RotationProblem, improve_seconds: float = 0.0) -> np.ndarray:
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
    if improve_seconds > 0:
        stops = improve(p, stops, load, share, member_groups, improve_seconds)
    return stops


def improve(p: RotationProblem, stops: np.ndarray, load: np.ndarray, share: np.ndarray,
            member_groups: dict[int, list[int]], seconds: float, passes: int = 20) -> np.ndarray:
    """Block moves of single-block rotating lines lowering Σ_g max_t load[g, t] (future days)."""
    deadline = time.perf_counter() + seconds
    T0 = p.frozen_days
    free = p.is_free()
    order = sorted(p.rotating.tolist(), key=lambda l: (-p.capacity[l], p.line_id[l]))
    for _ in range(passes):
        moved = False
        for l in order:
            if time.perf_counter() > deadline:
                return stops
            gs = member_groups.get(l, [])
            cells = np.nonzero(stops[l] & free[l])[0]
            if not gs or len(cells) == 0 or cells[-1] - cells[0] + 1 != len(cells):
                continue  # no group, nothing to move, or not one block
            length = len(cells)
            cand = np.nonzero(free[l])[0]
            lo, hi = int(cand[0]), int(cand[-1]) + 1
            if hi - lo < length or not free[l, lo:hi].all():
                continue
            sh = share[gs, l][:, None]
            rest = load[gs].copy()
            rest[:, cells] -= sh
            future = rest[:, T0:]
            peak_rest = future.max(axis=1) if future.shape[1] else np.zeros(len(gs))
            win = sliding_window_view(rest[:, lo:hi], length, axis=1)  # (G, S, length)
            wmax, wsum = win.max(axis=2), win.sum(axis=2)
            peaks = np.maximum(peak_rest[:, None], wmax + sh).sum(axis=0)
            cost = peaks * 1e6 + (wsum * sh).sum(axis=0)
            best = int(np.argmin(cost)) + lo
            current = int(cells[0])
            if best == current or cost[best - lo] >= cost[current - lo] - 1e-9:
                continue
            stops[l, cells] = False
            stops[l, best:best + length] = True
            load[gs] = rest
            load[np.ix_(gs, np.arange(best, best + length))] += sh
            moved = True
        if not moved:
            break
    return stops
