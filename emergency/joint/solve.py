"""Solving the joint model, and each city alone (分别方案), with bound and gap.

- ``separate``: the blocks are independent (no shared row), so each city's problem is
  solved by itself with the engine's solver (LP bound + neighbourhood MIP): a per-city
  bound and gap, and the region's bound is the sum of the cities' bounds.
- ``joint``: one LP over every line of the region — the cities are coupled only by the
  few regional rows, which add a handful of dense rows to a block-diagonal LP with one
  column per line; GLOP solves it in one pass — then the neighbourhood MIP on the few
  fractional and nearly indifferent lines of the whole region.

Results are typed (:class:`ModeResult`, :class:`CityOutcome`); the raw solver never
leaks. A city whose targets cannot be met alone makes ``separate`` infeasible (named);
the joint plan may still exist.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from emergency.joint.model import CityProblem, JointModel, Mode
from emergency.optimization.result import SolveStatus, relative_gap
from emergency.optimization.solver import solve


@dataclass
class CityOutcome:
    """One city's part of a plan (its own rows, in its own columns)."""

    city: str
    policy_area: str
    version: str
    lines: int
    status: SolveStatus
    lost_output: float | None  # yuan/day
    bound: float | None  # proven lower bound of the city alone (separate mode)
    areas: tuple[str, ...]  # its requirement areas (city first, then counties)
    columns: tuple[str, ...]
    required: np.ndarray  # (A, K) its own requirement (whole)
    must_meet: np.ndarray  # (A, K) what the plan had to meet (φ × own requirement in joint mode)
    achieved: np.ndarray | None  # (A, K)
    choice: np.ndarray | None  # option per line of the city's problem
    beyond_floor: int = 0  # lines ordered more than their floor measure
    shortfall: np.ndarray | None = None  # (A, K) when infeasible
    line_ids: np.ndarray | None = None  # (L,) the city's lines (``<uscc>/<line_code>``)
    output_cut: np.ndarray | None = None  # (L,) the share of output each line gives up in this plan
    option_code: np.ndarray | None = None  # (L,) "floor", "cut_0.5", "stop" …

    def actions(self) -> dict[str, float]:
        """line id -> output cut ordered (the plan's actions, for checking it independently)."""
        return {} if self.output_cut is None else dict(zip(self.line_ids.tolist(), self.output_cut.tolist()))

    @property
    def gap(self) -> float | None:
        return relative_gap(self.lost_output, self.bound)

    def total(self, values: np.ndarray | None) -> np.ndarray | None:
        """(K,) the city's total of per-row values: the city row, else the sum of its counties."""
        if values is None:
            return None
        return values[self.areas.index(self.city)] if self.city in self.areas else values.sum(axis=0)

    def coverage(self) -> float | None:
        """min over the city's rows with a requirement of achieved / own requirement."""
        if self.achieved is None:
            return None
        need = self.required > 1e-9
        return float((self.achieved[need] / self.required[need]).min()) if need.any() else 1.0


@dataclass
class ModeResult:
    mode: Mode
    status: SolveStatus
    objective: float | None  # yuan/day, the region's total lost output
    bound: float | None
    seconds: float
    phases: dict[str, float]
    cities: list[CityOutcome]
    columns: tuple[str, ...]  # the union of the cities' columns
    regional_required: np.ndarray | None = None  # (K,) joint mode
    regional_achieved: np.ndarray | None = None  # (K,) Σ over cities, every mode
    unmet: list[str] = field(default_factory=list)  # rows that cannot be met (infeasible)
    info: dict = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        return relative_gap(self.objective, self.bound)

    @property
    def feasible(self) -> bool:
        return self.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


def _outcome(cp: CityProblem, status, choice, bound, must_meet, shortfall=None) -> CityOutcome:
    p = cp.problem
    achieved = p.achieved(choice) if choice is not None else None
    return CityOutcome(
        city=cp.city, policy_area=cp.policy_area, version=cp.version, lines=p.n_lines, status=status,
        lost_output=p.cost_of(choice) if choice is not None else None, bound=bound, areas=p.area_names,
        columns=p.pollutants, required=p.required, must_meet=must_meet, achieved=achieved, choice=choice,
        beyond_floor=int((choice != p.line_start[:-1]).sum()) if choice is not None else 0, shortfall=shortfall,
        line_ids=p.line_ids, output_cut=None if choice is None else p.output_cut[choice],
        option_code=None if choice is None else p.option_code[choice],
    )


def _regional_sum(cities: list[CityOutcome], columns: tuple[str, ...]) -> np.ndarray | None:
    out = np.zeros(len(columns))
    for c in cities:
        total = c.total(c.achieved)
        if total is None:
            return None
        out[[columns.index(k) for k in c.columns]] += total
    return out


def solve_separate(cities: list[CityProblem], columns: tuple[str, ...], *, time_limit: float = 20.0,
                   gap_tolerance: float = 5e-4) -> ModeResult:
    """Each city alone against its whole targets; the region's plan is the sum."""
    t0 = time.perf_counter()
    outcomes: list[CityOutcome] = []
    unmet: list[str] = []
    for cp in cities:
        r = solve(cp.problem, time_limit=time_limit, gap_tolerance=gap_tolerance)
        if r.feasible:
            outcomes.append(_outcome(cp, r.status, r.choice, r.lower_bound, cp.problem.required))
        else:
            outcomes.append(_outcome(cp, r.status, None, None, cp.problem.required, r.shortfall))
            unmet += _unmet_rows(cp.problem, r.shortfall, prefix=cp.city)
    feasible = all(o.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE) for o in outcomes)
    objective = sum(o.lost_output for o in outcomes) if feasible else None
    bound = sum(o.bound for o in outcomes) if feasible else None
    status = SolveStatus.INFEASIBLE if not feasible else (
        SolveStatus.OPTIMAL if (relative_gap(objective, bound) or 0.0) <= gap_tolerance else SolveStatus.FEASIBLE)
    seconds = time.perf_counter() - t0
    return ModeResult(Mode.SEPARATE, status, objective, bound, seconds, {"solve": seconds}, outcomes, columns,
                      regional_achieved=_regional_sum(outcomes, columns) if feasible else None, unmet=unmet)


def solve_joint(model: JointModel, *, time_limit: float = 40.0, gap_tolerance: float = 5e-4) -> ModeResult:
    """The combined model in one solve; each city's part extracted."""
    t0 = time.perf_counter()
    r = solve(model.problem, time_limit=time_limit, gap_tolerance=gap_tolerance)
    t1 = time.perf_counter()
    outcomes: list[CityOutcome] = []
    for c, cp in enumerate(model.cities):
        must = cp.problem.required * model.floor_share[c]
        if r.feasible:
            outcomes.append(_outcome(cp, r.status, model.city_choice(r.choice, c), None, must))
        else:
            rows = slice(model.area_offset[c], model.area_offset[c + 1])
            short = None if r.shortfall is None else r.shortfall[rows][:, model.columns[c]]
            outcomes.append(_outcome(cp, r.status, None, None, must, short))
    unmet = [] if r.feasible or r.shortfall is None else _unmet_rows(model.problem, r.shortfall)
    phases = {**{f"solve_{k}": v for k, v in r.phases.items()}, "extract": time.perf_counter() - t1}
    columns = model.problem.pollutants
    return ModeResult(
        Mode.JOINT, r.status, r.objective, r.lower_bound, time.perf_counter() - t0, phases, outcomes, columns,
        regional_required=model.regional_required,
        regional_achieved=r.achieved[model.region_row] if r.feasible and model.region_row is not None else (
            _regional_sum(outcomes, columns) if r.feasible else None),
        unmet=unmet, info=dict(r.info),
    )


def _unmet_rows(problem, shortfall: np.ndarray | None, prefix: str | None = None) -> list[str]:
    if shortfall is None:
        return []
    out = []
    for a, k in zip(*np.nonzero(shortfall > 1e-9)):
        area, col = problem.area_names[a], problem.pollutants[k]
        name = area if prefix is None or area == prefix else f"{prefix}/{area}"
        out.append(f"target[{name},{col}] 缺 {shortfall[a, k]:,.1f} kg/日")
    return out
