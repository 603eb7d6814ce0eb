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


def _runs(row: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of each run of True in ``row``."""
    d = np.diff(np.concatenate([[0], row.astype(np.int8), [0]]))
    starts, ends = np.nonzero(d == 1)[0], np.nonzero(d == -1)[0]
    return [(int(a), int(b - a)) for a, b in zip(starts, ends)]


def improve(p: RotationProblem, stops: np.ndarray, load: np.ndarray, share: np.ndarray,
            member_groups: dict[int, list[int]], seconds: float, passes: int = 30, max_runs: int = 3) -> np.ndarray:
    """Local search on Σ_g max_t load[g, t] (future days): move one stop run of a rotating
    line to its best place (free days the line does not already stop), or split a run
    of at least twice the minimum block in two and move the second half (a line keeps
    at most ``max_runs`` runs: a kiln restarts as few times as the spread allows)."""
    deadline = time.perf_counter() + seconds
    T0 = p.frozen_days
    B = p.rules.min_block_days
    free = p.is_free()
    order = sorted(p.rotating.tolist(), key=lambda l: (-p.capacity[l], p.line_id[l]))

    def best_place(l, gs, sh, rest, length, ok):
        """(cost, start) of the best window of ``length`` days where ``ok``."""
        if length > len(ok):
            return None
        valid = sliding_window_view(ok, length).all(axis=1)
        if not valid.any():
            return None
        future = rest[:, T0:]
        peak_rest = future.max(axis=1) if future.shape[1] else np.zeros(len(gs))
        win = sliding_window_view(rest, length, axis=1)
        wmax, wsum = win.max(axis=2), win.sum(axis=2)
        cost = np.maximum(peak_rest[:, None], wmax + sh).sum(axis=0) * 1e6 + (wsum * sh).sum(axis=0)
        cost[~valid] = np.inf
        k = int(np.argmin(cost))
        return float(cost[k]), k

    for _ in range(passes):
        moved = False
        for l in order:
            if time.perf_counter() > deadline:
                return stops
            gs = member_groups.get(l, [])
            if not gs:
                continue
            sh = share[gs, l][:, None]
            for start, length in _runs(stops[l] & free[l]):
                if not free[l, start:start + length].all():
                    continue
                cells = np.arange(start, start + length)
                rest = load[gs].copy()
                rest[:, cells] -= sh
                ok = free[l] & ~stops[l]
                ok[cells] = True
                current = best_place(l, gs, sh, rest, length, np.isin(np.arange(len(ok)), cells))
                found = best_place(l, gs, sh, rest, length, ok)
                options = []
                if found is not None and current is not None and found[0] < current[0] - 1e-9:
                    options.append((found[0], [(found[1], length)]))
                n_runs = len(_runs(stops[l] & free[l]))
                if length >= 2 * B and n_runs < max_runs and current is not None:
                    first = length // 2
                    rest2 = rest.copy()
                    rest2[:, start:start + first] += sh
                    ok2 = ok.copy()
                    ok2[start:start + first + 1] = False  # the halves stay apart
                    if start > 0:
                        ok2[start - 1] = False
                    half = best_place(l, gs, sh, rest2, length - first, ok2)
                    if half is not None and half[0] < current[0] - 1e-9:
                        options.append((half[0], [(start, first), (half[1], length - first)]))
                if not options:
                    continue
                _, placement = min(options, key=lambda o: o[0])
                stops[l, cells] = False
                load[gs] = rest
                for a, n in placement:
                    stops[l, a:a + n] = True
                    load[np.ix_(gs, np.arange(a, a + n))] += sh
                moved = True
                break  # the line's runs changed: next line
        if not moved:
            break
    return stops

