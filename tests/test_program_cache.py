"""The program cache of un-jitted transformations (functrans/cache.CACHE.py).

Un-jitted grad/value_and_grad/jacfwd/jacrev re-trace the user's function on every call and
reuse the transformed program when the traced structure was seen before. These tests check
that a cached call computes exactly (bit for bit) what the uncached path computes, that the
key tells apart programs that differ in anything but the values of closed-over arrays, and
that the cache is bounded, can be turned off, and is safe across threads.
"""
from __future__ import annotations

import threading
from unittest import mock

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import cache, ir, lax
from functrans.primitives import transcendental


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.CACHE.clear()
    yield
    cache.CACHE.set_max_size(256)
    cache.CACHE.clear()


def _calls(fn, *args, n=4):
    """`fn(*args)` n times: first sighting, build, then hits."""
    return [fn(*args) for _ in range(n)]


def _bits(x):
    """The bytes of `x` with every NaN made the same NaN: the optimizer may change the sign and
    payload of a NaN (documented in optimize.py), nothing else."""
    x = np.array(x)
    if x.dtype.kind == "f":
        x[np.isnan(x)] = np.nan
    return x.dtype, x.shape, x.tobytes()


def _bitwise_equal(a, b) -> bool:
    la, lb = ft.tree_util.tree_leaves(a), ft.tree_util.tree_leaves(b)
    return len(la) == len(lb) and all(_bits(x) == _bits(y) for x, y in zip(la, lb, strict=True))


def _uncached(fn, *args):
    before = cache.CACHE.info()
    with cache.CACHE.disabled():
        out = fn(*args)
    after = cache.CACHE.info()
    assert all(after[k] == before[k] for k in ("hits", "misses", "builds", "size"))
    return out


W = np.array([[0.3, -1.2, 0.5], [2.0, 0.1, -0.7]])


def mlp(params, x):
    (w1, b1), (w2, b2) = params
    h = fnp.tanh(x @ w1 + b1)
    return fnp.mean((h @ w2 + b2) ** 2)


PARAMS = [(np.linspace(-1, 1, 6).reshape(3, 2), np.array([0.1, -0.2])),
          (np.linspace(0.5, -0.5, 4).reshape(2, 2), np.array([0.0, 0.3]))]
X = np.array([[0.2, -0.4, 1.5], [1.0, 0.5, -2.0]])

CASES = {
    "grad mlp": lambda: (ft.grad(mlp), (PARAMS, X)),
    "grad argnums": lambda: (ft.grad(mlp, argnums=(0, 1)), (PARAMS, X)),
    "value_and_grad aux": lambda: (
        ft.value_and_grad(lambda x: (fnp.sum(fnp.sin(x) * W), fnp.cos(x)), has_aux=True),
        (np.array([[1.0, 2.0, 3.0], [0.5, -0.5, 0.25]]),)),
    "grad int arg": lambda: (ft.grad(lambda x, n: fnp.sum(x ** 2) * n), (np.ones(3), 3)),
    "jacfwd": lambda: (ft.jacfwd(lambda x: fnp.tanh(W @ x) * fnp.sum(x)),
                       (np.array([.1, .2, .3]),)),
    "jacrev": lambda: (ft.jacrev(lambda x: fnp.tanh(W @ x) * fnp.sum(x)),
                       (np.array([.1, .2, .3]),)),
    "jacrev pytree aux": lambda: (
        ft.jacrev(lambda d: ({"a": d["x"] * 2.0, "b": fnp.sum(d["y"])}, d["x"]), has_aux=True),
        ({"x": np.array([1.0, -2.0]), "y": np.array([[3.0, 4.0]])},)),
    "hessian": lambda: (ft.hessian(lambda x: fnp.sum(fnp.log1p(fnp.exp(W @ x))) + x @ x),
                        (np.array([0.3, -0.1, 0.8]),)),
    "grad of jacfwd": lambda: (
        ft.grad(lambda x: fnp.sum(ft.jacfwd(lambda y: fnp.sin(W @ y))(x) ** 2)),
        (np.array([0.3, -0.1, 0.8]),)),
    "grad scalar": lambda: (ft.grad(lambda x: x * fnp.sin(x)), (0.7,)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_cached_calls_equal_the_uncached_path_bit_for_bit(name):
    fn, args = CASES[name]()
    want = _uncached(fn, *args)
    got = _calls(fn, *args)
    info = cache.CACHE.info()
    assert info["builds"] >= 1 and info["hits"] >= 1, info
    for g in got:
        assert _bitwise_equal(g, want), name


def test_first_sighting_builds_and_later_calls_hit():
    g = ft.grad(lambda x: fnp.sum(fnp.sin(x) * x))
    x = np.arange(3.0)
    g(x)
    assert cache.CACHE.info()["misses"] == 1 and cache.CACHE.info()["builds"] == 1
    g(x)
    g(x)
    assert cache.CACHE.info()["hits"] == 2 and cache.CACHE.info()["builds"] == 1


def test_closed_over_arrays_are_inputs_not_baked_in():
    c = np.array([1.0, 2.0, 3.0])
    g = ft.grad(lambda x: fnp.sum(x * c))
    x = np.zeros(3)
    _calls(g, x)
    c[:] = [10.0, 20.0, 30.0]       # un-jitted code sees the new values (unlike jit)
    np.testing.assert_array_equal(g(x), [10.0, 20.0, 30.0])
    assert cache.CACHE.info()["hits"] >= 2


def test_different_closures_with_the_same_structure_share_a_program():
    def make(c):
        return ft.grad(lambda x: fnp.sum(fnp.sin(x) * c))
    x = np.array([0.1, 0.2])
    for k in range(4):
        c = np.array([k, -k], float)
        np.testing.assert_allclose(make(c)(x), np.cos(x) * c)
    assert cache.CACHE.info()["builds"] == 1


@pytest.mark.parametrize("a, b", [(0.0, -0.0), (1.0, 1.0 + 2 ** -52), (2, 2.0)])
def test_literals_are_keyed_by_bits_and_type(a, b):
    x = np.array([1.0, -1.0, np.inf])

    def make(k):
        return ft.grad(lambda x: fnp.sum(fnp.maximum(x * k, -1.0) / (x * k + 1.0)))
    with np.errstate(all="ignore"):
        for k in (a, b, a, b, a, b):
            got = make(k)(x)
            want = _uncached(make(k), x)
            assert _bitwise_equal(got, want), (k, got, want)


def test_python_control_flow_changing_the_structure_gets_its_own_program():
    state = {"n": 1}

    def f(x):
        for _ in range(state["n"]):   # the program traced depends on Python state
            x = fnp.sin(x)
        return fnp.sum(x)
    g = ft.grad(f)
    x = np.array([0.5, 1.0])
    for n in (1, 2, 1, 2, 1, 2):
        state["n"] = n
        want = _uncached(g, x)
        np.testing.assert_array_equal(g(x), want)
    assert cache.CACHE.info()["builds"] == 2


def test_dtypes_and_shapes_are_part_of_the_key():
    g = ft.grad(lambda x: fnp.sum(x * x))
    for x in (np.ones(3), np.ones(3, np.float32), np.ones((3, 1)), np.ones(3)) * 2:
        got = g(x)
        assert got.dtype == x.dtype and got.shape == x.shape
        np.testing.assert_array_equal(got, 2 * x)


def test_results_do_not_alias_inputs_or_cached_constants():
    c = np.array([1.0, 2.0])
    g = ft.grad(lambda x: fnp.sum(x * c))
    outs = _calls(g, np.zeros(2))
    outs[-1][:] = 99.0
    np.testing.assert_array_equal(c, [1.0, 2.0])
    np.testing.assert_array_equal(g(np.zeros(2)), [1.0, 2.0])


def test_higher_order_programs_are_cached_like_any_other():
    """Sub-programs in params (loops, conds, jit calls) are keyed by their structure."""
    inner = ft.jit(lambda v: fnp.cos(v) * v)

    def f(x):
        y = lax.fori_loop(0, 3, lambda i, c: fnp.sin(c), x)
        y = lax.cond(fnp.sum(y) > 0, lambda v: v * 2.0, lambda v: -v, y)
        return fnp.sum(inner(y))
    g = ft.grad(f)
    x = np.array([0.3, 0.4])
    want = _uncached(g, x)
    outs = _calls(g, x)
    info = cache.CACHE.info()
    assert info["uncacheable"] == 0 and info["builds"] == 2 and info["hits"] >= 3, info
    assert all(_bitwise_equal(o, want) for o in outs)


def test_scan_gradients_are_cached():
    w = np.array([[0.5, -0.3], [0.2, 0.8]])

    def loss(w, xs):
        h, _ = lax.scan(lambda h, x: (fnp.tanh(w @ h + x), None), np.zeros(2), xs)
        return fnp.sum(h ** 2)
    g = ft.grad(loss)
    xs = np.linspace(-1, 1, 10).reshape(5, 2)
    want = _uncached(g, w, xs)
    outs = _calls(g, w, xs)
    assert cache.CACHE.info()["hits"] == 3
    assert all(_bitwise_equal(o, want) for o in outs)


def test_the_cache_is_bounded_and_can_be_turned_off():
    cache.CACHE.set_max_size(3)
    x = np.array([0.5])
    for n in range(10):
        g = ft.grad(lambda x, n=n: fnp.sum(x ** (n + 1)))
        g(x)
        g(x)
    assert cache.CACHE.info()["size"] <= 3
    cache.CACHE.set_max_size(0)
    assert cache.CACHE.info()["size"] == 0
    g(x)
    g(x)
    assert cache.CACHE.info()["size"] == 0
    with pytest.raises(ValueError, match="non-negative"):
        cache.CACHE.set_max_size(-1)


def test_inside_other_transformations_the_cache_is_not_used():
    g = ft.grad(lambda x: fnp.sum(fnp.sin(x)))
    x = np.array([0.1, 0.2])
    _calls(g, x)
    before = cache.CACHE.info()
    jaxpr = ft.make_jaxpr(g)(x)
    assert cache.CACHE.info()["hits"] == before["hits"]
    ir.check_jaxpr(jaxpr.jaxpr)
    np.testing.assert_array_equal(ft.jit(g)(x), g(x))


def test_threads_share_the_cache_safely():
    g = ft.grad(lambda x: fnp.sum(fnp.tanh(x) * x))
    xs = [np.linspace(-1, 1, 5) * k for k in range(8)]
    want = [_uncached(g, x) for x in xs]
    errors = []

    def work(i):
        try:
            for _ in range(20):
                assert _bitwise_equal(g(xs[i]), want[i])
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert cache.CACHE.info()["hits"] > 0


def test_structure_key_ignores_names_and_constant_values_only():
    def trace(f, *args):
        return ft.make_jaxpr(f)(*args).jaxpr   # optimized, but the same for equal programs

    x = np.ones(3)
    k1 = cache.structure_key(trace(lambda x: fnp.sin(x) * np.arange(3.0), x))
    c = np.array([5.0, -1.0, 2.0])
    k2 = cache.structure_key(trace(lambda x: fnp.sin(x) * c, x))
    k3 = cache.structure_key(trace(lambda x: fnp.cos(x) * c, x))
    k4 = cache.structure_key(trace(lambda x: c * fnp.sin(x), x))
    assert k1 == k2 and hash(k1) == hash(k2)
    assert k1 != k3 and k1 != k4


def test_jvp_and_vmap_are_cached_too():
    f = lambda x, y: (fnp.sin(x) * y, fnp.sum(x * W[0]))   # noqa: E731
    x, y, tx, ty = np.array([.1, .2, .3]), np.array([1., 2., 3.]), np.ones(3), np.arange(3.0)
    want = _uncached(ft.jvp, f, (x, y), (tx, ty))
    for got in _calls(ft.jvp, f, (x, y), (tx, ty)):
        assert _bitwise_equal(got, want)
    xs = np.linspace(-1, 1, 12).reshape(4, 3)
    v = ft.vmap(ft.grad(lambda x: fnp.sum(fnp.tanh(W @ x))), in_axes=0)
    want = _uncached(v, xs)
    for got in _calls(v, xs):
        assert _bitwise_equal(got, want)
    v1 = ft.vmap(lambda a, b: a * b, in_axes=(1, None), out_axes=1)
    want = _uncached(v1, xs, 2.0)
    for got in _calls(v1, xs, 2.0):
        assert _bitwise_equal(got, want)
    assert cache.CACHE.info()["hits"] >= 6


def _hessian_f(x):
    return fnp.sum(fnp.log1p(fnp.exp(W @ x))) + 0.5 * x @ x


@pytest.mark.parametrize("make, batched", [
    (lambda: ft.hessian(_hessian_f), False),
    (lambda: ft.grad(lambda x: fnp.sum(ft.jacrev(lambda y: fnp.tanh(W.T @ W @ y) * y)(x) ** 2)),
     False),
    (lambda: ft.vmap(ft.grad(lambda x: fnp.sum(fnp.sin(W @ x)))), True),
    (lambda: ft.jacfwd(ft.jacrev(lambda x: fnp.sin(x) * x[::-1])), False),
])
def test_nested_transformations_replay_the_raw_rewrite(make, batched):
    """Inside a trace the cache replays the raw rewrite: IR dumps (with source lines) do not
    depend on what ran before, and equal those of the ordinary path."""
    f = make()
    x = np.array([0.3, -0.1, 0.8])
    xs = np.stack([x, 2 * x]) if batched else x

    def dump():   # one call site: equations made by the API itself carry this line
        return ft.make_jaxpr(f)(xs).pretty(source=True)

    with cache.CACHE.disabled():
        want_dump = dump()
        want = f(xs)
    dumps = [dump() for _ in range(3)]
    assert cache.CACHE.info()["hits"] >= 2
    assert dumps == [want_dump] * 3
    ir.check_jaxpr(ft.make_jaxpr(f)(xs).jaxpr)
    for got in _calls(f, xs):
        assert _bitwise_equal(got, want)


def test_jacobians_give_the_same_result_on_every_call():
    """The optimized Jacobian program drops the basis' structural zeros (no 0 * inf = NaN
    artifacts), so it is used from the first call on."""
    w = np.array([[1.0, np.inf], [0.5, 2.0]])
    for jac in (ft.jacfwd, ft.jacrev):
        f = jac(lambda x: fnp.tanh(w @ x) * x)
        with np.errstate(all="ignore"):
            outs = _calls(f, np.array([0.5, 0.0]))
        assert all(_bitwise_equal(o, outs[0]) for o in outs)


@pytest.mark.parametrize("make, batched", [
    (lambda w: ft.vmap(ft.jacrev(lambda y: w @ y)), True),
    (lambda w: ft.grad(lambda y: ft.jacrev(lambda z: w @ (z * y))(y).sum()), False),
    (lambda w: (lambda x: ft.jvp(ft.jacrev(lambda y: w @ fnp.sin(y)), (x,), (x,))), False),
])
def test_programs_holding_a_jacobian_give_the_same_result_on_every_call(make, batched):
    w = np.array([[1.0, np.inf], [2.0, 3.0]])
    x = np.array([0.5, -1.0])
    f = make(w)
    with np.errstate(all="ignore"):
        outs = _calls(f, np.stack([x, x]) if batched else x)
    assert all(_bitwise_equal(o, outs[0]) for o in outs)


def test_dead_code_behaves_alike_on_every_call():
    """Cached programs are optimized from the first call on, like jit: dead code (here an
    out-of-range index whose value is unused) is not evaluated on any call. With the cache
    off the program is built the same way (and cleaned of dead code): no call evaluates it."""
    x = np.array([1.0, 2.0, 3.0])

    def f(y):
        _ = y[fnp.argmax(y) + 5]
        return fnp.sum(y ** 2)

    for got in _calls(ft.grad(f), x):
        np.testing.assert_array_equal(got, 2 * x)
    np.testing.assert_array_equal(ft.jit(ft.grad(f))(x), 2 * x)
    with cache.CACHE.disabled():
        np.testing.assert_array_equal(ft.grad(f)(x), 2 * x)


def test_each_call_site_keeps_its_own_source_lines():
    f = lambda x: fnp.sum(fnp.sin(x) * x)   # noqa: E731
    x = np.array([0.1, 0.2])
    a = ft.make_jaxpr(ft.grad(f))(x).pretty(source=True)
    b = ft.make_jaxpr(ft.grad(f))(x).pretty(source=True)
    line_a = a.splitlines()[-2].rsplit(":", 1)[1]
    line_b = b.splitlines()[-2].rsplit(":", 1)[1]
    assert int(line_b) == int(line_a) + 1, (a, b)


def test_outputs_never_share_memory_with_each_other():
    f = ft.vmap(lambda x: (x * 2.0, x * 2.0))
    for _ in range(3):
        a, b = f(np.ones((2, 3)))
        a += 1.0
        np.testing.assert_array_equal(b, 2.0)


def _scaled_sin_jvp(scale_of):
    """sin(x) with a custom JVP rule `scale_of() * cos(x) * t` (reads `scale_of` at tracing)."""
    @ft.custom_jvp
    def f(x):
        return fnp.sin(x)

    @f.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return fnp.sin(x), scale_of() * fnp.cos(x) * t
    return f


def _scaled_sin_vjp(scale_of):
    """sin(x) with a custom VJP whose bwd is `scale_of() * cos(x) * ct`."""
    @ft.custom_vjp
    def f(x):
        return fnp.sin(x)

    f.defvjp(lambda x: (fnp.sin(x), fnp.cos(x)), lambda c, ct: (scale_of() * c * ct,))
    return f


CUSTOM = {"custom_jvp": _scaled_sin_jvp, "custom_vjp": _scaled_sin_vjp}
XS = np.array([0.1, -0.7, 1.3])
CUSTOM_TRANSFORMS = {
    # name: (transformation of f, its value at XS for the rule's scale s)
    "grad": (lambda f: ft.grad(lambda x: fnp.sum(f(x) * W[0])),
             lambda s: s * np.cos(XS) * W[0]),
    "jacrev": (ft.jacrev, lambda s: np.diag(s * np.cos(XS))),
    "jacfwd": (ft.jacfwd, lambda s: np.diag(s * np.cos(XS))),
    "vmap": (ft.vmap, lambda s: np.sin(XS)),
    "vmap of grad": (lambda f: ft.vmap(ft.grad(lambda x: f(x) * 2.0)),
                     lambda s: 2.0 * s * np.cos(XS)),
    "jacrev of vmap": (lambda f: ft.jacrev(ft.vmap(f)), lambda s: np.diag(s * np.cos(XS))),
    "grad of jvp": (lambda f: ft.grad(lambda x: fnp.sum(ft.jvp(f, (x,), (x,))[1])),
                    lambda s: s * (np.cos(XS) - XS * np.sin(XS))),
    "hessian": (lambda f: ft.hessian(lambda x: fnp.sum(f(x))), lambda s: np.diag(-s * np.sin(XS))),
    "vmap of jacfwd": (lambda f: ft.vmap(ft.jacfwd(f)), lambda s: s * np.cos(XS)),
}


@pytest.mark.parametrize("transform", sorted(CUSTOM_TRANSFORMS))
@pytest.mark.parametrize("kind", sorted(CUSTOM))
def test_custom_derivative_programs_are_cached(kind, transform):
    # The rule objects key themselves by their traced programs (StagedRules.cache_key).
    f = CUSTOM[kind](lambda: 2.0)
    make, expected = CUSTOM_TRANSFORMS[transform]
    g = make(f)
    got, builds = [], []
    for _ in range(4):   # one call site: a nested transformation's key holds its source line
        got.append(g(XS))
        builds.append(cache.CACHE.info()["builds"])
    info = cache.CACHE.info()
    assert info["uncacheable"] == 0 and info["hits"] >= 3, info
    assert builds[0] >= 1 and builds[-1] == builds[0], builds   # built by the first call only
    want = _uncached(g, XS)
    for y in got:
        assert _bitwise_equal(y, want)
        np.testing.assert_allclose(y, expected(2.0), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("transform", ["grad", "jacfwd", "vmap of grad", "grad of jvp"])
@pytest.mark.parametrize("kind", sorted(CUSTOM))
def test_a_rule_reading_a_changed_python_value_is_not_stale(kind, transform):
    # The value is read when the rule is traced at the call: it is a literal of the rule's
    # program, so a new value is a new key.
    scale = [2.0]
    f = CUSTOM[kind](lambda: scale[0])
    make, expected = CUSTOM_TRANSFORMS[transform]
    g = make(f)
    for s in (2.0, 5.0, 2.0, 5.0):
        scale[0] = s
        np.testing.assert_allclose(g(XS), expected(s), rtol=1e-13, atol=1e-15)
    info = cache.CACHE.info()
    assert info["uncacheable"] == 0 and info["hits"] >= 2, info


@pytest.mark.parametrize("kind", sorted(CUSTOM))
def test_arrays_a_rule_closes_over_are_inputs_of_the_cached_program(kind):
    # They become operands of the call (like the body's constants): a new array on every
    # trace still hits, and its current value is used.
    w = np.array([1.0, 2.0, 3.0])
    f = CUSTOM[kind](lambda: w * 1.0)   # a new array each time the rule is traced
    g = ft.grad(lambda x: fnp.sum(f(x)))
    for k in range(4):
        w[0] = 1.0 + k
        np.testing.assert_allclose(g(XS), w * np.cos(XS), rtol=1e-13)
    info = cache.CACHE.info()
    assert info["builds"] == 1 and info["hits"] == 3 and info["uncacheable"] == 0, info


@pytest.mark.parametrize("kind", sorted(CUSTOM))
def test_same_body_different_rules_do_not_share_a_program(kind):
    f2, f3 = CUSTOM[kind](lambda: 2.0), CUSTOM[kind](lambda: 3.0)
    g2, g3 = ft.grad(lambda x: fnp.sum(f2(x))), ft.grad(lambda x: fnp.sum(f3(x)))
    for _ in range(3):
        for g, s in ((g2, 2.0), (g3, 3.0)):
            np.testing.assert_allclose(g(XS), s * np.cos(XS), rtol=1e-13)
    assert cache.CACHE.info()["builds"] == 2


def test_custom_rules_that_are_not_traced_are_not_cached():
    # A rule calling its own function (as softplus does) leaves the inner call's rule untraced
    # (tracing it would never end): its behaviour is Python's, so the program is not cached.
    scale = [1.0]

    @ft.custom_jvp
    def softplus(x):
        return fnp.log1p(fnp.exp(x))

    @softplus.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return softplus(x), scale[0] * t / (1.0 + fnp.exp(-x))

    g = ft.grad(softplus)
    for s in (1.0, 3.0):
        scale[0] = s
        for got in _calls(g, 0.5):
            np.testing.assert_allclose(got, s / (1.0 + np.exp(-0.5)), rtol=1e-14)
    info = cache.CACHE.info()
    assert info["size"] == 0 and info["uncacheable"] == 8, info


def test_literals_that_change_on_every_call_stop_being_cached():
    w = np.array([[0.5, -1.0], [2.0, 0.25]])
    x = np.array([0.3, -0.7])
    for k in range(20):
        beta = 1.0 + k / 10
        jac = ft.jacrev(lambda y, beta=beta: fnp.tanh(w @ y) * beta)(x)
        t = np.tanh(w @ x)
        np.testing.assert_allclose(jac, beta * (1 - t ** 2)[:, None] * w, rtol=1e-13)
    info = cache.CACHE.info()
    assert info["builds"] == cache.CACHE.VOLATILE_LIMIT
    assert info["uncacheable"] == 20 - cache.CACHE.VOLATILE_LIMIT


def test_changing_a_rule_invalidates_cached_programs():
    g = ft.grad(lambda x: fnp.sum(fnp.sin(x)))
    x = np.array([0.1, 0.2])
    _calls(g, x)
    bad = lambda primals, tangents: (transcendental.sin(primals[0]), tangents[0] * 2.0)  # noqa: E731
    good = transcendental.sin_p.jvp
    transcendental.sin_p.def_jvp(bad)   # def_* invalidates (a plain assignment would not)
    try:
        np.testing.assert_allclose(g(x), 2.0)
    finally:
        transcendental.sin_p.def_jvp(good)
    np.testing.assert_allclose(g(x), np.cos(x))


def test_the_cache_is_bounded_in_equations_too(monkeypatch):
    monkeypatch.setattr(cache.CACHE, "max_equations", 40)
    x = np.array([0.5, 0.25])

    def chain(n):
        def f(x):
            for _ in range(n):
                x = fnp.sin(x)
            return fnp.sum(x)
        return f

    for n in (3, 4, 5, 6, 7, 100):
        np.testing.assert_allclose(ft.grad(chain(n))(x), _uncached(ft.grad(chain(n)), x))
        assert cache.CACHE.info()["equations"] <= 40
    assert 0 < cache.CACHE.info()["size"] < 6


def test_outputs_that_are_views_of_inputs_or_each_other_are_copied():
    x = np.arange(6.0)
    outs = ft.vmap(lambda a: (a, a[::-1], a * 2.0))(x.reshape(3, 2))
    for o in outs:
        assert o.flags.writeable and not np.may_share_memory(o, x)
    assert not np.may_share_memory(outs[0], outs[1])
    many = ft.grad(lambda ps: sum(fnp.sum(p * 2.0) for p in ps))([np.ones(3)] * 300)
    assert len({id(m) for m in many}) == 300
    many[0][:] = 5.0
    assert all(np.array_equal(m, [2.0, 2.0, 2.0]) for m in many[1:])


def test_failures_to_build_raise_and_store_nothing():
    g = ft.grad(lambda x: fnp.sum(fnp.sin(x)))
    x = np.array([0.1, 0.2])
    with mock.patch.object(transcendental.sin_p, "jvp", None):
        for _ in range(2):   # raised on every call: no failure is remembered
            with pytest.raises(NotImplementedError, match="'sin' has no JVP rule"):
                g(x)
        assert cache.CACHE.info()["size"] == 0
    np.testing.assert_allclose(g(x), np.cos(x))


def test_jit_keeps_its_programs_in_the_shared_cache():
    f = ft.jit(lambda x: x * 2.0, cache_size=2)
    for n in (1, 2, 3, 1):
        np.testing.assert_array_equal(f(np.ones(n)), np.full(n, 2.0))
    assert f.cache_info() == {"size": 2, "maxsize": 2}
    assert cache.CACHE.info()["size"] == 2
    cache.CACHE.clear()
    assert f.cache_info()["size"] == 0
    f(np.ones(1))
    assert f.cache_info()["size"] == 1


def test_disabled_applies_to_one_thread_only():
    g = ft.grad(lambda x: fnp.sum(fnp.cos(x) * x))
    x = np.array([0.3, 0.6])
    g(x)
    seen = {}

    def other():
        before = cache.CACHE.info()["hits"]
        g(x)
        seen["hits"] = cache.CACHE.info()["hits"] - before

    with cache.CACHE.disabled():
        assert not cache.CACHE.enabled()
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen["hits"] == 1 and cache.CACHE.enabled()


def test_sub_programs_are_keyed_by_structure():
    def trace(body):
        return ft.make_jaxpr(lambda x: lax.fori_loop(0, 2, lambda i, c: body(c), x))(
            np.ones(2)).jaxpr

    k1 = cache.structure_key(trace(lambda c: fnp.sin(c)))
    k2 = cache.structure_key(trace(lambda c: fnp.sin(c)))
    k3 = cache.structure_key(trace(lambda c: fnp.cos(c)))
    assert k1 is not None and k1 == k2 and k1 != k3


def test_bools_and_ints_are_different_params():
    # True == 1 and hash(True) == hash(1): a param keyed by value alone would merge them.
    for literals in (True, False):
        assert cache._param_key(True, False, literals) != cache._param_key(1, False, literals)
        assert (cache._param_key((True, 2), False, literals)
                != cache._param_key((1, 2), False, literals))


def test_a_stable_program_rebuilt_after_eviction_stays_cacheable():
    # Three programs that differ only in a literal (one skeleton), in a cache holding two:
    # each is evicted and rebuilt over and over, which is not a literal that keeps changing.
    cache.CACHE.set_max_size(2)
    fs = [ft.grad(lambda x, c=c: fnp.sum(fnp.sin(x) * c)) for c in (1.5, 2.5, 3.5)]
    x = np.array([0.1, 0.2])
    for _ in range(2 * cache.ProgramCache.VOLATILE_LIMIT):
        for f, c in zip(fs, (1.5, 2.5, 3.5), strict=True):
            np.testing.assert_allclose(f(x), c * np.cos(x))
    info = cache.CACHE.info()
    assert info["uncacheable"] == 0, info
    assert info["builds"] == 6 * cache.ProgramCache.VOLATILE_LIMIT, info


def test_a_program_built_while_a_rule_changes_is_not_stored():
    # Another thread redefines a rule while this one builds: the program, made with the old
    # rule, must not be kept under the new rules' version.
    closed = ft.make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.ones(2))

    def build(lifted):
        transcendental.sin_p.def_jvp(transcendental.sin_p.jvp)   # a rule (re)defined
        return lifted

    program = cache.CACHE.program(("test",), closed, build, False)
    assert isinstance(program, ir.ClosedJaxpr)
    assert cache.CACHE.info()["size"] == 0
    cache.CACHE.program(("test",), closed, lambda lifted: lifted, False)
    assert cache.CACHE.info()["size"] == 1   # a build under unchanged rules is kept
