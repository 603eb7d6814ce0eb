"""A coarse calendar of slots, solved first and given to the day model as its hint.

The spread objective does not care in which order the days come, only which lines
stop together; the day model (one Boolean per line and day) spends its time on the
order. Cutting the future into slots of ``B`` or ``B + 1`` days (``B`` the minimum
block: 120 days = 8 × 7 + 8 × 8) and letting a line stop whole slots only, every
stop run lasts at least ``B`` days by construction, and the model is 16 columns
instead of 120:

    z[l, j] ∈ {0, 1}            line l stops the whole slot j
    q_l ≤ Σ_j len_j · z[l, j] ≤ q_l + Σ_j (len_j − B) · z[l, j]   (the excess is trimmed off run ends)
    peak_g ≥ fixed_g,j + Σ_{l ∈ g} s_l · z[l, j]     every group g, slot j
    minimise Σ_g w · peak_g

On the 500-line benchmark it reaches within 0.1–3 % of the proven bound in seconds,
where the day model from the staggered hint stalls at 2–4 %. The day model then
starts from it and keeps every rule it does not see (holidays, requests, period
minimums, the yearly cap, warning days): a slot calendar that breaks one of those is
not used as the hint (:func:`emergency.rotation.solve._solve_part`).
"""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model

from emergency.rotation.model import PPM
from emergency.rotation.problem import RotationProblem

MIN_BLOCK = 3  # below this the slots are the days: nothing to gain


def slot_lengths(days: int, block: int) -> list[int]:
    """Lengths of the slots covering ``days`` days: as many slots of ``block`` or
    ``block + 1`` days as fit, the longer ones spread evenly."""
    n = int(days // (block + 0.5)) if days >= block else 0
    if n <= 0:
        return []
    longer = days - block * n  # slots one day longer (0 ≤ longer ≤ n)
    if longer > n:  # the window is not a whole number of slots: the last slots take the rest
        longer = n
    lens = [block + 1 if (j * longer) // n != ((j + 1) * longer) // n else block for j in range(n)]
    lens[-1] += days - sum(lens)
    return lens


def slot_calendar(p: RotationProblem, seconds: float, workers: int = 2, seed: int = 0,
                  start: np.ndarray | None = None) -> np.ndarray | None:
    """A calendar (bool (L, T), fixed stops included) whose rotating lines stop whole
    slots of the future days, or None when the rules leave nothing to gain (minimum
    block below :data:`MIN_BLOCK`) or no slot calendar was found in time. ``start``: a
    day calendar whose slots (a line stops a slot when it stops most of its days) hint
    the search."""
    B = p.rules.min_block_days
    T0, T = p.frozen_days, p.n_days
    lens = slot_lengths(T - T0, B)
    if B < MIN_BLOCK or not lens or not len(p.rotating):
        return None
    starts = T0 + np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(int)
    fixed, free = p.fixed_stops(), p.is_free()
    m = cp_model.CpModel()
    z: dict[int, list] = {}
    need: dict[int, int] = {}
    for l in p.rotating.tolist():
        n = int(p.quota[l]) - int((fixed[l] & p.counts[l]).sum())
        if n <= 0:
            continue
        ok = [bool(free[l, a:a + k].all()) for a, k in zip(starts, lens)]
        z[l] = [m.new_bool_var(f"slot[{p.line_id[l]},{j}]") if ok[j] else 0 for j in range(len(lens))]
        covered = sum(k * v for k, v in zip(lens, z[l]) if not isinstance(v, int))
        if isinstance(covered, int):
            return None  # no whole slot free for a line that needs days
        m.add(covered >= n)
        # the excess comes off run ends without leaving a run shorter than B: at most
        # what the chosen slots hold beyond B days each
        spare = [(k - B, v) for k, v in zip(lens, z[l]) if k > B and not isinstance(v, int)]
        m.add(covered - n <= sum(c * v for c, v in spare) if spare else covered == n)
        need[l] = n
    if not z:
        return None
    w = max(p.rules.weights.balance, 1)
    terms = []
    for g in p.groups:
        if g.capacity <= 0:
            continue
        share = p.capacity[g.lines] / g.capacity
        members = [(int(l), int(round(s * PPM))) for l, s in zip(g.lines, share) if int(l) in z]
        if not members:
            continue
        fixed_load = (fixed[g.lines] * share[:, None]).sum(axis=0)
        peak = m.new_int_var(0, 2 * PPM, f"slot_peak[{g.key}]")
        for j, (a, k) in enumerate(zip(starts, lens)):
            const = int(round(float(fixed_load[a:a + k].max()) * PPM))
            vs = [(z[l][j], c) for l, c in members if not isinstance(z[l][j], int)]
            m.add(peak >= sum(c * v for v, c in vs) + const if vs else peak >= const)
        terms.append(w * peak)
    m.minimize(sum(terms))
    if start is not None:
        for l, vs in z.items():
            for j, v in enumerate(vs):
                if not isinstance(v, int):
                    m.add_hint(v, bool(start[l, starts[j]:starts[j] + lens[j]].mean() > 0.5))
    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds = max(float(seconds), 0.1)
    s.parameters.num_workers = max(1, min(int(workers), 2))
    s.parameters.random_seed = int(seed)
    if s.solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    stops = fixed.copy()
    for l, vs in z.items():
        row = np.zeros(T, dtype=bool)
        for j, v in enumerate(vs):
            if not isinstance(v, int) and s.value(v):
                row[starts[j]:starts[j] + lens[j]] = True
        stops[l] |= _trim(row, int(row.sum()) - need[l], B)
    return stops


def _trim(row: np.ndarray, excess: int, block: int) -> np.ndarray:
    """``row`` with ``excess`` stop days taken off the ends of its runs, longest run
    first, never leaving a run shorter than ``block``."""
    row = row.copy()
    while excess > 0:
        d = np.diff(np.concatenate([[0], row.astype(np.int8), [0]]))
        st, en = np.nonzero(d == 1)[0], np.nonzero(d == -1)[0]
        length = en - st
        j = int(np.argmax(length))
        cut = min(excess, int(length[j]) - block)
        if cut <= 0:
            break  # cannot trim without breaking a block: the day model repairs it
        row[en[j] - cut:en[j]] = False
        excess -= cut
    return row


def spread_value(p: RotationProblem, stops: np.ndarray) -> float:
    """The model's objective of a calendar, computed from the days (soft terms: the
    groups' peaks over the future days, preferences against, stop days beyond quotas);
    what picks the better of two starting calendars."""
    T0 = p.frozen_days
    w = p.rules.weights
    total = 0.0
    if w.balance > 0:
        for g in p.groups:
            if g.capacity <= 0 or T0 >= p.n_days:
                continue
            coeff = np.round(p.capacity[g.lines] / g.capacity * PPM)
            total += w.balance * float((stops[g.lines, T0:] * coeff[:, None]).sum(axis=0).max())
    future = np.zeros_like(stops)
    future[:, T0:] = True
    against = ((p.preference > 0) & ~stops) | ((p.preference < 0) & stops)
    total += w.preference * int((against & future & p.is_free()).sum())
    if p.rules.max_extra_days > 0 and w.extra_day > 0:
        rot = p.rotating
        total += w.extra_day * float(np.maximum((stops[rot] & p.counts[rot]).sum(axis=1) - p.quota[rot], 0).sum())
    return total
