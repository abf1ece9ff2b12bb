"""`conv_general_dilated` (issue 17): values against a direct loop written here, both
transposes by the adjoint identity, derivatives to order 2, vmap against a loop over each
operand's batch axis, the parameter conventions and errors; `functrans.scipy.signal` against
SciPy; the convnet example's loss falls."""
from __future__ import annotations

import importlib.util
import itertools
import pathlib
import re

import numpy as np
import op_table  # noqa: F401  (first: op_table imports op_rows_conv, which imports op_table)
import pytest
import rule_checks
import scipy.signal as ss
from op_rows_conv import reference_conv
from test_docs import run_example

import functrans as ft
import functrans.lax as lax
import functrans.scipy.signal as fss
from functrans import errors
from functrans.primitives import convolution
from functrans.test_util import check_grads

P = convolution.conv_general_dilated_p


# --------------------------------------------------------------------------- random configs


def _config(rng: np.random.Generator, nsp: int) -> dict:
    """Random operand shapes and params of an `nsp`-d convolution (normalized params)."""
    groups = int(rng.choice([1, 1, 2, 3]))
    n, cg, og = int(rng.integers(1, 3)), int(rng.integers(1, 3)), int(rng.integers(1, 3))
    kernel = tuple(int(k) for k in rng.integers(1, 4, nsp))
    size = tuple(int(s) for s in rng.integers(3, 7 if nsp < 3 else 5, nsp))
    strides = tuple(int(s) for s in rng.integers(1, 3, nsp))
    lhs_dil = tuple(int(s) for s in rng.choice([1, 1, 2], nsp))
    rhs_dil = tuple(int(s) for s in rng.choice([1, 1, 2], nsp))
    padding = tuple((int(lo), int(hi)) for lo, hi in rng.integers(-1, 3, (nsp, 2)))
    specs = tuple(tuple(int(d) for d in rng.permutation(nsp + 2)) for _ in range(3))
    lhs_canon = (n, cg * groups, *size)
    rhs_canon = (og * groups, cg, *kernel)
    lhs_shape = [0] * (nsp + 2)
    rhs_shape = [0] * (nsp + 2)
    for d, s in zip(specs[0], lhs_canon, strict=True):
        lhs_shape[d] = s
    for d, s in zip(specs[1], rhs_canon, strict=True):
        rhs_shape[d] = s
    params = dict(window_strides=strides, padding=padding, lhs_dilation=lhs_dil,
                  rhs_dilation=rhs_dil, dimension_numbers=specs, feature_group_count=groups)
    kind = rng.choice(["pairs", "pairs", "SAME", "VALID"])
    if kind != "pairs":
        params["padding"] = _string_pads(kind, size, kernel, strides, rhs_dil)
    return dict(lhs=tuple(lhs_shape), rhs=tuple(rhs_shape), params=params, padding=str(kind))


def _string_pads(kind: str, size, kernel, strides, rhs_dil) -> tuple:
    """JAX's meaning of 'SAME' (output ceil(size / stride), the odd pad at the end; the input
    dilation plays no part) and 'VALID'."""
    if kind == "VALID":
        return ((0, 0),) * len(size)
    pads = []
    for n, k, s, d in zip(size, kernel, strides, rhs_dil, strict=True):
        total = max(0, (-(-n // s) - 1) * s + (k - 1) * d + 1 - n)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


CONFIGS = [(nsp, seed) for nsp in (1, 2, 3) for seed in range(12 if nsp < 3 else 5)]


def _inputs(nsp: int, seed: int):
    rng = np.random.default_rng(1000 * nsp + seed)
    cfg = _config(rng, nsp)
    lhs = rng.standard_normal(cfg["lhs"])
    rhs = rng.standard_normal(cfg["rhs"])
    return lhs, rhs, cfg["params"], cfg["padding"]


def _ref(lhs, rhs, params):
    return reference_conv(lhs, rhs, params["window_strides"], params["padding"],
                          params["lhs_dilation"], params["rhs_dilation"],
                          params["dimension_numbers"], params["feature_group_count"])


def _call(lhs, rhs, params, padding="pairs"):
    """The public function, with the padding as the string it stands for when it is one."""
    return lax.conv_general_dilated(
        lhs, rhs, params["window_strides"],
        params["padding"] if padding == "pairs" else padding, params["lhs_dilation"],
        params["rhs_dilation"], params["dimension_numbers"], params["feature_group_count"])


@pytest.mark.parametrize("nsp,seed", CONFIGS)
def test_values_match_a_direct_loop(nsp, seed):
    lhs, rhs, params, padding = _inputs(nsp, seed)
    out = _call(lhs, rhs, params, padding)
    np.testing.assert_allclose(out, _ref(lhs, rhs, params), rtol=1e-12, atol=1e-12)
    assert ft.make_jaxpr(lambda a, b: _call(a, b, params, padding))(lhs, rhs) \
        .out_avals[0].shape == out.shape
    np.testing.assert_allclose(ft.jit(lambda a, b: _call(a, b, params, padding))(lhs, rhs),
                               out, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("nsp,seed", CONFIGS)
def test_both_transposes_satisfy_the_adjoint_identity(nsp, seed):
    lhs, rhs, params, _ = _inputs(nsp, seed)
    rule_checks.check_transpose_rule(P, (lhs, rhs), (0,), params)
    rule_checks.check_transpose_rule(P, (lhs, rhs), (1,), params)


@pytest.mark.parametrize("nsp,seed", CONFIGS[::3])
def test_derivatives_to_order_two(nsp, seed):
    lhs, rhs, params, padding = _inputs(nsp, seed)
    rule_checks.check_jvp_rule(P, (lhs, rhs), params)
    check_grads(lambda a, b: _call(a, b, params, padding), (lhs, rhs), order=2)


@pytest.mark.parametrize("nsp,seed", CONFIGS[::2])
@pytest.mark.parametrize("in_axes", [(0, None), (None, 0), (0, 0), (2, 1)])
def test_vmap_matches_a_loop(nsp, seed, in_axes):
    lhs, rhs, params, _ = _inputs(nsp, seed)
    rng = np.random.default_rng(seed)
    batch = 3
    args = []
    for x, ax in zip((lhs, rhs), in_axes, strict=True):
        if ax is None:
            args.append(x)
        else:
            ax = min(ax, x.ndim)
            args.append(np.moveaxis(rng.standard_normal((batch, *x.shape)), 0, ax))
    axes = tuple(None if a is None else min(a, x.ndim)
                 for a, x in zip(in_axes, (lhs, rhs), strict=True))
    got = ft.vmap(lambda a, b: _call(a, b, params), in_axes=axes)(*args)
    want = np.stack([_ref(*(x if a is None else np.take(x, i, axis=a)
                            for x, a in zip(args, axes, strict=True)), params)
                     for i in range(batch)])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    rule_checks.check_batch_rule(P, args, axes, params)


def test_vmap_of_grad_is_per_example():
    lhs, rhs, params, _ = _inputs(2, 1)

    def loss(w, x):
        return ft.numpy.sum(_call(x[None], w, params) ** 2)

    xs = np.random.default_rng(0).standard_normal((4, *lhs.shape[1:]))
    got = ft.vmap(ft.grad(loss), in_axes=(None, 0))(rhs, xs)
    want = np.stack([ft.grad(loss)(rhs, x) for x in xs])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- conventions


def test_dimension_number_strings_follow_jax():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 7, 6, 3))      # NHWC
    w = rng.standard_normal((3, 2, 3, 4))      # HWIO
    out = lax.conv_general_dilated(x, w, (2, 1), "SAME", dimension_numbers=("NHWC", "HWIO",
                                                                           "NHWC"))
    ref = lax.conv_general_dilated(x.transpose(0, 3, 1, 2), w.transpose(3, 2, 0, 1), (2, 1),
                                   "SAME")
    np.testing.assert_allclose(out, ref.transpose(0, 2, 3, 1), rtol=1e-12)
    assert out.shape == (2, 4, 6, 4)
    # The spatial order is the kernel's: 'WH' swaps what the strides and pads refer to.
    specs = convolution.conv_dimension_numbers(4, 4, ("NCHW", "OIWH", "NCHW"))
    assert specs == ((0, 1, 3, 2), (0, 1, 2, 3), (0, 1, 3, 2))


def test_padding_modes():
    x = np.arange(10.0).reshape(1, 1, 10)
    w = np.ones((1, 1, 4))
    # SAME: output ceil(10 / 3) = 4, total pad (4 - 1) * 3 + 4 - 10 = 3: 1 before, 2 after.
    same = lax.conv_general_dilated(x, w, (3,), "SAME")
    np.testing.assert_array_equal(same, lax.conv_general_dilated(x, w, (3,), [(1, 2)]))
    lower = lax.conv_general_dilated(x, w, (3,), "same_lower")
    np.testing.assert_array_equal(lower, lax.conv_general_dilated(x, w, (3,), [(2, 1)]))
    valid = lax.conv_general_dilated(x, w, (3,), "VALID")
    np.testing.assert_array_equal(valid, [[[6.0, 18.0, 30.0]]])
    # A negative pad crops.
    np.testing.assert_array_equal(lax.conv_general_dilated(x, w, (1,), [(-2, -1)]),
                                  [[[14.0, 18.0, 22.0, 26.0]]])


def test_integer_operands_are_exact():
    x = np.arange(12, dtype=np.int64).reshape(1, 2, 6)
    w = np.array([[[1, -2], [3, 0]]], dtype=np.int64)
    out = lax.conv(x, w, (1,), "VALID")
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, reference_conv(x, w, (1,), ((0, 0),), (1,), (1,),
                                                      ((0, 1, 2),) * 3, 1))


def test_preferred_element_type_converts_the_operands():
    x, w = np.ones((1, 1, 4), np.float32), np.ones((1, 1, 2), np.float32)
    assert lax.conv(x, w, (1,), "VALID").dtype == np.float32
    assert lax.conv(x, w, (1,), "VALID", preferred_element_type=np.float64).dtype == np.float64


def test_traced_fillvalue_differentiates():
    rng = np.random.default_rng(0)
    x, k = rng.standard_normal((4, 3)), rng.standard_normal((2, 2))

    def total(fill):
        return ft.numpy.sum(fss.convolve2d(x, k, fillvalue=fill))

    np.testing.assert_allclose(total(1.5), ss.convolve2d(x, k, fillvalue=1.5).sum())
    # d/d fill: each kernel entry times the number of outputs its window reads outside x.
    eps = 1e-6
    np.testing.assert_allclose(ft.grad(total)(1.5), (total(1.5 + eps) - total(1.5 - eps))
                               / (2 * eps), rtol=1e-6)


def test_empty_operands():
    out = lax.conv(np.ones((0, 2, 5)), np.ones((3, 2, 2)), (1,), "VALID")
    assert out.shape == (0, 3, 4)
    g = ft.grad(lambda w: ft.numpy.sum(lax.conv(np.ones((1, 2, 1)), w, (1,), "VALID")))(
        np.ones((3, 2, 2)))
    np.testing.assert_array_equal(g, np.zeros((3, 2, 2)))


@pytest.mark.parametrize("call, error, match", [
    (lambda: lax.conv(np.ones((1, 2, 5)), np.ones((1, 3, 2)), (1,), "VALID"),
     errors.ShapeError, "input features"),
    (lambda: lax.conv(np.ones((1, 2, 5)), np.ones((1, 2, 2), np.float32), (1,), "VALID"),
     errors.ShapeError, "same dtype"),
    (lambda: lax.conv(np.ones((1, 2, 5)), np.ones((1, 2, 2)), (1, 1), "VALID"),
     errors.FunctransValueError, "window_strides"),
    (lambda: lax.conv(np.ones((1, 2, 5)), np.ones((1, 2, 2)), (1,), "FULL"),
     errors.FunctransValueError, "padding='FULL'"),
    (lambda: lax.conv(np.ones((1, 2, 5)), np.ones((1, 2, 2, 2)), (1,), "VALID"),
     errors.ShapeError, "same rank"),
    (lambda: lax.conv_general_dilated(np.ones((1, 2, 5)), np.ones((1, 2, 2)), (1,), "VALID",
                                      dimension_numbers=("NCH", "OIW", "NCH")),
     errors.FunctransValueError, "spatial letters"),
    (lambda: lax.conv_general_dilated(np.ones((1, 2, 5)), np.ones((1, 2, 2)), (1,), "VALID",
                                      batch_group_count=2),
     errors.FunctransValueError, "batch_group_count"),
])
def test_errors_name_the_problem(call, error, match):
    with pytest.raises(error, match=re.escape(match) if "'" in match else match):
        call()


def test_flops_count_multiply_adds():
    x, w = np.ones((2, 4, 8, 8)), np.ones((6, 2, 3, 3))
    closed = ft.make_jaxpr(lambda a, b: lax.conv_general_dilated(
        a, b, (1, 1), "VALID", feature_group_count=2))(x, w)
    # 2 * outputs (2 * 6 * 6 * 6) * kernel elements per output (2 * 3 * 3)
    assert closed.stats()["flops"] == 2 * (2 * 6 * 6 * 6) * 18


# --------------------------------------------------------------------------- scipy.signal

_PAIRS = [((4, 6), (2, 2)), ((4, 6), (3, 2)), ((4, 6), (4, 3)), ((3, 3), (6, 4)),
          ((2, 6), (4, 2)), ((6, 6), (6, 6)), ((1, 1), (3, 2))]


@pytest.mark.parametrize("shapes", _PAIRS)
@pytest.mark.parametrize("name", ["convolve", "correlate", "convolve2d", "correlate2d"])
def test_signal_matches_scipy(shapes, name):
    rng = np.random.default_rng(len(name))
    x, k = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    options = [{}]
    if name.endswith("2d"):
        options += [dict(boundary="wrap"), dict(boundary="symm"), dict(fillvalue=-0.5)]
    for mode, kw in itertools.product(("full", "same", "valid"), options):
        try:
            want = getattr(ss, name)(x, k, mode, **kw)
        except ValueError:
            with pytest.raises(errors.FunctransValueError, match="at least as large"):
                getattr(fss, name)(x, k, mode, **kw)
            continue
        got = getattr(fss, name)(x, k, mode, **kw)
        assert got.shape == want.shape, (mode, kw)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=f"{mode} {kw}")


def test_signal_errors():
    with pytest.raises(errors.FunctransValueError, match="same dimensionality"):
        fss.convolve(np.ones(3), np.ones((2, 2)))
    with pytest.raises(errors.FunctransValueError, match="2-D"):
        fss.convolve2d(np.ones(3), np.ones(2))
    with pytest.raises(errors.FunctransValueError, match="empty"):
        fss.correlate(np.ones(0), np.ones(2))
    with pytest.raises(errors.FunctransValueError, match="mode"):
        fss.convolve(np.ones(3), np.ones(2), "wide")
    with pytest.raises(errors.FunctransValueError, match="boundary"):
        fss.convolve2d(np.ones((2, 2)), np.ones((2, 2)), boundary="reflect")
    with pytest.raises(errors.FunctransValueError, match="method"):
        fss.convolve(np.ones(3), np.ones(2), method="slow")


# --------------------------------------------------------------------------- the example


def test_convnet_example_loss_falls_and_per_example_gradients_agree():
    out = run_example("convnet.py")
    first, last = map(float, re.search(r"loss: ([0-9.]+) -> ([0-9.]+)", out).groups())
    assert last < 0.5 * first, out
    (accuracy,) = map(float, re.search(r"accuracy on 96 new images: ([0-9.]+)", out).groups())
    assert accuracy > 0.6, out
    (diff,) = map(float, re.search(r"batch gradient: ([0-9.eE+-]+)", out).groups())
    assert diff < 1e-12, out


def test_convnet_bench_runs_and_agrees_with_its_numpy_reference(capsys):
    path = pathlib.Path(__file__).resolve().parent.parent / "bench" / "convnet.py"
    spec = importlib.util.spec_from_file_location("functrans_bench_convnet", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.main(1)   # asserts that ft.grad and jit(grad) match the hand-written gradient
    assert "x NumPy" in capsys.readouterr().out
