"""User-defined derivatives: `custom_jvp` and `custom_vjp`, with their primitives.

The public surface only. Each concern has its module:
- `_jvp`: `custom_jvp` and its primitive `custom_jvp_call` (JVP = the user's rule);
- `_vjp`: `custom_vjp` and its primitive `custom_vjp_call` (JVP = the user's `fwd` plus
  `custom_vjp_lin`);
- `_vjp_lin`: the primitive `custom_vjp_lin`, the linear part of a custom_vjp call, whose
  transpose is the user's `bwd`;
- `_common`: staging the user's rules as programs over the call's leading operands (when to
  trace them, lambda lifting of the traced values they close over), shared by the primitives;
- `_args`: the user's arguments and pytrees as flat operands, and checks of returned values.
Handles the pytrees of the user's functions (like `lax.py`); owns no transformation.
"""
from __future__ import annotations

from functrans.custom_derivatives import _jvp, _vjp

custom_jvp = _jvp.custom_jvp
custom_vjp = _vjp.custom_vjp
