"""Op-table rows for complex values (issue 14): every elementwise, reduction and linear function
NumPy defines on complex values, run on complex64/complex128 inputs built from real ones.

The op table draws real inputs, so each row takes the real and imaginary parts as separate
float arguments, builds `z = lax.complex(x, y)` (NumPy's reference: `x + 1j * y`, the same
value) and returns the real and imaginary parts of the result stacked on a new leading axis.
The rows are real functions of real inputs, so test_ops_grad's `check_grads` (forward and
reverse, order 2, against central differences) checks every complex rule on the way: the
complex-linear JVPs of the holomorphic primitives, the Wirtinger JVPs of abs/angle/conj/
real/imag, and the plain (unconjugated) transposes, which must agree with the JVPs for the
real function's VJP to be right. Float32 parts give complex64 values (`dtypes` F32). Direct
tests on complex arguments (JVP along complex directions, the adjoint identity, JAX's grad
convention) are in tests/test_complex.py.
"""
from __future__ import annotations

import numpy as np
import op_rows_linalg_complex
from op_table import COMPOSED, F32, F64, OpRow, V, fnp

import functrans.lax as lax

_PAIR_SHAPES = (V((), ()), V((3,), (3,)), V((2, 3), (2, 3)), V((0,), (0,)))
_QUAD_SHAPES = (V((), (), (), ()), V((3,), (3,), (3,), (3,)), V((2, 3), (2, 3), (3,), (3,)))
_CDTYPES = (F64, F32)
_VEC_SHAPES = (V((3,), (3,), (3,), (3,)), V((2, 3), (2, 3), (3,), (3,)))
_SAME_SHAPES = (V((3,), (3,), (3,), (3,)), V((2, 3), (2, 3), (2, 3), (2, 3)))


def _parts_fnp(w):
    return fnp.stack([fnp.real(w), fnp.imag(w)])


def _parts_np(w):
    w = np.asarray(w)
    return np.stack([w.real, w.imag])


def _z(x, y):
    return x + 1j * y


def _complex_ref(f):
    """NumPy's `f` with its result made complex (functrans' eig/eigvals/roots always return
    complex values, as JAX; NumPy returns real ones when all eigenvalues are real)."""
    def ref(*args):
        out = np.asarray(f(*args))
        return out.astype(np.result_type(out.dtype, np.complex64))
    return ref


def _unary_row(name, f, ref, domain=(0.2, 1.5), tol=0.0, **kw) -> OpRow:
    """`f` of `z = x + iy`: x in `domain`, |y| in `domain` with either sign (away from the
    branch cuts on the axes)."""
    return OpRow(f"complex_{name}", lambda x, y: _parts_fnp(f(lax.complex(x, y))),
                 lambda x, y: _parts_np(ref(_z(x, y))), _PAIR_SHAPES, dtypes=_CDTYPES,
                 kinds="fn", domain=domain, tol=tol, **kw)


def _binary_row(name, f, ref, tol=0.0, shapes=_QUAD_SHAPES, **kw) -> OpRow:
    return OpRow(f"complex_{name}",
                 lambda x, y, u, v: _parts_fnp(f(lax.complex(x, y), lax.complex(u, v))),
                 lambda x, y, u, v: _parts_np(ref(_z(x, y), _z(u, v))), shapes,
                 dtypes=_CDTYPES, kinds="fnfn", domain=(0.2, 1.5), tol=tol, **kw)


def _real_row(name, f, ref, shapes=_PAIR_SHAPES, kinds="fn", tol=0.0, **kw) -> OpRow:
    """A real-valued function of `z = x + iy` (no parts to split)."""
    return OpRow(f"complex_{name}", lambda x, y: f(lax.complex(x, y)),
                 lambda x, y: ref(_z(x, y)), shapes, dtypes=_CDTYPES, kinds=kinds,
                 domain=(0.2, 1.5), tol=tol, **kw)


_HOLOMORPHIC = [
    ("exp", fnp.exp, np.exp), ("exp2", fnp.exp2, np.exp2), ("expm1", fnp.expm1, np.expm1),
    ("log", fnp.log, np.log), ("log2", fnp.log2, np.log2), ("log10", fnp.log10, np.log10),
    ("log1p", fnp.log1p, np.log1p), ("sqrt", fnp.sqrt, np.sqrt), ("sin", fnp.sin, np.sin),
    ("cos", fnp.cos, np.cos), ("tan", fnp.tan, np.tan), ("arcsin", fnp.arcsin, np.arcsin),
    ("arccos", fnp.arccos, np.arccos), ("arctan", fnp.arctan, np.arctan),
    ("sinh", fnp.sinh, np.sinh), ("cosh", fnp.cosh, np.cosh), ("tanh", fnp.tanh, np.tanh),
    ("negative", fnp.negative, np.negative), ("positive", fnp.positive, np.positive),
    ("conjugate", fnp.conjugate, np.conjugate), ("conj", fnp.conj, np.conj),
]

ROWS: list[OpRow] = [
    *[_unary_row(n, f, r) for n, f, r in _HOLOMORPHIC],
    # A Python int power is integer_pow (repeated products: NumPy's complex power rounds
    # differently by an ulp or two), a Python complex one pow.
    _unary_row("power_int", lambda z: z ** 3, lambda z: z ** 3, tol=COMPOSED),
    _unary_row("square", fnp.square, np.square, tol=COMPOSED),
    # 1 / z: NumPy's reciprocal has its own complex kernel.
    _unary_row("reciprocal", fnp.reciprocal, np.reciprocal, tol=COMPOSED),
    _unary_row("power_pycomplex", lambda z: fnp.power(z, 0.5 - 0.25j),
               lambda z: np.power(z, 0.5 - 0.25j)),
    _unary_row("mul_pycomplex", lambda z: z * (2 - 1j), lambda z: z * (2 - 1j)),
    _unary_row("add_pyfloat", lambda z: z + 1.5, lambda z: z + 1.5),
    # NumPy's complex64 product rounds differently (by an ulp) in its scalar and its array
    # kernels (the latter may fuse multiply-adds), and eager and traced evaluation meet both.
    _unary_row("exp_times_conj", lambda z: fnp.exp(z) * fnp.conj(z),
               lambda z: np.exp(z) * np.conj(z), tol=COMPOSED),
    _binary_row("add", fnp.add, np.add),
    _binary_row("subtract", fnp.subtract, np.subtract),
    _binary_row("multiply", fnp.multiply, np.multiply),
    _binary_row("divide", fnp.divide, np.divide),
    _binary_row("power", fnp.power, np.power),
    _binary_row("matmul_outer", lambda a, b: fnp.matmul(a[..., :, None], b[..., None, :]),
                lambda a, b: np.matmul(a[..., :, None], b[..., None, :]), shapes=_VEC_SHAPES),
    # Contractions sum products in another order than NumPy's BLAS.
    _binary_row("vdot", fnp.vdot, np.vdot, tol=COMPOSED, shapes=_SAME_SHAPES),
    _binary_row("dot", lambda a, b: fnp.dot(a, b), lambda a, b: np.dot(a, b), tol=COMPOSED),
    _binary_row("einsum", lambda a, b: fnp.einsum("...i,i->...", a, b),
                lambda a, b: np.einsum("...i,i->...", a, b), tol=COMPOSED, shapes=_VEC_SHAPES),
    _real_row("abs", fnp.abs, np.abs),
    _real_row("absolute", fnp.absolute, np.absolute),
    _real_row("angle", fnp.angle, np.angle),
    _real_row("angle_deg", lambda z: fnp.angle(z, deg=True), lambda z: np.angle(z, deg=True),
              tol=COMPOSED),   # NumPy multiplies by 180/pi in another order
    _real_row("real", fnp.real, np.real),
    _real_row("imag", fnp.imag, np.imag),
    # |z| at z == 0: JAX's choice, d|z| = Re(dz) there (a subgradient).
    _real_row("abs_nonzero", fnp.abs, np.abs, kinds="nn"),
    _real_row("iscomplex", lambda z: fnp.iscomplex(z * (fnp.real(z) > 0.8)),
              lambda z: np.iscomplex(z * (z.real > 0.8)), grad_order=0),
    _real_row("isreal", lambda z: fnp.isreal(z * (fnp.real(z) > 0.8)),
              lambda z: np.isreal(z * (z.real > 0.8)), grad_order=0),
    _real_row("isnan", fnp.isnan, np.isnan, grad_order=0),
    _real_row("sign", lambda z: _parts_fnp(fnp.sign(z)), lambda z: _parts_np(np.sign(z)),
              grad_order=0),
    # sqrt(sum(Re(z conj z))) (JAX's form) sums in another order than NumPy.
    _real_row("norm", fnp.linalg.norm, np.linalg.norm,
              shapes=(V((3,), (3,)), V((2, 3), (2, 3))), tol=COMPOSED),
    _real_row("norm_ord", lambda z: fnp.linalg.norm(z, 3, axis=-1),
              lambda z: np.linalg.norm(z, 3, axis=-1), shapes=(V((2, 3), (2, 3)),),
              tol=COMPOSED),
    _real_row("isfinite", fnp.isfinite, np.isfinite, grad_order=0),
    _real_row("equal_conj", lambda z: fnp.equal(z, fnp.conj(z)),
              lambda z: np.equal(z, np.conj(z)), grad_order=0),
    # Sums in another order than NumPy's pairwise summation.
    _real_row("var", fnp.var, np.var, shapes=(V((3,), (3,)), V((2, 3), (2, 3))), tol=COMPOSED),
    _real_row("std_axis", lambda z: fnp.std(z, axis=-1), lambda z: np.std(z, axis=-1),
              shapes=(V((2, 3), (2, 3)),), tol=COMPOSED),
    _real_row("sort_complex", lambda z: _parts_fnp(fnp.sort_complex(z)),
              lambda z: _parts_np(np.sort_complex(z)),
              shapes=(V((4,), (4,)), V((2, 3), (2, 3))), kinds="dd"),
    # Ties in the real parts: the imaginary parts decide.
    OpRow("complex_sort_complex_ties",
          lambda x, y: _parts_fnp(fnp.sort_complex(lax.complex(fnp.round(x), y))),
          lambda x, y: _parts_np(np.sort_complex(_z(np.round(x), y))), (V((5,), (5,)),),
          dtypes=_CDTYPES, kinds="fd", domain=(-1.5, 1.5), diff_argnums=(1,)),
    OpRow("complex_sort_complex_real", fnp.sort_complex, np.sort_complex, (V((4,)),),
          dtypes=(F64, F32), kinds="d", grad_order=0),
    # The impl is NumPy's eig (with eigenvectors): its eigenvalues equal eigvals' (no
    # eigenvectors) to rounding only.
    OpRow("complex_eigvals", lambda a: _parts_fnp(fnp.linalg.eigvals(a)),
          lambda a: _parts_np(_complex_ref(np.linalg.eigvals)(a)),
          (V((1, 1)), V((3, 3)), V((2, 3, 3))), dtypes=_CDTYPES, tol=COMPOSED),
    OpRow("complex_eigvals_of_complex",
          lambda x, y: _parts_fnp(fnp.linalg.eigvals(lax.complex(x, y))),
          lambda x, y: _parts_np(np.linalg.eigvals(_z(x, y))), (V((3, 3), (3, 3)),),
          dtypes=_CDTYPES, tol=COMPOSED),
    OpRow("complex_eig", lambda a: [_parts_fnp(w) for w in fnp.linalg.eig(a)],
          lambda a: [_parts_np(np.asarray(w).astype(np.result_type(a.dtype, np.complex64)))
                     for w in np.linalg.eig(a)],
          (V((1, 1)), V((3, 3)), V((2, 3, 3))), dtypes=_CDTYPES),
    OpRow("complex_roots", lambda p: _parts_fnp(fnp.roots(p, strip_zeros=False)),
          lambda p: _parts_np(_complex_ref(np.roots)(p)), (V((2,)), V((3,)), V((5,))),
          dtypes=_CDTYPES, kinds="n", domain=(0.3, 2.0), tol=COMPOSED),
    OpRow("complex_real_if_close", fnp.real_if_close, np.real_if_close, (V((3,)), V(())),
          dtypes=(F64, F32)),
    *[_real_row(f"{name}_axis", lambda z, f=f: _parts_fnp(f(z, axis=-1)),
                lambda z, r=r: _parts_np(r(z, axis=-1)),
                shapes=(V((3,), (3,)), V((2, 3), (2, 3)), V((2, 0), (2, 0))), tol=COMPOSED)
      for name, f, r in (("sum", fnp.sum, np.sum), ("prod", fnp.prod, np.prod),
                         ("cumsum", fnp.cumsum, np.cumsum),
                         ("cumprod", fnp.cumprod, np.cumprod))],
    # The mean of an empty axis is nan (no derivative to check there).
    _real_row("mean_axis", lambda z: _parts_fnp(fnp.mean(z, axis=-1)),
              lambda z: _parts_np(np.mean(z, axis=-1)),
              shapes=(V((3,), (3,)), V((2, 3), (2, 3))), tol=COMPOSED),
]



# Rows of the whole op table that op_table.complex_cases gives no complex variants although
# NumPy's reference accepts complex input: row name -> why.
_PARTS = "already complex: takes the real and imaginary parts as separate float arguments"
_LINALG = ("complex matrices in linalg/scipy.linalg are not supported yet (a clear error "
           "says so; the linear-algebra helper's work)")
_SPECIAL = ("scipy.special/stats functions of real variables: their primitives (erf, ndtr, "
            "gamma, digamma, logaddexp, ...) are real-only (a clear error); JAX defines a few "
            "on complex values (erf, gamma): left for later")
_LOGSUMEXP = ("nn/scipy.special logsumexp is real-only (its custom JVP and sign handling): "
              "complex input raises a clear error (tests/test_edge_cases.py)")
_REAL_CAST = ("laplace.cdf/logcdf branch on x < loc: complex input raises a clear error "
              "(tests/test_edge_cases.py)")
_QUANTILE = ("median/quantiles of complex values: JAX raises ('quantile does not support "
             "complex input'), and so does functrans; NumPy sorts lexicographically")
_HIST = ("histograms bin real values: functrans' histogram functions reject complex data "
         "with a clear error (NumPy orders them lexicographically against complex edges; JAX "
         "drops into its real code paths)")

EXCLUDED: dict[str, str] = {
    **{row.name: _PARTS for row in ROWS},
    **{row.name: _PARTS for row in op_rows_linalg_complex.ROWS},
    **{name: _PARTS for name in (
        "fft_fft", "fft_fft2", "fft_fft2_axes_forward", "fft_fft2_s_ortho",
        "fft_fft_backward_even", "fft_fft_long_forward_axis0", "fft_fft_short_ortho", "fft_fftn",
        "fft_fftn_axes_forward", "fft_fftn_repeated_axis", "fft_fftn_s_long", "fft_fftn_s_ortho",
        "fft_hfft", "fft_hfft_backward_even", "fft_hfft_long_forward_axis0",
        "fft_hfft_short_ortho", "fft_ifft", "fft_ifft2", "fft_ifft2_axes_forward",
        "fft_ifft2_s_ortho", "fft_ifft_backward_even", "fft_ifft_long_forward_axis0",
        "fft_ifft_short_ortho", "fft_ifftn", "fft_ifftn_axes_forward", "fft_ifftn_s_long",
        "fft_ifftn_s_ortho", "fft_irfft", "fft_irfft2", "fft_irfft2_axes_forward",
        "fft_irfft2_s_ortho", "fft_irfft_backward_even", "fft_irfft_long_forward_axis0",
        "fft_irfft_short_ortho", "fft_irfftn", "fft_irfftn_axes_forward", "fft_irfftn_s_long",
        "fft_irfftn_s_ortho")},
    **{name: _LINALG for name in (
        "lax.custom_linear_solve", "linalg_cholesky", "linalg_cholesky_upper", "linalg_cond",
        "linalg_cond_p-2", "linalg_cond_p-inf", "linalg_cond_p1", "linalg_cond_p2",
        "linalg_cond_pfro",
        "linalg_cond_pnuc", "linalg_det", "linalg_det_negated", "linalg_eigh",
        "linalg_eigh_UPLO_U", "linalg_eigh_gauge", "linalg_eigh_symmetrize_input",
        "linalg_eigvalsh", "linalg_inv", "linalg_lstsq", "linalg_lstsq_diff",
        "linalg_lstsq_rcond", "linalg_matrix_norm_nuc_keepdims", "linalg_matrix_power_neg1",
        "linalg_matrix_power_neg2", "linalg_matrix_rank", "linalg_matrix_rank_full",
        "linalg_matrix_rank_rtol_hermitian", "linalg_matrix_rank_tol", "linalg_norm_nuc",
        "linalg_norm_ord-2", "linalg_norm_ord2", "linalg_norm_ord2_axes_keepdims", "linalg_pinv",
        "linalg_pinv_hermitian", "linalg_pinv_rtol_none", "linalg_qr", "linalg_qr_complete",
        "linalg_qr_complete_tall", "linalg_qr_r", "linalg_slogdet", "linalg_slogdet_negated",
        "linalg_solve_matrix", "linalg_solve_vector", "linalg_svd", "linalg_svd_full_rect",
        "linalg_svd_gauge", "linalg_svd_hermitian", "linalg_svd_hermitian_no_uv",
        "linalg_svd_no_uv", "linalg_svd_reduced", "linalg_svdvals", "linalg_tensorinv",
        "linalg_tensorinv_ind2", "linalg_tensorsolve", "linalg_tensorsolve_axes", "polyfit",
        "polyfit_cov", "polyfit_full", "polyfit_weighted", "scipy.linalg.cho_solve_lower",
        "scipy.linalg.cho_solve_upper", "scipy.linalg.det", "scipy.linalg.eigh_values",
        "scipy.linalg.expm", "scipy.linalg.expm_large", "scipy.linalg.inv", "scipy.linalg.lu",
        "scipy.linalg.lu_permute_l", "scipy.linalg.lu_solve_t0", "scipy.linalg.lu_solve_t1",
        "scipy.linalg.solve_triangular_lower_t0", "scipy.linalg.solve_triangular_lower_t1",
        "scipy.linalg.solve_triangular_upper_t0", "scipy.linalg.solve_triangular_upper_t1",
        "scipy.linalg.svd_values")},
    **{name: _SPECIAL for name in (
        "nn_gelu_exact", "sp_digamma", "sp_erf", "sp_erfc", "sp_erfc_tail", "sp_erfcx",
        "sp_erfcx_tail", "sp_gamma", "sp_gamma_negative", "sp_log_ndtr", "sp_log_ndtr_tail",
        "sp_ndtr", "stats_logistic_logpdf", "stats_logistic_pdf", "stats_norm_cdf",
        "stats_norm_logcdf", "stats_norm_logsf", "stats_norm_sf")},
    **{name: _LOGSUMEXP for name in (
        "nn_logsumexp_axis-1", "nn_logsumexp_axis(0, 2)", "nn_logsumexp_axis0",
        "nn_logsumexp_axisNone", "nn_logsumexp_b", "nn_logsumexp_keepdims",
        "nn_logsumexp_where", "sp_logsumexp", "nn_logsumexp_large")},
    **{name: _REAL_CAST for name in ("stats_laplace_cdf", "stats_laplace_logcdf")},
    **{name: _QUANTILE for name in (
        "median", "median_axes", "median_axis", "median_empty", "nanmedian", "nanmedian_all",
        "pad_median", "pad_median_stat_length")},
    **{name: _HIST for name in (
        "histogram2d", "histogram_bin_edges", "histogram_bin_edges_range", "histogram_empty",
        "histogram_edges_weights", "histogram_traced_edges", "histogramdd")},
    "ode.odeint": "complex states are not supported yet: the solver's error control is for "
                  "real states; complex y0 raises a clear error (tests/test_edge_cases.py)",
    "optimize.fixed_point": "complex fixed points are not supported yet: complex x0 raises a "
                            "clear error (tests/test_edge_cases.py)",
    "poly": "a deliberate error: NumPy's result dtype depends on whether complex roots come in "
            "conjugate pairs (a value-dependent dtype), so functrans asks for real roots",
    "unique_values_d": "NumPy 2's unique_values returns complex values in hash order (not "
                       "sorted); functrans sorts them (lexicographically, as JAX)",
}

# Complex variants whose values round differently from NumPy's complex kernels: row name ->
# tolerance. NumPy has its own loops for complex square, reciprocal and integer powers
# ((a^2 - b^2, 2ab), Smith's division, ...) where functrans multiplies and divides complex
# values (as JAX does): the results differ by an ulp.
COMPLEX_TOL: dict[str, float] = {
    "square": COMPOSED, "reciprocal": COMPOSED, "op_pow_int2": COMPOSED,
    "vander_N_increasing": COMPOSED, "polydiv": COMPOSED, "piecewise": COMPOSED,
}

# Complex variants whose values are checked but whose derivatives deliberately differ from the
# derivative along a complex direction: row name -> why.
NO_COMPLEX_DERIVATIVE: dict[str, str] = {
    "sign": "sign(z) = z / |z| is smooth away from 0, but its JVP is zero for complex values "
            "too, as JAX's (lax.sign is defjvp_zero)",
}
