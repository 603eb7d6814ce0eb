"""Typed solver outcomes. Raw solver codes never leave the optimisation package."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class SolveStatus(StrEnum):
    OPTIMAL = "optimal"  # gap to the proven LP bound within the tolerance
    FEASIBLE = "feasible"  # meets every requirement; gap above the tolerance
    INFEASIBLE = "infeasible"  # the requirements cannot be met with the allowed options
    NOT_SOLVED = "not_solved"  # no feasible choice found in the time limit
    TARGETS_NOT_MET = "targets_not_met"  # a baseline's choice misses requirements


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """(objective − proven bound) / objective of a minimisation with a non-negative
    objective; 0 for a zero objective, None when either is unknown."""
    if objective is None or bound is None:
        return None
    if objective <= 1e-9:
        return 0.0
    return max(0.0, (objective - bound) / objective)


@dataclass
class SolveResult:
    method: str
    status: SolveStatus
    choice: np.ndarray | None  # option index per line
    objective: float | None  # yuan/day
    lower_bound: float | None  # proven (LP relaxation) or None
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)
    duals: np.ndarray | None = None  # (A, P) yuan per kg, ≥ 0
    achieved: np.ndarray | None = None  # (A, P)
    shortfall: np.ndarray | None = None  # (A, P) required − achievable, ≥ 0
    info: dict = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        return relative_gap(self.objective, self.lower_bound)

    @property
    def feasible(self) -> bool:
        return self.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)
