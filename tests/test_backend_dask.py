"""functrans programs evaluated on Dask arrays: chunk-wise, lazily, and on a cluster (issue 18).

The workload is a two-layer tanh MLP with a mean-squared-error loss: parameters as NumPy arrays,
data as Dask arrays whose chunks do not divide the number of rows (1000 rows in chunks of 300).
Every transformation the issue names (`jit(grad)`, `grad`, `value_and_grad`, `jacrev`,
`vmap(grad)` over the chunked batch axis) must give Dask arrays, lazy until computed, equal to
the NumPy run within the rounding of a chunked (tree) reduction. And the computation must be
chunk-wise: a scheduler callback sees every task Dask runs and checks that none of them holds a
whole data-sized array. The distributed test starts a two-process `LocalCluster` on the
loopback interface and closes it.
"""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import nn

da = pytest.importorskip("dask.array", reason="Dask is not installed (pip install '.[dask]')")
dask = pytest.importorskip("dask")
callbacks = pytest.importorskip("dask.callbacks")

N, D, H = 1000, 5, 8          # rows, features, hidden units
CHUNK = 300                   # does not divide N: chunks (300, 300, 300, 100)
RTOL = 1e-12                  # a chunked sum adds in another order than NumPy's pairwise sum


def loss(params, X, y):
    h = fnp.tanh(X @ params["W1"] + params["b1"])
    out = h @ params["W2"] + params["b2"]
    return fnp.mean((out - y) ** 2)


def example_loss(params, x, y):
    """The loss of one example (a row x and its target y), for per-example gradients."""
    return loss(params, x[None, :], y[None])


def _params():
    rng = np.random.default_rng(0)
    return {"W1": rng.standard_normal((D, H)) / np.sqrt(D), "b1": 0.1 * rng.standard_normal(H),
            "W2": rng.standard_normal(H) / np.sqrt(H), "b2": np.array(0.3)}


def _data():
    """X and y generated chunk by chunk (never whole, not even in the graph), and their
    NumPy values for the reference."""
    rs = da.random.default_rng(1)
    X = rs.standard_normal((N, D), chunks=(CHUNK, D))
    y = rs.standard_normal(N, chunks=CHUNK)
    Xn, yn = dask.compute(X, y)
    return X, y, Xn, yn


def _assert_lazy_and_close(got, want):
    got_leaves, want_leaves = ft.tree_util.tree_leaves(got), ft.tree_util.tree_leaves(want)
    assert len(got_leaves) == len(want_leaves)
    for g in got_leaves:
        assert isinstance(g, da.Array), f"a result is a {type(g).__name__}, not a Dask array"
    computed = dask.compute(*got_leaves)
    for g, w in zip(computed, want_leaves, strict=True):
        assert g.shape == np.shape(w) and g.dtype == np.asarray(w).dtype, (g.shape, g.dtype)
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=RTOL * np.max(np.abs(w)))


# NumPy 2 moved it; the project supports NumPy >= 1.26.
_byte_bounds = getattr(getattr(np.lib, "array_utils", np), "byte_bounds", None) or np.byte_bounds


class _Tasks(callbacks.Callback):
    """Counts the tasks Dask runs and records each result's memory footprint: the span of
    bytes it addresses (a broadcast or a slice is a view and spans its data only)."""

    def __init__(self):
        super().__init__()
        self.count = 0
        self.biggest = (0, None)

    def _posttask(self, key, result, dsk, state, worker_id):
        self.count += 1
        if isinstance(result, np.ndarray) and result.size:
            lo, hi = _byte_bounds(result)
            if hi - lo > self.biggest[0]:
                self.biggest = (hi - lo, key)


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize("transform", ["jit_grad", "grad", "value_and_grad", "jacrev_b1"])
def test_mlp_derivatives_on_dask_equal_numpy(transform):
    params = _params()
    X, y, Xn, yn = _data()
    fun = {"jit_grad": ft.jit(ft.grad(loss)), "grad": ft.grad(loss),
           "value_and_grad": ft.value_and_grad(loss),
           # the Jacobian of the hidden layer's mean activation w.r.t. the small b1: H x H
           "jacrev_b1": ft.jacrev(lambda b1, X: fnp.mean(
               fnp.tanh(X @ params["W1"] + b1), axis=0))}[transform]
    args = (params["b1"], X) if transform == "jacrev_b1" else (params, X, y)
    nargs = (params["b1"], Xn) if transform == "jacrev_b1" else (params, Xn, yn)
    with _Tasks() as tasks:
        got = fun(*args)
    assert tasks.count == 0, "evaluating the program computed something: it must stay lazy"
    _assert_lazy_and_close(got, fun(*nargs))


@pytest.mark.parametrize("jit", [False, True], ids=["vmap_grad", "jit_vmap_grad"])
def test_per_example_gradients_chunk_by_chunk(jit):
    params = _params()
    X, y, Xn, yn = _data()
    per_example = ft.vmap(ft.grad(example_loss), in_axes=(None, 0, 0))
    if jit:
        per_example = ft.jit(per_example)
    got = per_example(params, X, y)
    for name, g in got.items():
        assert isinstance(g, da.Array), name
        assert g.chunks[0] == X.chunks[0], f"{name}: the batch axis lost X's chunks {g.chunks}"
    _assert_lazy_and_close(got, per_example(params, Xn, yn))
    # and they average to the full gradient
    mean = {k: v.mean(axis=0) for k, v in got.items()}
    _assert_lazy_and_close(mean, ft.grad(loss)(params, Xn, yn))


# --------------------------------------------------------------------------- chunk-wise


def test_the_forward_pass_keeps_the_chunks_of_the_data():
    params = _params()
    X, _, Xn, _ = _data()
    hidden = ft.jit(lambda p, X: fnp.tanh(X @ p["W1"] + p["b1"]))(params, X)
    assert isinstance(hidden, da.Array)
    assert hidden.chunks == (X.chunks[0], (H,)), hidden.chunks


def test_the_gradient_is_computed_chunk_wise_and_never_whole():
    """Every task's result spans less memory than one chunk of the widest intermediate (rows of
    a chunk x hidden units): the data, the hidden layer and their cotangents never exist whole,
    and the sums over rows are Dask tree reductions (partial sums per chunk, then combined)."""
    params = _params()
    X, y, Xn, yn = _data()
    g = ft.jit(ft.grad(loss))(params, X, y)
    layers = list(g["W1"].__dask_graph__().layers)
    assert any("aggregate" in name for name in layers), layers
    with _Tasks() as tasks:
        (got,) = dask.compute(g, scheduler="sync")
    chunk_bytes = CHUNK * H * 8
    assert tasks.biggest[0] <= chunk_bytes, (
        f"task {tasks.biggest[1]} holds {tasks.biggest[0]} bytes, more than a chunk "
        f"({chunk_bytes}); the whole data is {Xn.nbytes} bytes")
    assert tasks.count >= 4 * len(X.chunks[0]), tasks.count
    want = ft.grad(loss)(params, Xn, yn)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=RTOL, atol=RTOL)


def _graph_bytes(arrays) -> int:
    cloudpickle = pytest.importorskip("cloudpickle")
    graph = {}
    for a in arrays:
        graph.update(dict(a.__dask_graph__()))
    return len(cloudpickle.dumps(graph))


def test_a_constant_folded_to_the_data_shape_is_not_embedded_whole():
    """`where(z > 0, z, 0.0)` folds its 0.0 to a constant of the data's shape (a NumPy
    broadcast view); it is moved into Dask as a broadcast, not as a data-sized array embedded
    in the graph (which a cluster's scheduler would receive whole)."""
    rows = 100_000
    X = da.random.default_rng(0).standard_normal((rows, 3), chunks=(30_000, 3))
    relu = ft.jit(lambda X: fnp.where(X > 0, X, 0.0) * 2.0)(X)
    assert _graph_bytes([relu]) < rows * 8 // 10
    np.testing.assert_array_equal(relu.compute(), 2.0 * np.maximum(X.compute(), 0.0))


def test_a_gradient_graph_embeds_no_data_sized_constant():
    rows = 100_000
    rs = da.random.default_rng(0)
    X = rs.standard_normal((rows, 4), chunks=(30_000, 4))
    y = rs.random(rows, chunks=30_000)

    def logistic(p, X, y):
        z = X @ p["w"] + p["b"]
        return fnp.mean(nn.softplus(z) - y * z + fnp.where(z > 0, z, 0.0))

    g = ft.jit(ft.grad(logistic))({"w": np.zeros(4), "b": np.array(0.0)}, X, y)
    assert _graph_bytes(g.values()) < rows * 8 // 10


def test_a_constant_result_is_a_dask_array_too():
    X, _, _, _ = _data()
    out = ft.jit(lambda X: (fnp.sum(X), np.float64(2.0)))(X)
    assert all(isinstance(o, da.Array) for o in out), [type(o) for o in out]


def test_unknown_chunk_sizes_are_refused_with_advice():
    X, _, _, _ = _data()
    unknown = X[X[:, 0] > 0]    # boolean indexing: the number of rows is not known yet
    with pytest.raises(ft.errors.FunctransValueError, match="compute_chunk_sizes"):
        ft.grad(lambda X: fnp.sum(X ** 2))(unknown)


# --------------------------------------------------------------------------- distributed


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None,
                                       silence_logs=40)
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


def test_gradient_on_a_local_cluster(client):
    """The gradient's graph runs on two worker processes; their results equal NumPy's."""
    params = _params()
    X, y, Xn, yn = _data()
    g = ft.jit(ft.grad(loss))(params, X, y)
    got = client.gather(client.compute(g))
    want = ft.grad(loss)(params, Xn, yn)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=RTOL, atol=RTOL)
    who = client.run(lambda: 1)
    assert len(who) == 2, who


def test_per_example_gradients_on_a_local_cluster(client):
    params = _params()
    X, y, Xn, yn = _data()
    per_example = ft.jit(ft.vmap(ft.grad(example_loss), in_axes=(None, 0, 0)))
    got = client.gather(client.compute(per_example(params, X, y)))
    want = per_example(params, Xn, yn)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=RTOL, atol=RTOL)


def test_block_wise_primitives_on_a_local_cluster(client):
    """Primitives with core axes (a sort, an FFT) run block by block through
    `dask.array.apply_gufunc`; their blocks are pickled to the worker processes."""
    X, _, Xn, _ = _data()
    f = ft.jit(ft.grad(lambda X: fnp.sum(fnp.sort(X, axis=1)[:, -1] ** 2)
                       + fnp.sum(fnp.abs(fnp.fft.rfft(X, axis=1)) ** 2)))
    got = client.compute(f(X)).result(timeout=60)
    np.testing.assert_allclose(got, f(Xn), rtol=RTOL, atol=RTOL)
