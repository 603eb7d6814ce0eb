"""OR-Tools linear models written from arrays, straight into protobuf wire format.

model_builder's bulk loader (``fill_model_from_sparse_data``) takes a SciPy CSR matrix,
and importing SciPy is a sixth of a cold two-thousand-firm ``emergency plan``. The
messages of ``ortools/linear_solver/linear_solver.proto`` are simple enough to write
with numpy instead: a variable is a fixed run of tagged doubles, a constraint a header
and two packed arrays, so a model of 10^6 columns is a few array operations, not a
Python loop. ``solve`` hands the bytes to ``ModelSolverHelper.solve_serialized_request``
and reads the answer with ``linear_solver_pb2``. Field numbers are the proto's; the
tests parse what is written here with ``linear_solver_pb2``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# wire types
_VARINT, _I64, _LEN = 0, 1, 2


def _tag(number: int, wire: int) -> int:
    return (number << 3) | wire  # every tag used here fits one byte


def varints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Canonical (shortest) varint bytes of non-negative integers: (all bytes, bytes per value)."""
    v = np.asarray(values, dtype=np.uint64)
    width = 1
    while width < 10 and v.size and int(v.max()) >= 1 << (7 * width):
        width += 1
    shifts = (7 * np.arange(width)).astype(np.uint64)
    groups = ((v[:, None] >> shifts) & np.uint64(0x7F)).astype(np.uint8)
    n = np.ones(len(v), dtype=np.int64)
    for k in range(1, width):
        n += v >= np.uint64(1 << (7 * k))
    pos = np.arange(width)
    groups[pos < (n[:, None] - 1)] |= 0x80  # continuation bit on all but the last byte
    return groups[pos < n[:, None]], n


def interleave(pieces: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Records made of pieces: record i = piece 0 of i, piece 1 of i, …

    Each piece is (its bytes for all records, concatenated; bytes per record). Returns
    (all records' bytes, bytes per record). Fixed-size records are laid out as a 2-D
    array; a few long records (a model's target rows) are copied slice by slice; many
    variable records are scattered with one index array."""
    lengths = np.stack([np.asarray(n, dtype=np.int64) for _, n in pieces], axis=1)  # (R, k)
    R = len(lengths)
    per_record = lengths.sum(axis=1)
    out = np.empty(int(per_record.sum()), dtype=np.uint8)
    if R and (lengths == lengths[0]).all():
        grid = out.reshape(R, int(per_record[0]))
        at = 0
        for (data, _), w in zip(pieces, lengths[0].tolist()):
            grid[:, at:at + w] = data.reshape(R, w)
            at += w
        return out, per_record
    starts = (np.cumsum(lengths.ravel()) - lengths.ravel()).reshape(lengths.shape)
    for t, (data, _) in enumerate(pieces):
        n = lengths[:, t]
        src_start = np.cumsum(n) - n
        if R <= 256:
            for i in np.nonzero(n)[0].tolist():
                out[starts[i, t]:starts[i, t] + n[i]] = data[src_start[i]:src_start[i] + n[i]]
        elif n.any():
            out[np.repeat(starts[:, t] - src_start, n) + np.arange(int(n.sum()))] = data
    return out, per_record


def _const(byte: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full(count, byte, dtype=np.uint8), np.ones(count, dtype=np.int64)


def _doubles(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.ascontiguousarray(x, dtype="<f8")
    return x.view(np.uint8), np.full(len(x), 8, dtype=np.int64)


def _fields(number: int, records: tuple[np.ndarray, np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pieces of a length-delimited field ``number`` holding each record."""
    data, n = records
    return [_const(_tag(number, _LEN), len(n)), varints(n), (data, n)]


def _strings(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [t.encode() for t in texts]
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), np.fromiter(map(len, encoded), np.int64, len(encoded))


@dataclass
class LinearModel:
    """min obj·x, var_lb ≤ x ≤ var_ub, row_lb ≤ A x ≤ row_ub, A in CSR arrays."""

    var_lb: np.ndarray
    var_ub: np.ndarray
    obj: np.ndarray
    row_lb: np.ndarray
    row_ub: np.ndarray
    indptr: np.ndarray  # (rows + 1,)
    indices: np.ndarray  # column of each nonzero, row by row
    data: np.ndarray  # value of each nonzero
    integer: np.ndarray | None = None  # (cols,) bool
    var_names: list[str] | None = None
    row_names: list[str] | None = None
    name: str = ""

    @classmethod
    def from_coo(cls, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n_rows: int, **kw) -> LinearModel:
        """From (row, column, value) triplets: a row's entries in column order, repeated
        (row, column) pairs summed (as SciPy does), zeros dropped."""
        order = np.lexsort((cols, rows))
        rows, cols, vals = rows[order], cols[order], np.asarray(vals, dtype=float)[order]
        if len(rows):
            first = np.concatenate([[True], (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])])
            at = np.nonzero(first)[0]
            rows, cols, vals = rows[at], cols[at], np.add.reduceat(vals, at)
        keep = vals != 0
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_rows))])
        return cls(indptr=indptr, indices=cols, data=vals, **kw)

    @property
    def n_cols(self) -> int:
        return len(self.var_lb)

    @property
    def n_rows(self) -> int:
        return len(self.row_lb)

    def model_bytes(self) -> bytes:
        """The MPModelProto, serialised."""
        V, R = self.n_cols, self.n_rows
        var = [_const(_tag(1, _I64), V), _doubles(self.var_lb), _const(_tag(2, _I64), V), _doubles(self.var_ub),
               _const(_tag(3, _I64), V), _doubles(self.obj)]
        if self.integer is not None:
            flag = np.asarray(self.integer, dtype=bool)  # is_integer: tag, then 1 (true); nothing when false
            var.append((np.tile(np.array([_tag(4, _VARINT), 1], np.uint8), int(flag.sum())), 2 * flag.astype(np.int64)))
        if self.var_names is not None:
            var += _fields(5, _strings(self.var_names))
        variables = interleave(_fields(3, interleave(var)))

        nnz = np.diff(self.indptr).astype(np.int64)
        idx_bytes, idx_n = varints(np.asarray(self.indices, dtype=np.int64))
        c = np.concatenate([[0], np.cumsum(idx_n)])
        idx_len = c[self.indptr[1:]] - c[self.indptr[:-1]]
        nonempty = nnz > 0  # an empty row has no var_index / coefficient fields at all
        has = nonempty.astype(np.int64)
        row = [_const(_tag(2, _I64), R), _doubles(self.row_lb), _const(_tag(3, _I64), R), _doubles(self.row_ub)]
        if self.row_names is not None:
            row += _fields(4, _strings(self.row_names))
        idx_len_bytes, idx_len_n = varints(idx_len[nonempty])
        coef_len_bytes, coef_len_n = varints(8 * nnz[nonempty])
        row += [
            (np.full(int(has.sum()), _tag(6, _LEN), np.uint8), has),
            (idx_len_bytes, _scatter(idx_len_n, nonempty)), (idx_bytes, idx_len),
            (np.full(int(has.sum()), _tag(7, _LEN), np.uint8), has),
            (coef_len_bytes, _scatter(coef_len_n, nonempty)), (_doubles(self.data)[0], 8 * nnz),
        ]
        constraints = interleave(_fields(4, interleave(row)))
        head = _field(5, _LEN, self.name.encode()) if self.name else b""
        return head + variables[0].tobytes() + constraints[0].tobytes()

    def request_bytes(self, solver_type: int, time_limit: float | None = None) -> bytes:
        """An MPModelRequest for this model (``solver_type`` as in MPModelRequest.SolverType)."""
        request = _field(1, _LEN, self.model_bytes()) + _field(2, _VARINT, _varint(solver_type))
        if time_limit is not None:
            request += _field(3, _I64, np.float64(time_limit).astype("<f8").tobytes())
        return request


def _varint(value: int) -> bytes:
    return varints(np.array([value]))[0].tobytes()


def _field(number: int, wire: int, payload: bytes) -> bytes:
    """One field of a message: tag, length if length-delimited, payload."""
    length = _varint(len(payload)) if wire == _LEN else b""
    return bytes([_tag(number, wire)]) + length + payload


def _scatter(values: np.ndarray, where: np.ndarray) -> np.ndarray:
    out = np.zeros(len(where), dtype=np.int64)
    out[where] = values
    return out


@dataclass
class LinearSolution:
    status: str  # optimal | infeasible | unbounded | feasible | not_solved | …
    objective: float
    bound: float
    values: np.ndarray  # (cols,)
    duals: np.ndarray  # (rows,)


_STATUS = {0: "optimal", 1: "feasible", 2: "infeasible", 3: "unbounded", 4: "abnormal", 5: "model_invalid", 6: "not_solved"}
GLOP = 2  # MPModelRequest.GLOP_LINEAR_PROGRAMMING


def solve(model: LinearModel, solver_type: int = GLOP, time_limit: float | None = None) -> LinearSolution:
    """Solve with OR-Tools (GLOP by default) through the serialised-request interface."""
    from ortools.linear_solver import linear_solver_pb2
    from ortools.linear_solver.python import model_builder_helper as mbh

    raw = mbh.ModelSolverHelper("glop").solve_serialized_request(model.request_bytes(solver_type, time_limit))
    resp = linear_solver_pb2.MPSolutionResponse.FromString(raw)
    status = _STATUS.get(resp.status, f"status_{resp.status}")
    values = np.array(resp.variable_value, dtype=float) if len(resp.variable_value) else np.full(model.n_cols, np.nan)
    duals = np.array(resp.dual_value, dtype=float) if len(resp.dual_value) else np.zeros(model.n_rows)
    return LinearSolution(status, resp.objective_value, resp.best_objective_bound, values, duals)
