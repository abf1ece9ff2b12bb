"""How many of the callables NumPy 2.4 and jax.numpy 0.10 share `functrans.numpy` provides
(issue 12). The names are in tests/numpy_names.txt, copied from the issue's list."""
from __future__ import annotations

import pathlib

import functrans.numpy as fnp

NAMES_FILE = pathlib.Path(__file__).with_name("numpy_names.txt")

# The exclusions issue 12 allows, each listed with its reason in docs/design.md: file and
# buffer I/O, print options, and the in-place mutators whose functional form is `.at[]`
# (`place` and `put` may instead follow JAX's `inplace=False`). They are never counted as
# missing.
EXCLUDED = frozenset({
    "load", "save", "savez", "fromfile", "frombuffer", "fromstring", "fromiter",
    "frompyfunc", "from_dlpack",
    "printoptions", "get_printoptions", "set_printoptions", "array_repr", "array_str",
    "place", "put",
})

# Names that return complex values whatever their input (`roots` of a polynomial with complex
# roots, `sort_complex`): they wait for complex numbers (issue 14), listed in docs/design.md.
# Issue 14 empties this set; a name may leave it, never join it.
AWAITING_COMPLEX: frozenset[str] = frozenset()

# Issue 12's target, and a ratchet: the number covered when it was last raised; raise it as
# functions are added, never lower it.
TARGET = 320
MIN_COVERED = 328


def shared_names() -> list[str]:
    lines = NAMES_FILE.read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def covered(names: list[str]) -> list[str]:
    return [n for n in names if callable(getattr(fnp, n, None))]


def missing(names: list[str]) -> list[str]:
    """The shared names functrans.numpy lacks, the documented exclusions left out."""
    have = set(covered(names))
    return [n for n in names if n not in have and n not in EXCLUDED]


def test_name_list_is_the_issues():
    names = shared_names()
    assert len(names) == 343, len(names)
    assert len(set(names)) == len(names)


def test_coverage_does_not_fall():
    names = shared_names()
    n = len(covered(names))
    report = f"functrans.numpy covers {n}/{len(names)}"
    print(report)
    assert n >= max(MIN_COVERED, TARGET), (
        f"{report}, below MIN_COVERED = {MIN_COVERED}; missing: {', '.join(missing(names))}")


def test_no_name_missing_outside_the_documented_exclusions():
    # Every shared name is provided, excluded by design, or waits for complex numbers.
    assert set(missing(shared_names())) <= AWAITING_COMPLEX, sorted(
        set(missing(shared_names())) - AWAITING_COMPLEX)


def test_exclusions_are_shared_names_and_not_counted_as_missing():
    names = shared_names()
    assert EXCLUDED <= set(names), sorted(EXCLUDED - set(names))
    assert not EXCLUDED & set(missing(names))


# The 31 callables of `numpy.linalg` that jax.numpy.linalg shares (issue 13), copied from the
# issue's list. `eig`/`eigvals` exist and raise until complex numbers do (issue 14).
LINALG_NAMES = (
    "cholesky", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals", "eigvalsh", "inv",
    "lstsq", "matmul", "matrix_norm", "matrix_power", "matrix_rank", "matrix_transpose",
    "multi_dot", "norm", "outer", "pinv", "qr", "slogdet", "solve", "svd", "svdvals",
    "tensordot", "tensorinv", "tensorsolve", "trace", "vecdot", "vector_norm",
)


def test_linalg_has_every_shared_name():
    assert len(set(LINALG_NAMES)) == 31
    assert [n for n in LINALG_NAMES if not callable(getattr(fnp.linalg, n, None))] == []
