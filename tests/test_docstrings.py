"""Every public name has a docstring with an example, and the examples are right.

Public names: what `functrans`, `functrans.numpy`, `functrans.numpy.linalg`, `functrans.lax`
and `functrans.tree_util` export (`__all__`, else the names without a leading underscore that
are not modules). Objects NumPy owns and functrans re-exports unchanged (`fnp.float64`,
`fnp.pi`, ...) are exempt, and checked to be exactly NumPy's. The doctests of the public
modules run with NORMALIZE_WHITESPACE and ELLIPSIS; examples in `functrans.numpy` may use
`np` and `fnp` without importing them (docs/api.md says so).
"""
from __future__ import annotations

import doctest
import importlib
import inspect

import numpy as np
import pytest

import functrans
import functrans.debug
import functrans.lax
import functrans.nn
import functrans.numpy
import functrans.numpy.fft
import functrans.numpy.linalg
import functrans.ode
import functrans.optimize
import functrans.random
import functrans.scipy.linalg
import functrans.scipy.signal
import functrans.scipy.special
import functrans.tree_util

MODULES = [functrans, functrans.numpy, functrans.numpy.linalg, functrans.lax,
           functrans.tree_util, functrans.nn, functrans.random, functrans.scipy.special,
           functrans.scipy.linalg]
MODULES += [functrans.scipy.signal]
MODULES += [functrans.ode, functrans.optimize]
MODULES += [functrans.debug]
MODULES += [functrans.numpy.fft]
# Modules whose docstring examples are run (api.py and tree_util are the brief's minimum).
DOCTEST_MODULES = [
    "functrans.api", "functrans.tree_util", "functrans.tree_util._registry",
    "functrans.tree_util._treedef", "functrans.lax", "functrans.ir", "functrans.core",
    "functrans.evaluate",
    "functrans.irtools", "functrans.test_util", "functrans.numpy._ufuncs",
    "functrans.numpy._reductions", "functrans.numpy._linalg", "functrans.numpy._shape",
    "functrans.numpy._join", "functrans.numpy._creation", "functrans.numpy._indexing",
    "functrans.numpy._math", "functrans.numpy._manip",
    "functrans.numpy._stats", "functrans.numpy._nanfuncs", "functrans.numpy._grids",
    "functrans.numpy._pad", "functrans.numpy._sorting", "functrans.numpy._misc",
    "functrans.numpy._poly", "functrans.numpy._windows", "functrans.numpy._bits",
    "functrans.numpy._dtypes", "functrans.numpy._quantiles", "functrans.numpy._histogram",
    "functrans.numpy._searching", "functrans.numpy._indexmisc",
    "functrans.numpy._nonzero", "functrans.numpy._setops", "functrans.numpy.linalg._norms",
    "functrans.numpy.linalg._products", "functrans.numpy.linalg._solve",
    "functrans.numpy.linalg._spectral", "functrans.nn._functions", "functrans.random._keys",
    "functrans.random._samplers", "functrans.random._families", "functrans.scipy.special",
    "functrans.scipy.linalg",
    *[f"functrans.scipy.stats.{d}" for d in (
        "bernoulli", "beta", "gamma", "laplace", "logistic", "multivariate_normal", "norm",
        "poisson", "t", "uniform")],
    "functrans.custom_derivatives._jvp", "functrans.custom_derivatives._vjp",
    "functrans.ode", "functrans.optimize", "functrans.control_flow._implicit",
    "functrans.primitives.complex_parts",
    "functrans.debug._nans", "functrans.debug._callback",
    "functrans.primitives.callback",
]
DOCTEST_MODULES += ["functrans.primitives.convolution", "functrans.scipy.signal"]
DOCTEST_MODULES += ["functrans.numpy.fft", "functrans.primitives.fft"]
DOCTEST_MODULES += ["functrans.numpy._array", "functrans.numpy._methods"]
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def public_names(module) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n, obj in vars(module).items()
                 if not n.startswith("_") and not inspect.ismodule(obj) and n != "annotations"]
        if module is functrans.numpy.linalg:   # its imports (np, errors) are not its API
            names = [n for n in names if getattr(getattr(module, n), "__module__", "")
                     == module.__name__]
    return sorted(names)


def _from_numpy(name: str, obj) -> bool:
    """A NumPy object re-exported as it is (dtypes, `dtype`, constants, `newaxis`)."""
    if not hasattr(np, name):
        return False
    ref = getattr(np, name)
    if isinstance(obj, float):
        return obj == ref or (np.isnan(obj) and np.isnan(ref))
    return obj is ref


CASES = [(m.__name__, n) for m in MODULES for n in public_names(m)]


def test_public_surface_is_not_empty():
    names = {f"{m}.{n}" for m, n in CASES}
    assert {"functrans.grad", "functrans.numpy.sin", "functrans.lax.scan",
            "functrans.tree_util.tree_map", "functrans.numpy.linalg.norm"} <= names
    assert len(CASES) > 150, len(CASES)


@pytest.mark.parametrize("module_name,name", CASES, ids=[f"{m}.{n}" for m, n in CASES])
def test_public_name_has_docstring_with_example(module_name, name):
    obj = getattr(importlib.import_module(module_name), name)
    if not str(getattr(obj, "__module__", "")).startswith("functrans"):
        assert _from_numpy(name, obj), (
            f"{module_name}.{name} is neither defined by functrans nor NumPy's own {name}")
        return
    doc = inspect.getdoc(obj) or ""
    assert doc.strip(), f"{module_name}.{name} has no docstring"
    assert ">>>" in doc or "Example" in doc, (
        f"{module_name}.{name}: its docstring has no example (add an `Example:` section with "
        "a short doctest)")


def _doctests(module_name: str):
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    globs = {"np": np, "fnp": functrans.numpy, "ft": functrans, "fsl": functrans.scipy.linalg}
    return finder.find(module, module_name, globs={**vars(module), **globs})


DOCTESTS = [t for m in DOCTEST_MODULES for t in _doctests(m)]


def test_doctests_were_found():
    modules = {t.name.rsplit(".", 1)[0] for t in DOCTESTS}
    assert "functrans.api" in {t.name.rsplit(".", 1)[0] for t in DOCTESTS}
    assert any(m.startswith("functrans.tree_util") for m in modules)
    assert len(DOCTESTS) > 150, len(DOCTESTS)


@pytest.mark.parametrize("test", DOCTESTS, ids=[t.name for t in DOCTESTS])
def test_docstring_example(test):
    runner = doctest.DocTestRunner(optionflags=FLAGS, verbose=False)
    out: list[str] = []
    runner.run(test, out=out.append)
    assert runner.failures == 0, "".join(out)
