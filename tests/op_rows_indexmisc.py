"""Op-table rows of `functrans.numpy._indexmisc` and `polydiv` (issue 12); `op_table.ROWS`
includes them."""
from __future__ import annotations

import numpy as np
from op_table import F32, F64, I32, I64, NUMERIC, OpRow, V, fnp

# --------------------------------------------------------------------------- convolutions

# Long operand first, short first, equal lengths, length 1 (convolve: a scalar operand too).
_CONV_SHAPES = (V((5,), (3,)), V((3,), (5,)), V((4,), (4,)), V((1,), (3,)), V((6,), (1,)))


def _conv_rows(name: str, modes: tuple[str, ...]) -> list[OpRow]:
    shapes = _CONV_SHAPES + ((V((), (2,)),) if name == "convolve" else ())
    # A matrix-vector product of the windows: sums in another order than NumPy's loop.
    return [OpRow(f"{name}_{mode}", lambda a, v, mode=mode: getattr(fnp, name)(a, v, mode),
                  lambda a, v, mode=mode: getattr(np, name)(a, v, mode), shapes,
                  dtypes=NUMERIC + ((I64, F32), (F32, F64), I32), tol=1e-14)
            for mode in modes]


CONVOLUTIONS = _conv_rows("convolve", ("full", "same", "valid")) + _conv_rows(
    "correlate", ("full", "same", "valid")) + [
    OpRow("convolve_default", fnp.convolve, np.convolve, (V((4,), (2,)), V((2,), (3,))),
          tol=1e-14),
    OpRow("correlate_default", fnp.correlate, np.correlate, (V((4,), (2,)), V((2,), (3,))),
          tol=1e-14),
]


# --------------------------------------------------------------------------- polydiv


def _np_polydiv(u, v):
    """NumPy's quotient, and its remainder at JAX's length len(u): the eliminated leading
    coefficients exactly 0 (NumPy keeps their rounding residues when it does not trim them)."""
    q, r = np.polydiv(u, v)
    m, n = np.size(u), np.size(v)
    r = np.concatenate([np.zeros(m - r.shape[0], r.dtype), r])
    r[:max(m - n + 1, 0)] = 0
    return q, r


_U, _V = np.array([2.0, -1.0, 3.0, 0.5]), np.array([0.5, 1.0])
_U_EXACT = np.polymul([1.0, 2.0, -1.0], [2.0, 3.0])    # divisible: remainder trims to [0.]


POLYDIV = [
    # |v[0]| >= 0.5 (kind n): the leading coefficient is well away from 0.
    OpRow("polydiv", fnp.polydiv, _np_polydiv,
          (V((4,), (2,)), V((3,), (3,)), V((2,), (3,)), V((5,), (1,)), V((), (1,)),
           V((5,), (3,))),
          kinds="fn", domain=(0.5, 2.0), dtypes=(F64, F32, (I64, F64), (F32, F64))),
    OpRow("polydiv_int", fnp.polydiv, _np_polydiv, (V((4,), (2,)), V((3,), (2,))), kinds="fn",
          domain=(1, 4), dtypes=(I64, I32), grad_order=0),
    # Trimming needs concrete coefficients: nullary rows.
    OpRow("polydiv_trimmed", lambda: fnp.polydiv(_U, _V, trim_leading_zeros=True),
          lambda: np.polydiv(_U, _V), (V(),), grad_order=0),
    OpRow("polydiv_trimmed_exact", lambda: fnp.polydiv(_U_EXACT, [2.0, 3.0],
                                                       trim_leading_zeros=True),
          lambda: np.polydiv(_U_EXACT, [2.0, 3.0]), (V(),), grad_order=0),
]


# --------------------------------------------------------------------------- apply


# Written with methods, so that one function serves NumPy's slices and traced ones.
def _norm1d(r):
    return (r ** 2).sum()


def _stats1d(r, scale):
    return [r.max() * scale, r.min(), r.mean()]


def _outer1d(r):
    return r[:, None] * r[None, :]


APPLY = [
    OpRow("apply_along_axis_scalar", lambda x: fnp.apply_along_axis(_norm1d, 1, x),
          lambda x: np.apply_along_axis(_norm1d, 1, x), (V((2, 3)), V((2, 3, 4)), V((3, 1))),
          dtypes=NUMERIC, tol=1e-14),
    OpRow("apply_along_axis_vector", lambda x: fnp.apply_along_axis(_stats1d, 0, x, 2.0),
          lambda x: np.apply_along_axis(_stats1d, 0, x, 2.0), (V((4,)), V((3, 2)), V((3, 2, 4))),
          kinds="d", dtypes=(F64, F32), tol=1e-14),
    OpRow("apply_along_axis_matrix", lambda x: fnp.apply_along_axis(_outer1d, -1, x),
          lambda x: np.apply_along_axis(_outer1d, -1, x), (V((3,)), V((2, 3)), V((2, 4, 3))),
          dtypes=(F64, I64)),
    OpRow("apply_along_axis_const", lambda x: fnp.apply_along_axis(lambda r: 2.5, -1, x),
          lambda x: np.apply_along_axis(lambda r: 2.5, -1, x), (V((2, 3)), V((3,))),
          grad_order=0),
    OpRow("apply_over_axes_sum", lambda x: fnp.apply_over_axes(fnp.sum, x, [0, -1]),
          lambda x: np.apply_over_axes(np.sum, x, [0, -1]), (V((2, 3)), V((2, 3, 4)), V((0, 3))),
          dtypes=NUMERIC, tol=1e-14),
    OpRow("apply_over_axes_mean", lambda x: fnp.apply_over_axes(fnp.mean, x, 1),
          lambda x: np.apply_over_axes(np.mean, x, 1), (V((2, 3)), V((2, 3, 4))), tol=1e-14),
    OpRow("apply_over_axes_keep", lambda x: fnp.apply_over_axes(fnp.cumsum, x, (1, 0)),
          lambda x: np.apply_over_axes(np.cumsum, x, (1, 0)), (V((2, 3)),), tol=1e-14),
]


# --------------------------------------------------------------------------- einsum_path


def _contract(einsum, spec: str, operands, path) -> object:
    """`einsum(spec, *operands)` one pair at a time in the order of an einsum_path `path`."""
    inputs, output = spec.split("->")
    subs, ops = inputs.split(","), list(operands)
    for pair in path[1:]:
        taken = [(subs.pop(i), ops.pop(i)) for i in sorted(pair, reverse=True)]
        later = set("".join(subs) + output)
        kept = "".join(sorted(set("".join(s for s, _ in taken)) & later))
        ops.append(einsum(f"{','.join(s for s, _ in taken)}->{kept}", *[o for _, o in taken]))
        subs.append(kept)
    return einsum(f"{subs[0]}->{output}", ops[0])


def _einsum_path_row(spec: str, *shapes, optimize="greedy") -> OpRow:
    def fun(*ops):
        return _contract(fnp.einsum, spec, ops, fnp.einsum_path(spec, *ops, optimize=optimize)[0])

    def ref(*ops):
        return _contract(np.einsum, spec, ops, np.einsum_path(spec, *ops, optimize=optimize)[0])

    tag = spec.replace("->", "_to_").replace(",", "_")
    # Pairwise contractions: dot_general sums in another order than NumPy's kernels.
    return OpRow(f"einsum_path_{tag}_{optimize}", fun, ref, (V(*shapes),), tol=1e-14)


EINSUM_PATH = [
    _einsum_path_row("ij,jk,kl->il", (2, 3), (3, 4), (4, 2)),
    _einsum_path_row("ij,jk,kl->il", (4, 3), (3, 2), (2, 4), optimize="optimal"),
    _einsum_path_row("ab,bc,ca->", (2, 3), (3, 4), (4, 2)),
]


# --------------------------------------------------------------------------- mutators


def _np_fill_diagonal(wrap: bool = False):
    def ref(a, val):
        out = np.array(a)
        np.fill_diagonal(out, val, wrap=wrap)
        return out
    return ref


def _np_put(ind, mode: str = "raise"):
    def ref(a, v):
        out = np.array(a)
        np.put(out, ind, v, mode=mode)
        return out
    return ref


def _np_put_traced(mode: str):
    def ref(a, ind, v):
        return _np_put(ind, mode)(a, v)
    return ref


_IND = np.array([[4, 0], [-1, 2]])        # distinct positions in a 6-element array
_IND_WRAP = np.array([9, -2, 1])          # 3, 4, 1 modulo 6
_IND_CLIP = np.array([7, -3, 2])          # 5, 0, 2 when clipped to [0, 5]

MUTATORS = [
    OpRow("fill_diagonal", lambda a, v: fnp.fill_diagonal(a, v, inplace=False),
          _np_fill_diagonal(), (V((3, 3), ()), V((2, 4), (2,)), V((4, 2), (3,)),
                                V((3, 3, 3), ()), V((3, 3), (5,)), V((0, 2), ())),
          dtypes=(F64, F32, I64, (F32, F64))),
    OpRow("fill_diagonal_wrap", lambda a, v: fnp.fill_diagonal(a, v, wrap=True, inplace=False),
          _np_fill_diagonal(wrap=True), (V((7, 3), (2,)), V((5, 2), ())), dtypes=(F64, I64)),
    OpRow("put", lambda a, v: fnp.put(a, _IND, v, inplace=False), _np_put(_IND),
          (V((2, 3), (4,)), V((6,), (2,)), V((3, 2), ()), V((6,), (2, 2)), V((2, 3), (0,))),
          dtypes=(F64, F32, I64, (F32, F64))),
    OpRow("put_wrap", lambda a, v: fnp.put(a, _IND_WRAP, v, mode="wrap", inplace=False),
          _np_put(_IND_WRAP, "wrap"), (V((2, 3), (3,)), V((6,), ()))),
    OpRow("put_clip", lambda a, v: fnp.put(a, _IND_CLIP, v, mode="clip", inplace=False),
          _np_put(_IND_CLIP, "clip"), (V((2, 3), (3,)), V((6,), (5,)))),
    # Random traced indices may repeat, and the derivative in `v` assumes unique positions
    # (scatter's, as JAX's): derivatives are checked in `a` only (those with concrete,
    # unique indices above are checked in both).
    OpRow("put_traced_ind", lambda a, i, v: fnp.put(a, i, v, inplace=False),
          _np_put_traced("raise"), (V((2, 3), (2,), (2,)), V((6,), (), ()), V((4,), (3,), (1,))),
          kinds="fif", int_range=(-4, 4), diff_argnums=(0,)),
    OpRow("put_traced_ind_wrap", lambda a, i, v: fnp.put(a, i, v, mode="wrap", inplace=False),
          _np_put_traced("wrap"), (V((2, 3), (2,), (2,)), V((4,), (3,), ())), kinds="fif",
          int_range=(-9, 9), diff_argnums=(0,)),
    OpRow("put_traced_ind_clip", lambda a, i, v: fnp.put(a, i, v, mode="clip", inplace=False),
          _np_put_traced("clip"), (V((2, 3), (2,), (2,)), V((4,), (), ())), kinds="fif",
          int_range=(-9, 9), diff_argnums=(0,)),
]


# --------------------------------------------------------------------------- index arithmetic

_ROWS_I = np.array([[0, 2], [1, 3]])
_COLS_I = np.array([1, 0])


INDEX_ARITHMETIC = [
    OpRow("ravel_multi_index", lambda: fnp.ravel_multi_index((_ROWS_I, _COLS_I), (4, 3)),
          lambda: np.ravel_multi_index((_ROWS_I, _COLS_I), (4, 3)), (V(),), grad_order=0),
    OpRow("ravel_multi_index_F", lambda: fnp.ravel_multi_index((_ROWS_I, _COLS_I), (4, 2, ),
                                                               order="F"),
          lambda: np.ravel_multi_index((_ROWS_I, _COLS_I), (4, 2), order="F"), (V(),),
          grad_order=0),
    OpRow("ravel_multi_index_clip", lambda i, j: fnp.ravel_multi_index((i, j), (3, 4), "clip"),
          lambda i, j: np.ravel_multi_index((i, j), (3, 4), "clip"),
          (V((4,), (4,)), V((2, 3), (3,)), V((), ()), V((0,), ())), kinds="ii",
          int_range=(-6, 7), grad_order=0),
    OpRow("ravel_multi_index_wrap", lambda i, j, k: fnp.ravel_multi_index(
              (i, j, k), (2, 3, 4), ("wrap", "clip", "wrap"), order="F"),
          lambda i, j, k: np.ravel_multi_index((i, j, k), (2, 3, 4), ("wrap", "clip", "wrap"),
                                               order="F"),
          (V((4,), (4,), (4,)), V((2, 1), (3,), ())), kinds="iii", int_range=(-7, 7),
          grad_order=0),
    OpRow("ravel_multi_index_int32", lambda i, j: fnp.ravel_multi_index((i, j), (3, 3), "wrap"),
          lambda i, j: np.ravel_multi_index((i, j), (3, 3), "wrap"), (V((3,), (3,)),),
          dtypes=(I32,), domain=(-5, 5), grad_order=0),
    OpRow("unravel_index", lambda i: fnp.unravel_index(i, (2, 3, 4)),
          lambda i: np.unravel_index(i, (2, 3, 4)), (V((5,)), V((2, 3)), V(()), V((0,))),
          kinds="i", int_range=(0, 24), grad_order=0),
    OpRow("unravel_index_F", lambda i: fnp.unravel_index(i, (3, 4), order="F"),
          lambda i: np.unravel_index(i, (3, 4), order="F"), (V((5,)), V(())), kinds="i",
          int_range=(0, 12), grad_order=0),
    OpRow("unravel_index_int_shape", lambda i: fnp.unravel_index(i, 7),
          lambda i: np.unravel_index(i, 7), (V((4,)),), kinds="i", int_range=(0, 7),
          grad_order=0),
    OpRow("unravel_index_int32", lambda i: fnp.unravel_index(i, (5, 1, 2)),
          lambda i: np.unravel_index(i, (5, 1, 2)), (V((4,)),), dtypes=(I32,), domain=(0, 9),
          grad_order=0),
    OpRow("mask_indices_triu", lambda: fnp.mask_indices(4, np.triu, 1),
          lambda: np.mask_indices(4, np.triu, 1), (V(),), grad_order=0),
    OpRow("mask_indices_fnp_tril", lambda: fnp.mask_indices(3, fnp.tril),
          lambda: np.mask_indices(3, np.tril), (V(),), grad_order=0),
    OpRow("mask_indices_empty", lambda: fnp.mask_indices(0, np.triu),
          lambda: np.mask_indices(0, np.triu), (V(),), grad_order=0),
]

ROWS: list[OpRow] = CONVOLUTIONS + POLYDIV + APPLY + EINSUM_PATH + MUTATORS + INDEX_ARITHMETIC
