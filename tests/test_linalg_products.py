"""functrans.numpy.linalg products: the errors of the linalg spellings and multi_dot's order."""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import errors


@pytest.mark.parametrize("call, match", [
    (lambda: fnp.linalg.outer(np.ones((2, 2)), np.ones(2)), "x1 must be a vector"),
    (lambda: fnp.linalg.cross(np.ones(3), np.ones(2)), "x2 has size 2"),
    (lambda: fnp.linalg.diagonal(np.ones(3)), "at least 2 dimensions"),
    (lambda: fnp.linalg.trace(np.ones(3)), "at least 2 dimensions"),
    (lambda: fnp.linalg.multi_dot([np.ones((2, 2))]), "at least two"),
    (lambda: fnp.linalg.multi_dot([np.ones((2, 2)), np.ones(2), np.ones((2, 2))]),
     r"arrays\[1\] has shape \(2,\)"),
])
def test_errors_name_the_argument(call, match):
    with pytest.raises(errors.FunctransValueError, match=match):
        call()


def test_multi_dot_rejects_out():
    with pytest.raises(TypeError, match="out"):
        fnp.linalg.multi_dot([np.ones((2, 2)), np.ones((2, 2))], out=np.ones((2, 2)))


def _product_shapes(fun, *args):
    jaxpr = ft.make_jaxpr(fun)(*args).jaxpr
    return [tuple(e.outvars[0].aval.shape) for e in jaxpr.eqns if e.primitive.name == "dot_general"]


def test_multi_dot_takes_the_cheapest_order():
    # (a b) c costs 10*100*5 + 10*5*50 = 7,500 multiplications; a (b c) costs 75,000.
    a, b, c = np.ones((10, 100)), np.ones((100, 5)), np.ones((5, 50))
    assert _product_shapes(lambda a, b, c: fnp.linalg.multi_dot([a, b, c]), a, b, c) == [
        (10, 5), (10, 50)]
    # Reversed costs: now a (b c) is the cheap one.
    a, b, c = np.ones((50, 5)), np.ones((5, 100)), np.ones((100, 10))
    assert _product_shapes(lambda a, b, c: fnp.linalg.multi_dot([a, b, c]), a, b, c) == [
        (5, 10), (50, 10)]
