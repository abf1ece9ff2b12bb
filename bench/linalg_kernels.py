"""The two kernels functrans writes in NumPy because NumPy has no LAPACK routine for them: the
triangular solve (functrans/primitives/triangular.py) and the LU factorization
(functrans/primitives/factorizations.py), against what NumPy and SciPy offer.

The triangular solve is a blocked substitution in NumPy. This times it
for one n x n lower triangle and k right-hand sides (k = n, as in the reverse pass of a
Cholesky; k = 1, a vector), plain and transposed (the transposed solve is the reverse pass
of the plain one), against `numpy.linalg.solve` on the same triangle, a matmul of the same
shape (`L @ B`: twice the solve's flops, at BLAS's best speed) and, where SciPy is
installed, LAPACK's `solve_triangular` (dtrsm). The LU (a blocked right-looking LU with a
Python loop per column in each 32-column panel) against `np.linalg.inv` (an LU and two
triangular solves in LAPACK) and, with SciPy, `scipy.linalg.lu_factor` (getrf). Medians of
interleaved runs, one BLAS thread.

Run:  python bench/linalg_kernels.py
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys

import numpy as np
from _timing import interleaved_medians

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from functrans.primitives.factorizations import lu
from functrans.primitives.triangular import triangular_solve

try:
    import scipy.linalg as scipy_linalg
except ImportError:   # the comparison with LAPACK's trsm is optional
    scipy_linalg = None


def case(n: int, k: int, transpose: bool, repeats: int = 21) -> dict:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n))
    low = np.linalg.cholesky(a @ a.T + n * np.eye(n))
    b = rng.standard_normal((n, k))
    mat = low.T if transpose else low
    x = triangular_solve(low, b, lower=True, transpose_a=transpose)
    assert np.allclose(mat @ x, b, atol=1e-10)
    funs = {"functrans": lambda: triangular_solve(low, b, lower=True, transpose_a=transpose),
            "np.linalg.solve": lambda: np.linalg.solve(mat, b),
            "matmul": lambda: mat @ b}
    if scipy_linalg is not None:
        funs["scipy trsm"] = lambda: scipy_linalg.solve_triangular(
            low, b, lower=True, trans=1 if transpose else 0, check_finite=False)
    return interleaved_medians(funs, repeats)


def lu_case(n: int, repeats: int = 21) -> dict:
    a = np.random.default_rng(1).standard_normal((n, n))
    packed, _, perm = lu(a)
    low, up = np.tril(packed, -1) + np.eye(n), np.triu(packed)
    assert np.allclose(a[perm], low @ up, atol=1e-10)
    funs = {"functrans": lambda: lu(a), "np.linalg.inv": lambda: np.linalg.inv(a)}
    if scipy_linalg is not None:
        funs["scipy getrf"] = lambda: scipy_linalg.lu_factor(a, check_finite=False)
    return interleaved_medians(funs, repeats)


def main() -> None:
    print("triangular solve, one lower n x n triangle, k right-hand sides (medians, ms; "
          "ratios are functrans / other)")
    for n, k in ((200, 200), (500, 500), (200, 1), (500, 1)):
        for transpose in (False, True):
            t = case(n, k, transpose)
            line = f"  n={n:3d} k={k:3d} {'a.T' if transpose else 'a  '}  " \
                   f"functrans {t['functrans'] * 1e3:6.2f}"
            for other in ("np.linalg.solve", "matmul", "scipy trsm"):
                if other in t:
                    line += f"  | {other} {t[other] * 1e3:6.2f} ({t['functrans'] / t[other]:.2f}x)"
            print(line)
    print("LU with partial pivoting of one n x n matrix (medians, ms)")
    for n in (50, 200, 500):
        t = lu_case(n)
        line = f"  n={n:3d}  functrans {t['functrans'] * 1e3:6.2f}"
        for other in ("np.linalg.inv", "scipy getrf"):
            if other in t:
                line += f"  | {other} {t[other] * 1e3:6.2f} ({t['functrans'] / t[other]:.2f}x)"
        print(line)


if __name__ == "__main__":
    main()
