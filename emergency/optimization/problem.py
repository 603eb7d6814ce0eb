"""The frozen multiple-choice covering problem, as arrays.

Each production line l takes exactly one option j of its block
``line_start[l] : line_start[l + 1]`` (option 0 of a block is the mandated floor).
Option j loses ``cost[j]`` yuan/day and reduces ``reduction[j, p]`` kg/day of
requirement column p. The columns (``pollutants``) are the four pollutants, then
any combined target in force (``SO2+NOx``: its column is the sum of its pollutants'
kg, so a combined row is an ordinary covering row). A line counts toward every area
in ``line_areas[l]`` (−1 = padding), and every (area, column) row must reach
``required[a, p]`` (0 for a row a combined target replaces):

    min  Σ_j cost_j x_j
    s.t. Σ_{j ∈ block(l)} x_j = 1                          for every line l
         Σ_{l ∈ area a} Σ_{j ∈ block(l)} reduction_jp x_j ≥ required_ap
         x_j ∈ {0, 1}

The model code never touches a database or a policy file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from emergency.errors import OptimizationError
from emergency.vocabulary import POLLUTANTS

if TYPE_CHECKING:
    import scipy.sparse as sp


@dataclass(frozen=True, eq=False)
class MeasureProblem:
    line_ids: np.ndarray  # (L,) str
    line_start: np.ndarray  # (L + 1,) int64, blocks of options
    cost: np.ndarray  # (J,) float, yuan/day
    reduction: np.ndarray  # (J, P) float, kg/day
    output_cut: np.ndarray  # (J,) float in [0, 1]
    option_code: np.ndarray  # (J,) str, e.g. "floor", "cut_0.5", "stop"
    line_areas: np.ndarray  # (L, K) int, −1 = none
    area_names: tuple[str, ...]
    required: np.ndarray  # (A, P) float, kg/day
    group: np.ndarray = field(default=None)  # (L,) int enterprise index, for reporting
    pollutants: tuple[str, ...] = tuple(p.value for p in POLLUTANTS)  # requirement columns

    def __post_init__(self) -> None:
        L, J = len(self.line_ids), len(self.cost)
        ls = self.line_start
        if ls.shape != (L + 1,) or ls[0] != 0 or ls[-1] != J:
            raise OptimizationError("line_start must run from 0 to the number of options")
        if np.any(np.diff(ls) < 1):
            raise OptimizationError("every line needs at least one option")
        if self.reduction.shape != (J, len(self.pollutants)) or self.output_cut.shape != (J,):
            raise OptimizationError("option arrays disagree in length")
        if np.any(self.cost < 0) or np.any(self.reduction < 0):
            raise OptimizationError("costs and reductions must be non-negative")
        if self.required.shape != (len(self.area_names), len(self.pollutants)):
            raise OptimizationError("required must be (areas × pollutants)")
        if self.line_areas.shape[0] != L or (self.line_areas >= len(self.area_names)).any():
            raise OptimizationError("line_areas must index area_names")
        if self.group is None:
            object.__setattr__(self, "group", np.arange(L))

    # ------------------------------------------------------------------ shapes
    @property
    def n_lines(self) -> int:
        return len(self.line_ids)

    @property
    def n_options(self) -> int:
        return len(self.cost)

    @property
    def n_rows(self) -> int:
        return self.required.size

    def option_line(self) -> np.ndarray:
        """(J,) the line of each option."""
        return np.repeat(np.arange(self.n_lines), np.diff(self.line_start))

    def row_name(self, row: int) -> tuple[str, str]:
        a, p = divmod(row, len(self.pollutants))
        return self.area_names[a], self.pollutants[p]

    def coupling_matrix(self) -> sp.csr_matrix:
        """(A·P × J) sparse: reduction of option j toward row (a, p) (for the MIP export and
        the baselines; the engine itself does not need SciPy)."""
        import scipy.sparse as sp

        P = len(self.pollutants)
        opt_line = self.option_line()
        rows, cols, vals = [], [], []
        for k in range(self.line_areas.shape[1]):
            area = self.line_areas[opt_line, k]
            ok = area >= 0
            j = np.nonzero(ok)[0]
            for p in range(P):
                rows.append(area[ok] * P + p)
                cols.append(j)
                vals.append(self.reduction[ok, p])
        r, c, v = (np.concatenate(x) for x in (rows, cols, vals))
        keep = v != 0
        return sp.csr_matrix((v[keep], (r[keep], c[keep])), shape=(self.n_rows, self.n_options))

    def achieved(self, choice: np.ndarray) -> np.ndarray:
        """(A, P) reduction achieved by a choice (option index per line)."""
        P = len(self.pollutants)
        out = np.zeros(self.required.shape)
        red = self.reduction[choice]
        for k in range(self.line_areas.shape[1]):
            area = self.line_areas[:, k]
            ok = area >= 0
            np.add.at(out, area[ok], red[ok])
        return out.reshape(-1, P)

    def max_achievable(self) -> np.ndarray:
        """(A, P) the most each row can get if every line took its best option for it."""
        out = np.zeros(self.required.shape)
        best = np.maximum.reduceat(self.reduction, self.line_start[:-1], axis=0)
        for k in range(self.line_areas.shape[1]):
            area = self.line_areas[:, k]
            ok = area >= 0
            np.add.at(out, area[ok], best[ok])
        return out

    def floor_choice(self) -> np.ndarray:
        return self.line_start[:-1].copy()

    def cost_of(self, choice: np.ndarray) -> float:
        return float(self.cost[choice].sum())

    def check_choice(self, choice: np.ndarray, tol: float = 1e-6) -> None:
        """Raise if a choice picks outside a line's block."""
        if choice.shape != (self.n_lines,):
            raise OptimizationError("one option per line")
        if np.any(choice < self.line_start[:-1]) or np.any(choice >= self.line_start[1:]):
            raise OptimizationError("an option outside its line's block")
