"""`functrans.random`: keys, `split`, `fold_in`, `bits`.

A key is a plain `uint32[2]` array (JAX's legacy "raw" keys, `jax.random.PRNGKey`), so keys
are ordinary values: they are carried through `scan`, batched by `vmap` (a `(n, 2)` array of
keys mapped over axis 0), closed over by `jit`, and hashed by the `threefry2x32` primitive.
The layout follows JAX's default configuration (`jax_threefry_partitionable=True`): element
`i` of an output of shape `shape` hashes the 64-bit counter `i` (its high and low words),
and `split` returns both output words as the new keys. Streams equal JAX's bit for bit.
"""
from __future__ import annotations

import math

import numpy as np

from functrans import backend, core, errors
from functrans import numpy as fnp
from functrans.numpy import _util
from functrans.primitives import comparison, elementwise, random_bits

__all__ = ["PRNGKey", "bits", "fold_in", "key", "key_data", "split"]

_UINT_BY_BITS = {8: np.dtype(np.uint8), 16: np.dtype(np.uint16), 32: np.dtype(np.uint32),
                 64: np.dtype(np.uint64)}


def _seed_to_key(seed, fname: str):
    if isinstance(seed, core.Tracer):
        aval = core.get_aval(seed)
        if aval.shape or aval.dtype.kind not in "iu":
            raise errors.FunctransTypeError(
                f"{fname}: the seed must be a scalar integer, got {aval.str_short()}.")
        s = elementwise.convert_element_type(seed, np.dtype(np.uint64))
        hi = comparison.floor_divide(s, np.uint64(2**32))
        lo = comparison.rem(s, np.uint64(2**32))
        return fnp.stack([elementwise.convert_element_type(hi, np.dtype(np.uint32)),
                          elementwise.convert_element_type(lo, np.dtype(np.uint32))])
    arr = np.asarray(seed)
    if arr.shape or arr.dtype.kind not in "iub":
        raise errors.FunctransTypeError(
            f"{fname}: the seed must be a scalar integer, got {seed!r}; a key is made from one "
            "integer (use split or vmap for many keys).")
    value = int(arr)
    if not -2**63 <= value < 2**64:
        raise errors.FunctransValueError(
            f"{fname}: the seed {value} does not fit in 64 bits.")
    value %= 2**64   # two's complement, as JAX's int64 seed
    return np.array([value >> 32, value & 0xFFFFFFFF], np.uint32)


def PRNGKey(seed) -> np.ndarray:
    """A key from an integer seed: the `uint32[2]` pair (high word, low word) of the seed.

    As `jax.random.PRNGKey` with x64 enabled: a 64-bit seed (negative ones in two's
    complement) is split into its two 32-bit halves.

    Args:
      seed: a Python or NumPy integer, or a traced integer scalar.

    Returns:
      The key, a `uint32` array of shape `(2,)`.

    Example:
      >>> from functrans import random
      >>> random.PRNGKey(42)
      array([ 0, 42], dtype=uint32)
    """
    return _seed_to_key(seed, "random.PRNGKey")


def key(seed) -> np.ndarray:
    """A key from an integer seed; the same `uint32[2]` array as `PRNGKey` (functrans has no
    typed key arrays: `key_data` of the result is the result itself).

    Args:
      seed: a Python or NumPy integer, or a traced integer scalar.

    Returns:
      The key, a `uint32` array of shape `(2,)`.

    Example:
      >>> from functrans import random
      >>> random.key(0)
      array([0, 0], dtype=uint32)
    """
    return _seed_to_key(seed, "random.key")


def key_data(keys):
    """The `uint32` data of a key or an array of keys (`(..., 2)`): the value itself.

    Args:
      keys: a key or an array of keys.

    Returns:
      `keys`, checked to be `uint32` with a last axis of length 2.

    Example:
      >>> from functrans import random
      >>> random.key_data(random.split(random.PRNGKey(0), 2)).shape
      (2, 2)
    """
    aval = _util.aval(_util.as_operand(keys, "random.key_data"))
    if aval.dtype != np.uint32 or not aval.shape or aval.shape[-1] != 2:
        raise errors.FunctransTypeError(
            f"random.key_data: expected keys of dtype uint32 and shape (..., 2), got "
            f"{aval.str_short()}.")
    return keys


def check_key(fname: str, key):
    """`key` as an operand after checking it is one key: `uint32[2]`."""
    k = _util.as_operand(key, fname)
    aval = _util.aval(k)
    if aval.dtype != np.uint32 or aval.shape != (2,):
        hint = (" To use a batch of keys, map over it with functrans.vmap."
                if aval.dtype == np.uint32 and aval.shape[-1:] == (2,) else
                " Make one with functrans.random.PRNGKey(seed).")
        raise errors.FunctransTypeError(
            f"{fname}: `key` must be one PRNG key, a uint32 array of shape (2,); got "
            f"{aval.str_short()}.{hint}")
    return k


def _counters(shape: tuple[int, ...]):
    """The linear index of each element of `shape` as two uint32 words (high, low)."""
    n = math.prod(shape)
    if n <= 2**32:
        lo = np.arange(n, dtype=np.uint32).reshape(shape)
        return np.zeros(shape, np.uint32), lo
    count = np.arange(n, dtype=np.uint64).reshape(shape)
    return (count >> np.uint64(32)).astype(np.uint32), count.astype(np.uint32)


def hash_words(key, shape: tuple[int, ...]):
    """threefry2x32 of `key` over the counters of `shape`: two uint32 arrays of that shape."""
    hi, lo = _counters(shape)
    return random_bits.threefry2x32(key[0], key[1], hi, lo)


def random_bits_(key, bit_width: int, shape: tuple[int, ...]):
    """JAX's `_random_bits`: `bit_width` random bits per element (one key, checked)."""
    b1, b2 = hash_words(key, shape)
    if bit_width == 64:
        u64 = _UINT_BY_BITS[64]
        hi = elementwise.convert_element_type(b1, u64)
        lo = elementwise.convert_element_type(b2, u64)
        return comparison.or_(elementwise.mul(hi, np.uint64(2**32)), lo)
    word = comparison.xor(b1, b2)
    if bit_width == 32:
        return word
    return elementwise.convert_element_type(word, _UINT_BY_BITS[bit_width])


def _shape_of(num, fname: str) -> tuple[int, ...]:
    if isinstance(num, (tuple, list)):
        return _util.normalize_shape(tuple(num), fname, "num")
    return _util.normalize_shape((num,), fname, "num")


def split(key, num=2):
    """Split a key into `num` new keys (a new leading axis, or axes for a tuple `num`).

    Args:
      key: a PRNG key.
      num: the number of keys (an int) or their shape (a tuple); default 2.

    Returns:
      A `uint32` array of shape `(num, 2)` (or `(*num, 2)`).

    Example:
      >>> from functrans import random
      >>> random.split(random.PRNGKey(0))
      array([[1797259609, 2579123966],
             [ 928981903, 3453687069]], dtype=uint32)
    """
    k = check_key("random.split", key)
    shape = _shape_of(num, "random.split")
    b1, b2 = hash_words(k, shape)
    return fnp.stack([b1, b2], axis=len(shape))


def fold_in(key, data):
    """A new key from a key and a 32-bit integer (taken modulo 2**32).

    Args:
      key: a PRNG key.
      data: an integer scalar (Python, NumPy or traced).

    Returns:
      The new key, `uint32[2]`.

    Example:
      >>> from functrans import random
      >>> random.fold_in(random.PRNGKey(0), 7)
      array([2716826189,  292468403], dtype=uint32)
    """
    k = check_key("random.fold_in", key)
    if isinstance(data, core.Tracer) or backend.is_foreign(data):
        aval = core.get_aval(data)
        if aval.shape or aval.dtype.kind not in "iub":
            raise errors.FunctransTypeError(
                f"random.fold_in: `data` must be an integer scalar, got {aval.str_short()}; "
                "use functrans.vmap to fold in many values.")
        d = elementwise.convert_element_type(data, np.dtype(np.uint32))
        d = fnp.reshape(d, (1,))
    else:
        arr = np.asarray(data)
        if arr.shape or arr.dtype.kind not in "iub":
            raise errors.FunctransTypeError(
                f"random.fold_in: `data` must be an integer scalar, got {data!r}; use "
                "functrans.vmap to fold in many values.")
        d = np.array([int(arr) % 2**32], np.uint32)
    # JAX hashes the seed key of `data`, (0, data), as one counter pair.
    y0, y1 = random_bits.threefry2x32(k[0], k[1], np.zeros(1, np.uint32), d)
    return fnp.concatenate([y0, y1])


def bits(key, shape=(), dtype=None):
    """Uniform random bits as unsigned integers.

    Args:
      key: a PRNG key.
      shape: the result shape; default `()`.
      dtype: an unsigned integer dtype (default `uint64`, as JAX with x64).

    Returns:
      An array of `shape` and `dtype`.

    Example:
      >>> from functrans import random
      >>> random.bits(random.PRNGKey(0), (3,), "uint32")
      array([4070199207, 4202968722, 1427181096], dtype=uint32)
    """
    k = check_key("random.bits", key)
    dt = np.dtype(np.uint64) if dtype is None else np.dtype(dtype)
    if dt.kind != "u":
        raise errors.FunctransTypeError(
            f"random.bits: `dtype` must be an unsigned integer dtype, got {dt.name}.")
    shape = _util.normalize_shape(shape, "random.bits")
    return random_bits_(k, dt.itemsize * 8, shape)
