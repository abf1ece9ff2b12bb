"""`functrans.random`: JAX's functional PRNG (threefry2x32), bit for bit: keys are `uint32[2]`
values, split and folded explicitly; sampling functions trace, batch and differentiate.

Re-exports `_keys.__all__` (keys, split, fold_in, bits), `_samplers.__all__` (the
distributions drawn directly from bits) and `_families.__all__` (those built on others:
the rejection samplers and `multivariate_normal`).
"""
from functrans.random import _families, _keys, _samplers
from functrans.random._families import *  # noqa: F403
from functrans.random._keys import *  # noqa: F403
from functrans.random._samplers import *  # noqa: F403

__all__ = sorted({*_keys.__all__, *_samplers.__all__, *_families.__all__})
