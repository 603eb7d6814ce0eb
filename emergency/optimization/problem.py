"""The frozen multiple-choice covering problem, as arrays.

Each production line l takes exactly one option j of its block
``line_start[l] : line_start[l + 1]`` (option 0 of a block is the mandated floor).
Option j loses ``cost[j]`` yuan/day and reduces ``reduction[j, p]`` kg/day of
requirement column p. The columns (``pollutants``) are the four pollutants, then
any combined target in force (``SO2+NOx``: its column is the sum of its pollutants'
kg, so a combined row is an ordinary covering row). A line counts toward every area
in ``line_areas[l]`` (−1 = padding; sum over areas with :meth:`MeasureProblem.area_sum`,
never by hand), and every (area, column) row ``target[<area>,<column>]`` must reach
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


class AreaIncidence:
    """Which requirement areas each line counts toward, and sums over them.

    ``line_areas`` (L, K) holds each line's area rows (county, city), −1 = padding. The
    memberships (line, area) are kept padding-free in area-column-major order (every
    line's first area, then every line's second …), the order the sums add in. Code
    outside this class never loops over ``line_areas`` by hand."""

    def __init__(self, line_areas: np.ndarray, n_areas: int) -> None:
        self.line_areas = np.asarray(line_areas, dtype=np.int64)
        self.n_areas = n_areas
        self.n_lines = len(self.line_areas)
        self._line, self._area = self._pairs(self.line_areas)

    @staticmethod
    def _pairs(line_areas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        area = line_areas.T.reshape(-1)
        pos = np.tile(np.arange(len(line_areas)), line_areas.shape[1])
        ok = area >= 0
        return pos[ok], area[ok]

    def memberships(self, lines: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(position, area) of every membership of ``lines`` (default: all lines) in an area;
        ``position`` indexes ``lines``. A line counts toward each of its areas (county, city)."""
        if lines is None:
            return self._line, self._area
        return self._pairs(self.line_areas[lines])

    def area_sum(self, values: np.ndarray, lines: np.ndarray | None = None) -> np.ndarray:
        """(A, …) Σ_{l ∈ a} values[l]: per-line values summed into every area the line counts
        toward; ``values`` is aligned with ``lines`` (default: all lines)."""
        values = np.asarray(values, dtype=float)
        pos, area = self.memberships(lines)
        flat = values.reshape(len(values), int(np.prod(values.shape[1:], dtype=np.int64)))
        out = np.zeros((self.n_areas, flat.shape[1]))
        for c in range(flat.shape[1]):
            out[:, c] = np.bincount(area, weights=flat[pos, c], minlength=self.n_areas)
        return out.reshape((self.n_areas,) + values.shape[1:])

    def line_sum(self, per_area: np.ndarray) -> np.ndarray:
        """(L, …) Σ_{a ∋ l} per_area[a]: what a line sees of per-area values (e.g. the
        marginal prices of all the requirement rows it counts toward)."""
        per_area = np.asarray(per_area, dtype=float)
        out = np.zeros((self.n_lines,) + per_area.shape[1:])
        for k in range(self.line_areas.shape[1]):  # in area-column order, as area_sum adds
            area = self.line_areas[:, k]
            ok = area >= 0
            out[ok] += per_area[area[ok]]
        return out

    def in_area(self, a: int, lines: np.ndarray | None = None) -> np.ndarray:
        """(n,) bool: which of ``lines`` (default: all) count toward area ``a``."""
        rows = self.line_areas if lines is None else self.line_areas[lines]
        return (rows == a).any(axis=1)

    def areas_of(self, line: int) -> np.ndarray:
        """The areas one line counts toward."""
        row = self.line_areas[line]
        return row[row >= 0]


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
        object.__setattr__(self, "incidence", AreaIncidence(self.line_areas, len(self.area_names)))

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

    def constraint_name(self, row: int) -> str:
        """The requirement row's stable name, citing the area by name: ``target[太原市,SO2]``."""
        area, column = self.row_name(row)
        return f"target[{area},{column}]"

    # ------------------------------------------------------------------ areas
    def memberships(self, lines: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """See :meth:`AreaIncidence.memberships`."""
        return self.incidence.memberships(lines)

    def area_sum(self, values: np.ndarray, lines: np.ndarray | None = None) -> np.ndarray:
        """(A, …) Σ_{l ∈ a} values[l] (see :meth:`AreaIncidence.area_sum`)."""
        return self.incidence.area_sum(values, lines)

    def line_sum(self, per_area: np.ndarray) -> np.ndarray:
        """(L, …) Σ_{a ∋ l} per_area[a] (see :meth:`AreaIncidence.line_sum`)."""
        return self.incidence.line_sum(per_area)

    def in_area(self, a: int, lines: np.ndarray | None = None) -> np.ndarray:
        """(n,) bool: which of ``lines`` (default: all) count toward area ``a``."""
        return self.incidence.in_area(a, lines)

    def coupling_matrix(self) -> sp.csr_matrix:
        """(A·P × J) sparse: reduction of option j toward row (a, p) (for the MIP export and
        the baselines; the engine itself does not need SciPy)."""
        import scipy.sparse as sp

        P = len(self.pollutants)
        opt_line = self.option_line()
        j, area = self.memberships(opt_line)
        r = (area[:, None] * P + np.arange(P)).reshape(-1)
        c = np.repeat(j, P)
        v = self.reduction[j].reshape(-1)
        keep = v != 0
        return sp.csr_matrix((v[keep], (r[keep], c[keep])), shape=(self.n_rows, self.n_options))

    def achieved(self, choice: np.ndarray) -> np.ndarray:
        """(A, P) reduction achieved by a choice (option index per line)."""
        return self.area_sum(self.reduction[choice])

    def max_achievable(self) -> np.ndarray:
        """(A, P) the most each row can get if every line took its best option for it."""
        return self.area_sum(np.maximum.reduceat(self.reduction, self.line_start[:-1], axis=0))

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
