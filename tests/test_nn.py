"""functrans.nn (issue 15): derivatives against closed forms, JAX's conventions at kinks, no NaN
derivative at extreme inputs, and argument errors. Values, check_grads and vmap of every
function are the op table's (tests/op_rows_nn.py)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.special as sp

import functrans as ft
import functrans.numpy as fnp
from functrans import errors, nn
from functrans.test_util import check_grads

X = np.array([-3.0, -0.7, 0.4, 2.5])


def _elementwise_grad(f):
    return ft.vmap(ft.grad(f))


@pytest.mark.parametrize("f,df", [
    (nn.relu, lambda x: (x > 0) * 1.0),
    (nn.sigmoid, lambda x: sp.expit(x) * (1 - sp.expit(x))),
    (nn.softplus, sp.expit),
    (nn.log_sigmoid, lambda x: sp.expit(-x)),
    (nn.silu, lambda x: sp.expit(x) * (1 + x * (1 - sp.expit(x)))),
    (nn.soft_sign, lambda x: 1 / (1 + np.abs(x)) ** 2),
    (nn.elu, lambda x: np.where(x > 0, 1.0, np.exp(x))),
    (lambda x: nn.gelu(x, approximate=False),
     lambda x: sp.ndtr(x) + x * np.exp(-x * x / 2) / np.sqrt(2 * np.pi)),
], ids=["relu", "sigmoid", "softplus", "log_sigmoid", "silu", "soft_sign", "elu", "gelu"])
def test_derivative_closed_form(f, df):
    np.testing.assert_allclose(_elementwise_grad(f)(X), df(X), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("f,x,want", [
    (nn.relu, 0.0, 0.0), (nn.relu6, 0.0, 0.0), (nn.relu6, 6.0, 0.0),
    (nn.leaky_relu, 0.0, 1.0), (nn.hard_tanh, 1.0, 1.0), (nn.hard_tanh, -1.0, 1.0),
    (nn.elu, 0.0, 1.0), (nn.celu, 0.0, 1.0), (nn.hard_sigmoid, 3.0, 0.0),
    (nn.hard_sigmoid, -3.0, 0.0), (nn.selu, 0.0, 1.0507009873554805 * 1.6732632423543772),
])
def test_kink_conventions_as_jax(f, x, want):
    assert ft.grad(f)(x) == want


@pytest.mark.parametrize("f,x,want", [
    (nn.softplus, 1000.0, 1.0), (nn.softplus, -1000.0, 0.0),
    (nn.log_sigmoid, -1000.0, 1.0), (nn.log_sigmoid, 1000.0, 0.0),
    (nn.sigmoid, -1000.0, 0.0), (nn.sigmoid, 1000.0, 0.0),
    (nn.silu, -1000.0, 0.0), (nn.elu, 1000.0, 1.0), (nn.gelu, 1000.0, 1.0),
])
def test_no_nan_derivative_at_extremes(f, x, want):
    assert ft.grad(f)(x) == want
    assert np.isfinite(ft.grad(ft.grad(f))(x))


def test_extreme_values():
    assert nn.softplus(1000.0) == 1000.0
    assert nn.log_sigmoid(-1000.0) == -1000.0
    assert nn.logsumexp(np.array([1000.0, 1000.0])) == 1000.0 + np.log(2.0)
    np.testing.assert_array_equal(nn.softmax(np.array([1000.0, -np.inf, 1000.0])),
                                  [0.5, 0.0, 0.5])


def test_logsumexp_gradient_at_infinite_entries():
    grad = ft.grad(nn.logsumexp)
    np.testing.assert_array_equal(grad(np.array([-np.inf, -np.inf])), [0.0, 0.0])
    np.testing.assert_array_equal(grad(np.array([np.inf, 1.0])), [1.0, 0.0])
    np.testing.assert_array_equal(grad(np.array([np.inf, np.inf, 1.0])), [0.5, 0.5, 0.0])
    np.testing.assert_allclose(grad(np.array([-np.inf, 0.0, np.log(3.0)])),
                               [0.0, 0.25, 0.75], rtol=1e-15)
    hess = ft.hessian(nn.logsumexp)(np.array([-np.inf, 0.0, 0.0]))
    np.testing.assert_allclose(hess, [[0, 0, 0], [0, 0.25, -0.25], [0, -0.25, 0.25]])
    assert nn.logsumexp(np.array([-np.inf, -np.inf])) == -np.inf


def test_logsumexp_b_and_sign_against_scipy():
    a = np.array([[0.5, -1.0, 2.0], [1.0, 1.0, 0.0]])
    b = np.array([[1.0, 2.0, 0.5], [-1.0, -2.0, 0.0]])
    got = nn.logsumexp(a, axis=1, b=b, return_sign=True)
    want = sp.logsumexp(a, axis=1, b=b, return_sign=True)
    np.testing.assert_allclose(got, want, rtol=1e-14)
    assert np.isnan(nn.logsumexp(a[1], b=b[1]))
    # d/db log(sum b e^a) = e^a / sum(b e^a)
    db = ft.grad(lambda b: nn.logsumexp(a[0], b=b))(b[0])
    np.testing.assert_allclose(db, np.exp(a[0]) / np.sum(b[0] * np.exp(a[0])), rtol=1e-14)
    check_grads(lambda a, b: nn.logsumexp(a, axis=0, b=b, return_sign=True)[0], (a, b),
                order=2)


def test_softmax_derivative_closed_form():
    x = np.array([0.3, -1.0, 2.0])
    y = sp.softmax(x)
    np.testing.assert_allclose(ft.jacrev(nn.softmax)(x), np.diag(y) - np.outer(y, y),
                               rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(ft.jacfwd(nn.log_softmax)(x), np.eye(3) - y, rtol=1e-14)


def test_transformations_compose():
    x = np.linspace(-2.0, 2.0, 12).reshape(3, 4)
    f = ft.jit(ft.vmap(ft.grad(lambda v: fnp.sum(nn.softmax(v) * v))))
    want = np.stack([ft.grad(lambda v: fnp.sum(nn.softmax(v) * v))(row) for row in x])
    np.testing.assert_allclose(f(x), want, rtol=1e-14)


def test_dtypes_preserved():
    x32 = np.array([0.5, -1.0], np.float32)
    for f in (nn.relu, nn.gelu, nn.sigmoid, nn.softplus, nn.softmax, nn.log_softmax,
              nn.standardize, nn.hard_sigmoid):
        assert f(x32).dtype == np.float32, f
    assert nn.logsumexp(x32).dtype == np.float32
    assert nn.sigmoid(np.array([1, 2])).dtype == np.float64


def test_errors():
    with pytest.raises(errors.FunctransValueError, match="glu: x has length 3"):
        nn.glu(np.ones(3))
    with pytest.raises(errors.FunctransTypeError, match="num_classes"):
        nn.one_hot(np.array([1]), 2.0)
    with pytest.raises(errors.AxisError):
        nn.softmax(np.ones(3), axis=1)


def test_logistic_regression_example_loss_falls():
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.run([sys.executable, str(root / "examples" / "logistic_regression.py")],
                          capture_output=True, text=True, env=env, timeout=60, cwd=root,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    losses = [float(v) for v in re.findall(r"step\s+\d+\s+loss\s+([0-9.eE+-]+)", proc.stdout)]
    assert len(losses) >= 5 and losses[-1] < 0.1 * losses[0], proc.stdout
    assert all(b < a for a, b in zip(losses, losses[1:], strict=False)), losses
    assert float(re.search(r"training accuracy: ([0-9.]+)", proc.stdout).group(1)) > 0.9
