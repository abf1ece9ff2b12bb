"""bench/run.py on tiny sizes: every workload runs and its derivatives agree with the
hand-written NumPy references, which are themselves checked against central differences.
No timing is asserted."""
from __future__ import annotations

import importlib.util
import io
import os
import sys

import numpy as np
import pytest

_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench",
                     "run.py")


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("functrans_bench_run", _PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def _numeric_jacobian(f, x, eps=1e-6):
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = eps
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    out = np.stack(cols, axis=-1)
    return out.reshape(out.shape[:-1] + x.shape)


def test_tiny_run_checks_every_workload(bench):
    out = io.StringIO()
    rows = bench.run("tiny", repeats=1, out=out)   # raises if a result disagrees
    names = [r.name for r in rows]
    assert len(rows) == len(bench.SIZES["tiny"]["mlp"]) + 8
    for prefix in ("grad MLP", "jacfwd", "jacrev", "hessian", "grad sum(jacfwd", "grad 31-op",
                   "make_jaxpr(grad)"):
        assert any(n.startswith(prefix) for n in names), prefix
    for row in rows:
        assert row.functrans > 0 and row.name in out.getvalue()


def test_check_rejects_a_wrong_result(bench):
    w = bench.Workload("wrong", lambda: np.ones(2), lambda: np.ones(2), lambda: np.zeros(2))
    with pytest.raises(AssertionError, match="wrong"):
        bench.check(w)


def test_references_agree_with_central_differences(bench):
    rng = np.random.default_rng(1)
    w = rng.standard_normal((4, 4)) / 2
    x = rng.standard_normal(4)
    jac = _numeric_jacobian(lambda v: np.tanh(w @ v) * v, x)
    np.testing.assert_allclose(bench._tanh_map_jacobian(w, x), jac, rtol=1e-6, atol=1e-8)

    def jacobian_norm(v):
        return np.sum(bench._tanh_map_jacobian(w, v) ** 2)

    np.testing.assert_allclose(bench._jacobian_norm_grad_numpy(w, x),
                               _numeric_jacobian(jacobian_norm, x), rtol=1e-6, atol=1e-8)
    v = np.linspace(0, 1, 10)
    np.testing.assert_allclose(bench.chain_grad_numpy(v, 7),
                               _numeric_jacobian(lambda u: float(bench.chain(u, 7)), v),
                               rtol=1e-6)


def test_mlp_backprop_agrees_with_central_differences(bench):
    rng = np.random.default_rng(2)
    params = bench._mlp_params(rng, (3, 5, 4, 2))
    x = rng.standard_normal((6, 3))
    y = rng.standard_normal((6, 2))
    grads = bench.mlp_grad_numpy(params, x, y)
    for layer in range(len(params)):
        for k in range(2):
            def loss_of(p, layer=layer, k=k):
                ps = [list(wb) for wb in params]
                ps[layer][k] = p
                return float(bench.mlp_loss(ps, x, y))

            np.testing.assert_allclose(grads[layer][k],
                                       _numeric_jacobian(loss_of, params[layer][k]),
                                       rtol=1e-6, atol=1e-9)


def test_main_prints_versions_and_the_table(bench, capsys):
    bench.main(["--size", "tiny", "--repeats", "1"])
    text = capsys.readouterr().out
    assert "numpy " + np.__version__ in text and "commit" in text
    assert "ft.jit" in text and "optimize():" in text and "make_jaxpr(grad)" in text
