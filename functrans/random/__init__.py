"""`functrans.random`: JAX's functional PRNG (threefry2x32), bit for bit: keys are `uint32[2]`
values, split and folded explicitly; sampling functions trace, batch and differentiate.

Re-exports `_keys.__all__` (keys, split, fold_in, bits) and `_samplers.__all__` (the
distributions).
"""
from functrans.random import _keys, _samplers
from functrans.random._keys import *  # noqa: F403
from functrans.random._samplers import *  # noqa: F403

__all__ = sorted({*_keys.__all__, *_samplers.__all__})
