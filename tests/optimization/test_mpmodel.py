"""The wire-format writer of linear models, read back by protobuf itself and solved.

What mpmodel writes must parse with ``linear_solver_pb2`` into exactly the model meant
(every bound, coefficient, flag and name, in order), and solving it through the
serialised request must agree with model_builder's own loader.
"""

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.linear_solver import linear_solver_pb2 as pb
from ortools.linear_solver.python import model_builder_helper as mbh

from emergency.optimization import mpmodel

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)
bound = st.one_of(finite, st.just(math.inf), st.just(-math.inf))


def test_varints_are_the_protobuf_encoding():
    values = [0, 1, 127, 128, 300, 16383, 16384, 2**21, 2**31 - 1, 2**35, 2**63]
    data, n = mpmodel.varints(np.array(values, dtype=np.uint64))
    assert n.tolist() == [1, 1, 1, 2, 2, 2, 3, 4, 5, 6, 10]
    # 300 = 0b10_0101100 → AC 02 (the protobuf documentation's example)
    assert data[3:5].tobytes() == b"\x80\x01" and data[5:7].tobytes() == b"\xac\x02"
    # round trip through protobuf's own decoder: the packed int32 field var_index
    small = [v for v in values if v < 2**31]
    data, _ = mpmodel.varints(np.array(small))
    msg = pb.MPConstraintProto.FromString(b"\x32" + bytes([len(data)]) + data.tobytes())
    assert list(msg.var_index) == small


@st.composite
def models(draw):
    V = draw(st.integers(1, 40))
    R = draw(st.integers(0, 12))
    lb = draw(st.lists(finite, min_size=V, max_size=V))
    ub = [x + draw(st.floats(0, 1e6)) for x in lb]
    obj = draw(st.lists(finite, min_size=V, max_size=V))
    rows, cols, vals = [], [], []
    for r in range(R):
        for c in draw(st.lists(st.integers(0, V - 1), unique=True, max_size=V)):
            rows.append(r)
            cols.append(c)
            vals.append(draw(finite.filter(lambda x: x != 0)))
    row_lb = draw(st.lists(bound, min_size=R, max_size=R))
    row_ub = draw(st.lists(bound, min_size=R, max_size=R))
    integer = draw(st.one_of(st.none(), st.lists(st.booleans(), min_size=V, max_size=V)))
    names = draw(st.booleans())
    return mpmodel.LinearModel.from_coo(
        np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), np.array(vals, dtype=float), R,
        var_lb=np.array(lb), var_ub=np.array(ub), obj=np.array(obj), row_lb=np.array(row_lb), row_ub=np.array(row_ub),
        integer=None if integer is None else np.array(integer),
        var_names=[f"x#9111{c}/线{c}#{c % 3}" for c in range(V)] if names else None,
        row_names=[f"target#{r}#NOx" for r in range(R)] if names else None,
        name=draw(st.sampled_from(["", "emergency_measure_selection"])),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_written_model_parses_into_the_model_meant(m):
    proto = pb.MPModelProto.FromString(m.model_bytes())
    assert len(proto.variable) == m.n_cols and len(proto.constraint) == m.n_rows
    assert proto.name == m.name
    for j, v in enumerate(proto.variable):
        assert (v.lower_bound, v.upper_bound, v.objective_coefficient) == (m.var_lb[j], m.var_ub[j], m.obj[j])
        assert v.is_integer == (m.integer is not None and bool(m.integer[j]))
        assert v.name == (m.var_names[j] if m.var_names else "")
    for r, c in enumerate(proto.constraint):
        a, b = m.indptr[r], m.indptr[r + 1]
        assert list(c.var_index) == m.indices[a:b].tolist()
        assert list(c.coefficient) == m.data[a:b].tolist()
        assert (c.lower_bound, c.upper_bound) == (m.row_lb[r], m.row_ub[r])
        assert c.name == (m.row_names[r] if m.row_names else "")
    req = pb.MPModelRequest.FromString(m.request_bytes(mpmodel.GLOP, 7.5))
    assert req.model == proto and req.solver_type == pb.MPModelRequest.GLOP_LINEAR_PROGRAMMING
    assert req.solver_time_limit_seconds == 7.5


def test_many_long_and_empty_rows_and_large_indices():
    """Every layout path of the writer: fixed-size records, a few long rows, many short
    rows with empty ones between, column indices needing 3-byte varints."""
    rng = np.random.default_rng(3)
    V, R = 300_000, 700
    rows = np.concatenate([rng.integers(0, 3, 50_000), rng.integers(3, R, 2_000)])
    rows[rows == 10] = 11  # row 10 stays empty
    cols = rng.integers(0, V, len(rows))
    m = mpmodel.LinearModel.from_coo(
        rows, cols, rng.normal(size=len(rows)), R, var_lb=np.zeros(V), var_ub=np.ones(V), obj=rng.random(V),
        row_lb=rng.random(R), row_ub=np.full(R, np.inf))
    proto = pb.MPModelProto.FromString(m.model_bytes())
    dense = sp.csr_matrix((m.data, m.indices, m.indptr), shape=(R, V))
    for r in (0, 1, 2, 3, 10, 11, R - 1):
        c = proto.constraint[r]
        expect = dense.getrow(r).tocoo()
        got = sorted(zip(c.var_index, c.coefficient))
        assert got == sorted(zip(expect.col.tolist(), expect.data.tolist()))
    assert len(proto.constraint[10].var_index) == 0
    assert [v.objective_coefficient for v in proto.variable[-3:]] == m.obj[-3:].tolist()


def _builder_solve(m, rows, cols, vals):
    model = mbh.ModelBuilderHelper()
    A = sp.csr_matrix((vals, (rows, cols)), shape=(m.n_rows, m.n_cols))  # SciPy sums repeated pairs
    model.fill_model_from_sparse_data(m.var_lb, m.var_ub, m.obj, m.row_lb, m.row_ub, A)
    s = mbh.ModelSolverHelper("glop")
    s.solve(model)
    return s


@pytest.mark.parametrize("seed", range(8))
def test_solving_the_request_agrees_with_model_builder(seed):
    """A covering LP like the engine's (with repeated pairs, summed): same status,
    objective, primal and duals."""
    rng = np.random.default_rng(seed)
    V, R = 200, 6
    rows, cols, vals = rng.integers(0, R, 900), rng.integers(0, V, 900), rng.random(900) * 10
    m = mpmodel.LinearModel.from_coo(
        rows, cols, vals, R, var_lb=np.zeros(V), var_ub=rng.random(V) + 0.1, obj=rng.random(V) * 100,
        row_lb=rng.random(R) * (30 if seed < 6 else 3000), row_ub=np.full(R, np.inf))
    mine = mpmodel.solve(m, time_limit=30)
    ref = _builder_solve(m, rows, cols, vals)
    if ref.status() == mbh.SolveStatus.OPTIMAL:
        assert mine.status == "optimal"
        assert mine.objective == pytest.approx(ref.objective_value(), rel=1e-9)
        np.testing.assert_allclose(mine.duals, ref.dual_values(), rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(mine.values, ref.variable_values(), rtol=1e-7, atol=1e-9)
    else:
        assert ref.status() == mbh.SolveStatus.INFEASIBLE and mine.status == "infeasible"


def test_an_infeasible_model_says_so():
    m = mpmodel.LinearModel.from_coo(np.array([0]), np.array([0]), np.array([1.0]), 1, var_lb=np.zeros(1),
                                     var_ub=np.ones(1), obj=np.ones(1), row_lb=np.array([2.0]), row_ub=np.array([np.inf]))
    assert mpmodel.solve(m).status == "infeasible"
