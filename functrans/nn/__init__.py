"""`functrans.nn`: neural-network functions (activations, softmax, normalization, one_hot),
numerically stable, with JAX's derivative conventions at kinks. NumPy only.

Re-exports `_functions.__all__`.
"""
from functrans.nn import _functions
from functrans.nn._functions import *  # noqa: F403

__all__ = list(_functions.__all__)
