"""The threefry2x32 primitive (random bits from keys) and the few floating-point kernels the
samplers of `functrans.random` need to reproduce JAX's streams bit for bit.

Owns: `threefry2x32` (the counter-based hash of JAX's default PRNG, in NumPy `uint32`
arithmetic, vectorized over all counters), `fma` (a fused multiply-add with one rounding,
which XLA's CPU code generation uses for `u * (b - a) + a`), and `xla_erf_inv`, `xla_erf`,
`xla_log1p`: the rational and polynomial approximations XLA lowers `erf_inv`, `erf` and
`log1p` to (StableHLO's CHLO decompositions and XLA's CPU `log1p`), evaluated with the same
operation order and the same fused multiply-adds, so that `normal`, `truncated_normal` and
`exponential` equal JAX's. Their derivatives are the exact ones of the functions they
approximate.
Also owns `random_gamma_grad`, the derivative of a Gamma(a, 1) sample with respect to `a`
by implicit reparameterization (as JAX's primitive of that name).
Does not own key handling or sampling (`functrans/random/`).
"""
from __future__ import annotations

import math

import numpy as np

from functrans import backend, core, errors, ir
from functrans.primitives import _helpers, elementwise, shape, transcendental

__all__: list[str] = []

# --------------------------------------------------------------------------- threefry2x32

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = np.uint32(0x1BD11BDA)


def _rotate_left(x: np.ndarray, d: int) -> np.ndarray:
    return (x << np.uint32(d)) | (x >> np.uint32(32 - d))


def _threefry2x32_impl(k0, k1, x0, x1):
    """Threefry-2x32 with 20 rounds (Salmon et al. 2011), as JAX applies it: five groups of
    four rounds, the key schedule injected after each group."""
    k0 = backend.asarray(k0, np.uint32)
    k1 = backend.asarray(k1, np.uint32)
    ks = (k0, k1, k0 ^ k1 ^ _PARITY)
    with np.errstate(over="ignore"):
        x0 = backend.asarray(x0, np.uint32) + ks[0]
        x1 = backend.asarray(x1, np.uint32) + ks[1]
        for group in range(5):
            for r in _ROTATIONS[group % 2]:
                x0 = x0 + x1
                x1 = _rotate_left(x1, r) ^ x0
            x0 = x0 + ks[(group + 1) % 3]
            x1 = x1 + ks[(group + 2) % 3] + np.uint32(group + 1)
    return backend.asarray(x0, np.uint32), backend.asarray(x1, np.uint32)


threefry2x32_p = core.Primitive("threefry2x32", multiple_results=True)
threefry2x32_p.def_impl(_threefry2x32_impl)


@threefry2x32_p.def_abstract_eval
def _threefry2x32_abstract_eval(k0, k1, x0, x1):
    avals = (k0, k1, x0, x1)
    if any(a.dtype != np.uint32 for a in avals):
        raise _helpers.shape_error("threefry2x32", "needs uint32 keys and counters; convert "
                                   "with convert_element_type", *avals)
    if not all(a.shape == x0.shape for a in avals):
        raise _helpers.shape_error("threefry2x32", "keys and counters must have one shape; "
                                   "broadcast the keys first (random_bits.threefry2x32 does)",
                                   *avals)
    out = ir.ShapedArray(x0.shape, np.dtype(np.uint32))
    return (out, out)


threefry2x32_p.def_nondifferentiable()   # integer-valued: keys and counters carry no tangent


@threefry2x32_p.def_batch
def _threefry2x32_batch(args, dims, *, axis_size):
    # Elementwise in all four operands: batch axes to the front, broadcast the unbatched.
    core_shape = next(tuple(n for i, n in enumerate(core.get_aval(x).shape) if i != d)
                      for x, d in zip(args, dims, strict=True) if d is not None)
    out_shape = (axis_size, *core_shape)
    rank = len(core_shape)
    new = []
    for x, d in zip(args, dims, strict=True):
        if d is None:
            x = shape.broadcast_in_dim(x, out_shape, tuple(range(1, rank + 1)))
        elif d != 0:
            x = shape.moveaxis(x, d, 0)
        new.append(x)
    return threefry2x32_p.bind(*new), (0, 0)


# 20 rounds of (add, rotate = 2 shifts + or, xor) on two words, plus 5 key injections.
threefry2x32_p.def_flops(lambda eqn: 110 * _helpers.output_size(eqn))


def threefry2x32(k0, k1, x0, x1):
    """Hash the counter pairs `(x0, x1)` under the key `(k0, k1)`; scalar keys broadcast."""
    x_shape = core.get_aval(x0).shape
    k0, k1 = (shape.broadcast_in_dim(k, x_shape, ()) if core.get_aval(k).shape != x_shape
              else k for k in (k0, k1))
    return threefry2x32_p.bind(k0, k1, x0, x1)


# --------------------------------------------------------------------------- exact fma in NumPy


def _split(a):
    """Veltkamp's splitting: a = hi + lo, each with at most 26 significant bits."""
    c = a * 134217729.0   # 2**27 + 1
    hi = c - (c - a)
    return hi, a - hi


def _two_sum(a, b):
    """Knuth's error-free sum: a + b = s + e exactly."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _round_to_odd(s, err):
    """s = RN(exact), err = exact - s (float64): the value rounded to odd instead (round to
    nearest after round to odd on >= 2 more bits is a correct single rounding). An inexact
    even s moves one unit in the last place toward the exact value, on the integer bits."""
    bits = s.view(np.int64)
    fix = (err != 0) & ((bits & 1) == 0) & np.isfinite(s)
    if backend.like() is None and not fix.any():   # (a shortcut, not a device sync)
        return s
    step = np.where((err > 0) == (s > 0), 1, -1)
    return np.where(fix, bits + step, bits).view(np.float64)


def _fma_exact(a, b, c, bh, bl):
    """a * b + c rounded once, float64, finite operands; (bh, bl) is b's split.

    Boldo and Melquiond's emulation: the exact product (Dekker), the exact sum of its high
    part and c, the low parts added with rounding to odd, then one rounding to nearest.
    """
    ah, al = _split(a)
    p = a * b
    pe = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    sh, sl = _two_sum(c, p)
    v, verr = _two_sum(sl, pe)
    return sh + _round_to_odd(backend.asarray(v), backend.asarray(verr))


def _fma_impl(a, b, c):
    """a * b + c with one rounding (float32 and float64; NumPy has no fma)."""
    dtype = np.result_type(a, b, c)
    a, b, c = (backend.asarray(v, np.float64) for v in (a, b, c))
    with np.errstate(all="ignore"):
        if dtype == np.float32:
            # The product of two float32 is exact in float64; the sum is rounded to odd
            # in float64, then to nearest in float32: one correct rounding.
            s, err = _two_sum(a * b, c)
            return _round_to_odd(backend.asarray(s), backend.asarray(err)).astype(np.float32)
        out = _fma_exact(a, b, c, *_split(b))
        # Non-finite or overflowing products: the plain expression is then right, except
        # for an infinite c with a finite (if overflowing) product, which gives c.
        plain = np.where(np.isinf(c) & np.isfinite(a) & np.isfinite(b), c, a * b + c)
        return backend.asarray(np.where(np.isfinite(out) & np.isfinite(plain), out, plain), dtype)


class _Factor:
    """A fixed multiplier of many fmas `p * x + c` (Horner's rule), split once. Non-finite
    values are not handled: the kernels select them away."""

    def __init__(self, x):
        self.x = backend.asarray(x)
        self.f32 = self.x.dtype == np.float32
        if self.f32:
            self.x64 = self.x.astype(np.float64)
        else:
            self.hi, self.lo = _split(self.x)

    def fma(self, p, c):
        if self.f32:
            # A scalar coefficient stays a NumPy scalar; an array (a 0-d one too: on a device,
            # float() of it would be a host read) is converted where it lives.
            c = np.float64(c) if isinstance(c, (int, float, np.generic)) else backend.asarray(
                c, np.float64)
            s, err = _two_sum(backend.asarray(p, np.float64) * self.x64, c)
            return _round_to_odd(backend.asarray(s), backend.asarray(err)).astype(np.float32)
        return _fma_exact(backend.asarray(p, np.float64), self.x, c, self.hi, self.lo)


fma_p = core.Primitive("fma")
fma_p.def_impl(_fma_impl)


@fma_p.def_abstract_eval
def _fma_abstract_eval(a, b, c):
    for x in (a, b, c):
        _helpers.check_kind("fma", x, "f")
    if not a.dtype == b.dtype == c.dtype or a.dtype not in (np.float32, np.float64):
        raise _helpers.shape_error("fma", "operands must share one dtype, float32 or float64",
                                   a, b, c)
    out_shape = _helpers.elementwise_out_shape("fma", a, b, c)
    return ir.ShapedArray(out_shape, a.dtype, a.weak_type and b.weak_type and c.weak_type)


@fma_p.def_jvp
def _fma_jvp(primals, tangents):
    a, b, c = primals
    ta, tb, tc = tangents
    out = fma_p.bind(a, b, c)
    out_aval = core.get_aval(out)
    t_out: object = ir.Zero(out_aval)
    for t, other in ((ta, b), (tb, a)):
        if not isinstance(t, ir.Zero):
            t_out = elementwise.add_tangents(
                t_out, elementwise.broadcast_to_aval(elementwise.mul(t, other), out_aval))
    if not isinstance(tc, ir.Zero):
        t_out = elementwise.add_tangents(t_out, elementwise.broadcast_to_aval(tc, out_aval))
    return out, t_out


fma_p.def_batch(elementwise.elementwise_batcher(fma_p))
fma_p.def_flops(lambda eqn: 2 * _helpers.output_size(eqn))


def fma(a, b, c):
    """`a * b + c` rounded once (operands of one float dtype; rank-0 ones broadcast)."""
    return fma_p.bind(a, b, c)


# --------------------------------------------------------------------------- XLA's kernels

# Polynomials are evaluated as XLA's code generation does: Horner's rule, each step one fma.


def _horner(x, coefficients):
    dtype = x.dtype.type
    factor = _Factor(x)
    p = np.full_like(x, coefficients[0])
    for c in coefficients[1:]:
        p = factor.fma(p, dtype(c))
    return p


_LOG1P_P = (4.5270000862445199635215e-5, 4.9854102823193375972212e-1,
            6.5787325942061044846969e0, 2.9911919328553073277375e1,
            6.0949667980987787057556e1, 5.7112963590585538103336e1,
            2.0039553499201281259648e1)
_LOG1P_Q = (1.0, 1.5062909083469192043167e1, 8.3047565967967209469434e1,
            2.2176239823732856465394e2, 3.0909872225312059774938e2,
            2.1642788614495947685003e2, 6.0118660497603843919306e1)


def _log1p_impl(x):
    """XLA CPU's log1p: Cephes' rational approximation below sqrt(2) - 1, else log(1 + x)."""
    x = backend.asarray(x)
    dtype = x.dtype.type
    with np.errstate(all="ignore"):
        x2 = x * x
        ratio = _horner(x, _LOG1P_P) / _horner(x, _LOG1P_Q)
        small = (x * x2) * ratio
        small = _fma_impl(backend.asarray(dtype(-0.5)), x2, small)
        small = x + small
        large = np.log(x + dtype(1.0))
        return backend.asarray(np.where(np.abs(x) < dtype(0.41421356237309504880), small, large),
                          x.dtype)


_ERFINV32_SMALL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                   0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_ERFINV32_LARGE = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
                   0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)
# Giles' double-precision approximation, for w < 6.25, w < 16 and w >= 16.
_ERFINV64_A = (
    -3.6444120640178196996e-21, -1.685059138182016589e-19, 1.2858480715256400167e-18,
    1.115787767802518096e-17, -1.333171662854620906e-16, 2.0972767875968561637e-17,
    6.6376381343583238325e-15, -4.0545662729752068639e-14, -8.1519341976054721522e-14,
    2.6335093153082322977e-12, -1.2975133253453532498e-11, -5.4154120542946279317e-11,
    1.051212273321532285e-09, -4.1126339803469836976e-09, -2.9070369957882005086e-08,
    4.2347877827932403518e-07, -1.3654692000834678645e-06, -1.3882523362786468719e-05,
    0.0001867342080340571352, -0.00074070253416626697512, -0.0060336708714301490533,
    0.24015818242558961693, 1.6536545626831027356)
_ERFINV64_B = (
    2.2137376921775787049e-09, 9.0756561938885390979e-08, -2.7517406297064545428e-07,
    1.8239629214389227755e-08, 1.5027403968909827627e-06, -4.013867526981545969e-06,
    2.9234449089955446044e-06, 1.2475304481671778723e-05, -4.7318229009055733981e-05,
    6.8284851459573175448e-05, 2.4031110387097893999e-05, -0.0003550375203628474796,
    0.00095328937973738049703, -0.0016882755560235047313, 0.0024914420961078508066,
    -0.0037512085075692412107, 0.005370914553590063617, 1.0052589676941592334,
    3.0838856104922207635)
_ERFINV64_C = (
    -2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-09,
    -3.7894654401267369937e-09, 7.6157012080783393804e-09, -1.4960026627149240478e-08,
    2.9147953450901080826e-08, -6.7711997758452339498e-08, 2.2900482228026654717e-07,
    -9.9298272942317002539e-07, 4.5260625972231537039e-06, -1.9681778105531670567e-05,
    7.5995277030017761139e-05, -0.00021503011930044477347, -0.00013871931833623122026,
    1.0103004648645343977, 4.8499064014085844221)


def _erf_inv_impl(x):
    x = backend.asarray(x)
    dtype = x.dtype.type
    with np.errstate(all="ignore"):
        w = -_log1p_impl(x * -x)
        if x.dtype == np.float32:
            small = w < dtype(5.0)
            w = np.where(small, w - dtype(2.5), np.sqrt(w) - dtype(3.0))
            p = np.where(small, dtype(_ERFINV32_SMALL[0]), dtype(_ERFINV32_LARGE[0]))
            factor = _Factor(w)
            for cs, cl in zip(_ERFINV32_SMALL[1:], _ERFINV32_LARGE[1:], strict=True):
                p = factor.fma(p, np.where(small, dtype(cs), dtype(cl)))
        else:
            lt625, lt16 = w < 6.25, w < 16.0
            w = np.where(lt625, w - 3.125, np.sqrt(w) - np.where(lt16, 3.25, 5.0))

            def coefficient(i):
                c = np.full(x.shape, _ERFINV64_A[i], like=backend.like())
                if i < 19:
                    c = np.where(lt625, c, _ERFINV64_B[i])
                if i < 17:
                    c = np.where(lt16, c, _ERFINV64_C[i])
                return c

            p = coefficient(0)
            factor = _Factor(w)
            for i in range(1, 17):
                p = factor.fma(p, coefficient(i))
            for i in range(17, 19):
                p = np.where(lt16, factor.fma(p, coefficient(i)), p)
            for i in range(19, 23):
                p = np.where(lt625, factor.fma(p, coefficient(i)), p)
        out = np.where(np.abs(x) == 1, x * dtype(np.inf), p * x)
    return backend.asarray(out, x.dtype)


_ERF64_T = (9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3,
            7.00332514112805075473e3, 5.55923013010394962768e4)
_ERF64_U = (1.0, 3.35617141647503099647e1, 5.21357949780152679795e2,
            4.59432382970980127987e3, 2.26290000613890934246e4, 4.92673942608635921086e4)
_ERFC64_P = (2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0,
             4.86371970985681366614e1, 1.96520832956077098242e2, 5.26445194995477358631e2,
             9.34528527171957607540e2, 1.02755188689515710272e3, 5.57535335369399327526e2)
_ERFC64_Q = (1.0, 1.32281951154744992508e1, 8.67072140885989742329e1,
             3.54937778887819891062e2, 9.75708501743205489753e2, 1.82390916687909736289e3,
             2.24633760818710981792e3, 1.65666309194161350182e3, 5.57535340817727675546e2)
_ERFC64_R = (5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0,
             6.16021097993053585195e0, 7.40974269950448939160e0, 2.97886665372100240670e0)
_ERFC64_S = (1.0, 2.26052863220117276590e0, 9.39603524938001434673e0,
             1.20489539808096656605e1, 1.70814450747565897222e1, 9.60896809063285878198e0,
             3.36907645100081516050e0)
_ERF32_ALPHA = (-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06,
                -5.69250639462346e-05, -7.34990630326855e-04, -2.95459980854025e-03,
                -1.60960333262415e-02)
_ERF32_BETA = (-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03,
               -7.37332916720468e-03, -1.42647390514189e-02)


def _erf_impl(x):
    x = backend.asarray(x)
    with np.errstate(all="ignore"):
        if x.dtype == np.float32:
            f32 = np.float32
            xc = np.clip(x, f32(-4.0), f32(4.0))
            x2 = xc * xc
            alpha = _horner(x2, tuple(f32(c) for c in _ERF32_ALPHA))
            beta = _horner(x2, tuple(f32(c) for c in _ERF32_BETA))
            return backend.asarray(np.clip((xc * alpha) / beta, f32(-1.0), f32(1.0)), np.float32)
        x2 = x * x
        small = (x * _horner(x2, _ERF64_T)) / _horner(x2, _ERF64_U)
        z = -x2
        ax = np.abs(x)
        ez = np.exp(z)
        erfc18 = (ez * _horner(ax, _ERFC64_P)) / _horner(ax, _ERFC64_Q)
        erfc8 = (ez * _horner(ax, _ERFC64_R)) / _horner(ax, _ERFC64_S)
        erfc = np.where(ax < 8.0, erfc18, erfc8)
        erfc = np.where(z < -7.09782712893383996843e2, 0.0, erfc)
        erfc = np.where(x < 0, 2.0 - erfc, erfc)
        return backend.asarray(np.where(ax < 1.0, small, 1.0 - erfc), np.float64)


def _half_sqrt_pi(x):
    return elementwise.scalar_like(0.88622692545275801364, x)   # sqrt(pi) / 2


xla_erf_inv_p = elementwise.unary_elementwise(
    "xla_erf_inv", _erf_inv_impl,
    # d erfinv(x) = sqrt(pi)/2 exp(erfinv(x)^2) dx
    jvp=lambda t, x, out: elementwise.mul(
        t, elementwise.mul(_half_sqrt_pi(x),
                           transcendental.exp(elementwise.mul(out, out)))))
xla_erf_p = elementwise.unary_elementwise(
    "xla_erf", _erf_impl,
    # d erf(x) = 2/sqrt(pi) exp(-x^2) dx
    jvp=lambda t, x, out: elementwise.mul(
        t, elementwise.div(transcendental.exp(elementwise.neg(elementwise.mul(x, x))),
                           _half_sqrt_pi(x))))
xla_log1p_p = elementwise.unary_elementwise(
    "xla_log1p", _log1p_impl,
    jvp=lambda t, x, out: elementwise.div(
        t, elementwise.add(x, elementwise.scalar_like(1.0, x))))
for _p in (xla_erf_inv_p, xla_erf_p, xla_log1p_p):
    # A rational approximation: a few dozen operations per element.
    _p.def_flops(lambda eqn: 40 * _helpers.output_size(eqn))


def xla_erf_inv(x):
    """The inverse error function as XLA computes it on CPU (JAX's `lax.erf_inv`)."""
    return xla_erf_inv_p.bind(x)


def xla_erf(x):
    """The error function as XLA computes it on CPU (JAX's `lax.erf`)."""
    return xla_erf_p.bind(x)


def xla_log1p(x):
    """log(1 + x) as XLA computes it on CPU (JAX's `lax.log1p`)."""
    return xla_log1p_p.bind(x)



# --------------------------------------------------------------------------- gamma's derivative

_LGAMMA = np.frompyfunc(math.lgamma, 1, 1)


def _digamma(z):
    """psi(z) for z >= 1: the recurrence up to z >= 8, then the asymptotic series."""
    z = backend.array(z, np.float64)
    shift = np.zeros_like(z)
    while (small := z < 8.0).any():
        shift = np.where(small, shift + 1.0 / z, shift)
        z = np.where(small, z + 1.0, z)
    r = 1.0 / (z * z)
    series = r * (1 / 12 - r * (1 / 120 - r * (1 / 252 - r * (1 / 240 - r * (1 / 132)))))
    return np.log(z) - 0.5 / z - series - shift


def _gamma_grad_impl(a, x):
    """d x / d a for x ~ Gamma(a, 1) with the CDF value P(a, x) held fixed (implicit
    reparameterization): -(dP/da) / p(x; a), dP/da from the series
    P(a, x) = sum_n x^(a+n) e^-x / Gamma(a+n+1), term by term."""
    dtype = np.result_type(a, x)
    a, x = np.broadcast_arrays(backend.asarray(a, np.float64), backend.asarray(x, np.float64))
    with np.errstate(all="ignore"):
        log_x = np.log(x)
        term = np.exp(a * log_x - x - backend.asarray(_LGAMMA(a + 1.0), np.float64))
        weight = log_x - _digamma(a + 1.0)
        d_p = term * weight
        total = term.copy()
        n = 0
        limit = x + 12.0 * np.sqrt(x) + 40.0
        while True:
            n += 1
            term = term * x / (a + n)
            weight = weight - 1.0 / (a + n)
            d_p = d_p + term * weight
            total = total + term
            if not ((term > 1e-17 * total) | (n < limit)).any():
                break
        density = np.exp((a - 1.0) * log_x - x - backend.asarray(_LGAMMA(a), np.float64))
        out = -d_p / density
    return backend.asarray(np.where(x > 0, out, 0.0), dtype)


random_gamma_grad_p = core.Primitive("random_gamma_grad")
# Elementwise, but through Python's math.lgamma (a NumPy object ufunc Dask does not take):
# chunked backends apply it block by block (functrans/backend.py).
random_gamma_grad_p.def_core_axes(lambda a, x: (((), ()), ((),)))

# The bit-exact emulations of XLA's kernels are hundreds of NumPy operations per element:
# chunked backends run each as one block-wise operation (no core axes: purely elementwise),
# not as hundreds of graph nodes.
threefry2x32_p.def_core_axes(lambda *avals: (((),) * 4, ((), ())))
fma_p.def_core_axes(lambda *avals: (((),) * 3, ((),)))
for _p in (xla_erf_inv_p, xla_erf_p, xla_log1p_p):
    _p.def_core_axes(lambda x: (((),), ((),)))
random_gamma_grad_p.def_impl(_gamma_grad_impl)


@random_gamma_grad_p.def_abstract_eval
def _random_gamma_grad_abstract_eval(a, x):
    for v in (a, x):
        _helpers.check_kind("random_gamma_grad", v, "f")
    if a.dtype != x.dtype:
        raise _helpers.shape_error("random_gamma_grad", "operands must share one dtype", a, x)
    return ir.ShapedArray(_helpers.elementwise_out_shape("random_gamma_grad", a, x), a.dtype)


@random_gamma_grad_p.def_jvp
def _random_gamma_grad_jvp(primals, tangents):
    raise errors.FunctransTypeError(
        "random.gamma (and beta, dirichlet): second derivatives of the samples with respect "
        "to their shape parameters are not implemented (the first derivative is the implicit "
        "reparameterization gradient); use a first-order method or stop_gradient.")


random_gamma_grad_p.def_batch(elementwise.elementwise_batcher(random_gamma_grad_p))


def random_gamma_grad(a, x):
    """d x / d a of Gamma(a, 1) samples `x` (implicit reparameterization; one dtype)."""
    return random_gamma_grad_p.bind(a, x)
