"""The joint model: many cities' measure problems as one (区域联合减排).

Each city's :class:`~emergency.optimization.problem.MeasureProblem` is built as today —
its own list, its own policy (``builder.build_problem``) — and the joint model stacks them
block-diagonally: every line, option and requirement row of every city, and in ``joint``
mode one regional row per requirement column. :func:`build_joint` is the table of
contents; each ``define_*`` step is one rule.

Symbols

    ==========  ==============================================================
    c           a city of the region; a ∈ c its requirement areas (city, counties)
    k           a requirement column (SO2, NOx, PM, VOCs, a combined target)
    x_j         option j taken (binary; one option per line)
    cost_j      lost output of option j, yuan/day
    red_jk      kg/day option j removes of column k
    req_ak      the city's own requirement of row (a, k) (``builder.define_requirements``)
    φ_c         the floor share of city c's own rows (1 when c does not pool)
    R_k         the regional requirement of column k
    share_k     the region's regional reduction share (``Region.targets``), optional
    base_ck     city c's listed base of pollutant k (base × listed share of its city area)
    ==========  ==============================================================

Formulation

    min  Σ_c Σ_j cost_j x_j                                    total lost output (yuan/day)
    s.t. Σ_{j ∈ block(l)} x_j = 1                              every line l of every city
         Σ_{l ∈ a} red_lk  ≥  φ_c · req_ak                     target[<city>/<county>,k], target[<city>,k]
         Σ_c Σ_{l ∈ c} red_lk  ≥  R_k                          target[区域:<region>,k]   (joint mode)

    R_k = max( Σ_c req_{c,k},  share_k · Σ_c base_ck )        (req_{c,k}: the city row, else Σ of its counties)

Modes

- ``separate``: each city alone, φ_c = 1, no regional row — the sum of the cities' own plans.
  The blocks are independent, so each is solved by itself (see :mod:`emergency.joint.solve`).
- ``joint`` (project choice, the pooling file :mod:`emergency.joint.pooling`): a pooling
  city keeps at least φ of every one of its own rows (city and counties — a county row
  left whole would pin the city's reduction where it is), and the region must deliver at
  least the sum of what its cities would deliver alone (and the regional shares, if the
  region file sets them). The total reduction is never less than in ``separate``; only
  *where* it happens moves, toward the lines that lose least per kg. Every plan feasible
  alone is feasible jointly, so the joint optimum costs no more than the separate sum.
  Basis: regional joint prevention and control (区域联防联控, 国发〔2023〕24号) makes the
  province coordinate the cities' responses; no text sets φ — it is the engine's choice.

The combined problem is an ordinary ``MeasureProblem`` (lines count toward county, city
and region rows: ``line_areas`` has three columns), so the engine's solver (LP bound +
neighbourhood MIP) solves it unchanged, with a proven bound and gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from emergency.errors import OptimizationError
from emergency.optimization.builder import BuildReport
from emergency.optimization.problem import MeasureProblem
from emergency.vocabulary import POLLUTANTS

REGION_PREFIX = "区域:"
_POL_KEYS = ("so2", "nox", "pm", "vocs")


class Mode(StrEnum):
    JOINT = "joint"
    SEPARATE = "separate"
    COMPARE = "compare"  # both, with the comparison (the service runs the two)


@dataclass(frozen=True, eq=False)
class CityProblem:
    """One city's problem as built today, and what the joint model reads of its list."""

    city: str
    problem: MeasureProblem
    report: BuildReport
    policy_area: str  # the locality file that set the city's policy ('' = national)
    listed_base: np.ndarray  # (4,) kg/day: base × listed share of the city area, per pollutant
    version: str = ""

    @property
    def city_row(self) -> int | None:
        """The city's own row in its problem's areas (None: its policy sets county rows only)."""
        names = self.problem.area_names
        return names.index(self.city) if self.city in names else None

    def total_required(self) -> np.ndarray:
        """(K_c,) req_{c,k}: the city row, else the sum of its county rows."""
        r = self.city_row
        return self.problem.required[r].copy() if r is not None else self.problem.required.sum(axis=0)


@dataclass(frozen=True, eq=False)
class JointModel:
    """The combined problem and how to find each city in it."""

    mode: Mode
    region: str
    cities: tuple[CityProblem, ...]
    problem: MeasureProblem  # the block-diagonal problem (+ the regional rows in joint mode)
    line_offset: np.ndarray  # (C + 1,) the lines of city c: line_offset[c]:line_offset[c+1]
    option_offset: np.ndarray  # (C + 1,)
    area_offset: np.ndarray  # (C + 1,) the rows of city c among problem.area_names
    columns: tuple[np.ndarray, ...]  # per city: its columns' positions among problem.pollutants
    floor_share: np.ndarray  # (C,) φ_c
    region_row: int | None  # the regional area's index (joint mode)
    regional_required: np.ndarray | None  # (K,) R_k (joint mode)

    def city_choice(self, choice: np.ndarray, c: int) -> np.ndarray:
        """City c's part of a combined choice, as option indices of the city's own problem."""
        return choice[self.line_offset[c]:self.line_offset[c + 1]] - self.option_offset[c]


# ----------------------------------------------------------------------------- build


def build_joint(cities: list[CityProblem], mode: Mode, *, region: str = "区域", floor_share: float = 1.0,
                pooled: set[str] | None = None, targets: dict[str, float] | None = None) -> JointModel:
    """The combined model of ``cities`` (see the module docstring). ``pooled``: the cities
    whose rows are relaxed to ``floor_share`` in joint mode (None: all); ``targets``:
    pollutant value (SO2 …) -> regional share."""
    if not cities:
        raise OptimizationError("no city to plan")
    names = [c.city for c in cities]
    if len(set(names)) != len(names):
        raise OptimizationError(f"a city is listed twice: {', '.join(sorted({n for n in names if names.count(n) > 1}))}")
    mode = Mode(mode)
    if mode is Mode.COMPARE:
        raise OptimizationError("compare runs the joint and the separate models; build each")
    columns, col_of = define_columns(cities)
    phi = define_floor_shares(cities, mode, floor_share, pooled)
    area_names, required, area_offset = define_city_rows(cities, columns, col_of, phi)
    regional = define_regional_rows(cities, columns, col_of, targets) if mode is Mode.JOINT else None
    if regional is not None:
        area_names.append(f"{REGION_PREFIX}{region}")
        required = np.vstack([required, regional[None, :]])
    problem, line_offset, option_offset = combine(cities, columns, col_of, area_names, required, area_offset,
                                                  region_row=len(area_names) - 1 if regional is not None else None)
    return JointModel(mode, region, tuple(cities), problem, line_offset, option_offset, area_offset,
                      tuple(col_of), phi,
                      len(area_names) - 1 if regional is not None else None, regional)


def define_columns(cities: list[CityProblem]) -> tuple[tuple[str, ...], list[np.ndarray]]:
    """The union of the cities' requirement columns (the four pollutants, then each combined
    target in the order met) and, per city, the position of each of its columns in it."""
    columns = [p.value for p in POLLUTANTS]
    for c in cities:
        columns += [k for k in c.problem.pollutants if k not in columns]
    pos = {k: i for i, k in enumerate(columns)}
    return tuple(columns), [np.array([pos[k] for k in c.problem.pollutants], dtype=np.int64) for c in cities]


def define_floor_shares(cities: list[CityProblem], mode: Mode, floor_share: float, pooled: set[str] | None) -> np.ndarray:
    """(C,) φ_c: ``floor_share`` for a pooling city in joint mode, else 1."""
    if not 0.0 <= floor_share <= 1.0:
        raise OptimizationError(f"floor share {floor_share} must lie in [0, 1]")
    if mode is Mode.SEPARATE:
        return np.ones(len(cities))
    return np.array([floor_share if pooled is None or c.city in pooled else 1.0 for c in cities])


def define_city_rows(cities: list[CityProblem], columns, col_of, phi: np.ndarray):
    """Every city's and county's rows, named ``<city>`` and ``<city>/<county>`` (county names
    repeat across cities), each at φ_c × its own requirement:

        Σ_{l ∈ a} red_lk  ≥  φ_c · req_ak"""
    names: list[str] = []
    blocks = []
    offset = [0]
    for c, cp, cols in zip(range(len(cities)), cities, col_of):
        p = cp.problem
        names += [a if a == cp.city else f"{cp.city}/{a}" for a in p.area_names]
        req = np.zeros((p.required.shape[0], len(columns)))
        req[:, cols] = p.required * phi[c]
        blocks.append(req)
        offset.append(len(names))
    return names, np.vstack(blocks), np.array(offset, dtype=np.int64)


def define_regional_rows(cities: list[CityProblem], columns, col_of, targets: dict[str, float] | None) -> np.ndarray:
    """(K,) R_k = max(Σ_c req_{c,k}, share_k · Σ_c base_ck): the region delivers at least
    what its cities would alone, and at least its regional shares where the region sets them."""
    total = np.zeros(len(columns))
    for cp, cols in zip(cities, col_of):
        total[cols] += cp.total_required()
    if targets:
        base = np.sum([cp.listed_base for cp in cities], axis=0)
        for p, share in targets.items():
            k = columns.index(p)
            total[k] = max(total[k], share * base[k])
    return total


def combine(cities: list[CityProblem], columns, col_of, area_names, required, area_offset, region_row):
    """The block-diagonal problem: lines and options concatenated, each city's area rows
    shifted to its block, every line also counting toward the regional row (if any)."""
    K = len(columns)
    L = np.array([0] + [cp.problem.n_lines for cp in cities]).cumsum()
    J = np.array([0] + [cp.problem.n_options for cp in cities]).cumsum()
    G = np.array([0] + [int(cp.problem.group.max()) + 1 if cp.problem.n_lines else 0 for cp in cities]).cumsum()
    reduction = np.zeros((J[-1], K))
    line_areas = np.full((L[-1], 3 if region_row is not None else 2), -1, dtype=np.int64)
    line_start = np.empty(L[-1] + 1, dtype=np.int64)
    line_start[-1] = J[-1]
    for c, cp in enumerate(cities):
        p = cp.problem
        reduction[J[c]:J[c + 1], col_of[c]] = p.reduction
        la = p.line_areas[:, :2] if p.line_areas.shape[1] >= 2 else np.pad(p.line_areas, ((0, 0), (0, 1)), constant_values=-1)
        line_areas[L[c]:L[c + 1], :2] = np.where(la >= 0, la + area_offset[c], -1)
        line_start[L[c]:L[c + 1]] = p.line_start[:-1] + J[c]
    if region_row is not None:
        line_areas[:, 2] = region_row
    cat = lambda attr: np.concatenate([getattr(cp.problem, attr) for cp in cities])  # noqa: E731
    problem = MeasureProblem(
        line_ids=cat("line_ids"),
        line_start=line_start,
        cost=cat("cost"),
        reduction=reduction,
        output_cut=cat("output_cut"),
        option_code=cat("option_code"),
        line_areas=line_areas,
        area_names=tuple(area_names),
        required=required,
        group=np.concatenate([cp.problem.group + G[c] for c, cp in enumerate(cities)]),
        pollutants=tuple(columns),
    )
    return problem, L, J


def listed_base(tables) -> np.ndarray:
    """(4,) base × listed share of the list's city area, per pollutant (kg/day)."""
    row = next(i for i, p in enumerate(tables.areas["parent"]) if not p)
    return np.array([float(tables.areas[f"base_{k}"][row]) * float(tables.areas[f"listed_share_{k}"][row]) for k in _POL_KEYS])
