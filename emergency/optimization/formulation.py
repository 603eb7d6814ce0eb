"""The exact multiple-choice MIP built from arrays (OR-Tools model_builder), and MPS export.

Variables ``x#<line_id>#<k>`` (binary: line takes its k-th option), rows
``choose#<line_id>`` (Σ_k x = 1), ``target[<area>,<pollutant>]`` — the area by name,
e.g. ``target[太原市,SO2]`` (Σ reduction · x ≥ required) — and, for a combined target in
force, ``target[<area>,SO2+NOx]`` (Σ_{p ∈ group} Σ reduction_p · x ≥ ratio × Σ_{p ∈ group}
listed base_p; see ``builder.define_requirements``). A row a combined target replaces
stays, with right-hand side 0. The objective is the lost output value (yuan/day).
The MPS file is UTF-8 (area names are Chinese); a blank in a name becomes ``_``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp
from ortools.linear_solver.python import model_builder_helper as mbh

from emergency.optimization.problem import MeasureProblem


def build_mip(problem: MeasureProblem, *, integer: bool = True, names: bool = False) -> mbh.ModelBuilderHelper:
    J, L, m = problem.n_options, problem.n_lines, problem.n_rows
    choose = sp.csr_matrix((np.ones(J), (problem.option_line(), np.arange(J))), shape=(L, J))
    A = sp.vstack([choose, problem.coupling_matrix()]).tocsr()
    model = mbh.ModelBuilderHelper()
    model.fill_model_from_sparse_data(
        np.zeros(J),
        np.ones(J),
        problem.cost.astype(float),
        np.concatenate([np.ones(L), problem.required.ravel()]),
        np.concatenate([np.ones(L), np.full(m, np.inf)]),
        A,
    )
    if integer:
        for j in range(J):
            model.set_var_integrality(j, True)
    if names:
        k = np.arange(J) - problem.line_start[problem.option_line()]
        for j, (lid, kk) in enumerate(zip(problem.line_ids[problem.option_line()], k)):
            model.set_var_name(j, f"x#{lid}#{kk}")
        for l, lid in enumerate(problem.line_ids):
            model.set_constraint_name(l, f"choose#{lid}")
        for r in range(m):
            model.set_constraint_name(L + r, "_".join(problem.constraint_name(r).split()))
    model.set_name("emergency_measure_selection")
    return model


def write_mps(problem: MeasureProblem, path: Path) -> Path:
    """Write the exact model (integer, named) in MPS for any other solver."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = build_mip(problem, integer=True, names=True)
    path.write_text(model.export_to_mps_string(), encoding="utf-8")
    return path
