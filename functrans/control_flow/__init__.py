"""Control-flow primitives: `cond`, `while` and `scan`, each with all of its rules.

Each primitive carries its sub-programs as params: const-free `Jaxpr`s whose constants are
leading operands (as for the `jit` call primitive), so tracers of enclosing traces never hide
in params. Every rule transforms the sub-programs as a unit with the IR-to-IR rewrites of
`interpreters/` and binds a new equation; nothing is unrolled, and evaluation loops in
Python over the body's program.

Reverse mode through `while` (which JAX refuses) works by partial evaluation: the known part
of a linearized loop becomes a `while` that also counts its trips and stacks the residuals
each trip needs (`num_ys` stacked outputs, of type `f64[*,3]`: `*` is a leading length known
only at run time), and the linear part becomes a `scan` of dynamic length (`length=None`,
trip count as first operand) over those stacks, which transposes like any scan. See
docs/control_flow.md. The user-facing functions (pytrees, error messages about user
functions) are in `lax.py`; this package works on flat lists.

This module only re-exports; the implementations live in `_common` (stack types and
sub-program helpers shared by all three), `_cond`, `_scan` and `_while` (which builds
dynamic-length scans, so it comes after `_scan`). Importing it registers the primitives.
"""
from functrans.control_flow._common import (  # noqa: F401
    join_consts,
    stacked_aval,
    trace_body,
    unstacked_aval,
)
from functrans.control_flow._cond import cond, cond_p  # noqa: F401
from functrans.control_flow._implicit import linear_call, linear_call_p  # noqa: F401
from functrans.control_flow._scan import scan, scan_p  # noqa: F401
from functrans.control_flow._while import while_loop, while_p  # noqa: F401
