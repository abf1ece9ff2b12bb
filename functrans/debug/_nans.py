"""`debug_nans`: the switch of the NaN/inf-checking evaluation (which lives in `evaluate`).

Owns the public context manager and the process-wide flag (`config`); owns no evaluation.
"""
from __future__ import annotations

import os
from types import TracebackType

from functrans import evaluate
from functrans.interpreters import ad

_UNSET = object()


class _Config:
    """Process-wide debug flags (the defaults every thread sees).

    `debug_nans`: check every evaluated equation for a NaN its operands did not have;
    `debug_infs`: with it, report a new inf too (default True). The environment variable
    `FUNCTRANS_DEBUG_NANS=1` sets `debug_nans` at import.
    `nan_safe`: reverse mode's "strong zero" convention (see `nan_safe`).

    Example:
      >>> import functrans as ft
      >>> ft.debug.config.debug_nans, ft.debug.config.nan_safe
      (False, False)
    """

    def __repr__(self) -> str:
        return (f"config(debug_nans={self.debug_nans}, debug_infs={self.debug_infs}, "
                f"nan_safe={self.nan_safe})")

    @property
    def debug_nans(self) -> bool:
        return bool(type(evaluate.DEBUG).nans)

    @debug_nans.setter
    def debug_nans(self, value: bool) -> None:
        type(evaluate.DEBUG).nans = bool(value)

    @property
    def debug_infs(self) -> bool:
        return bool(type(evaluate.DEBUG).infs)

    @debug_infs.setter
    def debug_infs(self, value: bool) -> None:
        type(evaluate.DEBUG).infs = bool(value)


    @property
    def nan_safe(self) -> bool:
        return ad.nan_safe_enabled()

    @nan_safe.setter
    def nan_safe(self, value: bool) -> None:
        ad.set_nan_safe(value)


config = _Config()
if os.environ.get("FUNCTRANS_DEBUG_NANS", "") not in ("", "0"):
    config.debug_nans = True


class debug_nans:
    """Raise `NaNError` at the first equation that makes a NaN (or inf) its operands lacked.

    Within the block (this thread only), every program functrans evaluates (a transformed or
    jitted function, the bodies of `scan`, `while_loop` and `cond`, nested transformations)
    runs equation by equation and checks each result. The error names the equation's
    primitive; whether it is the primal computation or was emitted by a derivative rule, and
    which (a JVP rule or a transpose rule, of which primitive); the operands' values; the
    user's line; and the program around it, printed with source lines. For the whole process
    set `functrans.debug.config.debug_nans = True` (or `FUNCTRANS_DEBUG_NANS=1`).
    When off (the default), evaluation is untouched: one flag test per program run.

    Args:
      enabled: turn checking on (True) or off (False) within the block.
      infs: also report an inf that the operands did not have (a `log(0)`); False reports
        NaN only.

    Not checked: eager operations outside any transformation (plain NumPy evaluation) and
    constants folded while tracing or optimizing.

    Example:
      >>> import functrans as ft, functrans.numpy as fnp
      >>> with ft.debug_nans():
      ...     ft.jit(fnp.log)(0.0)
      Traceback (most recent call last):
        ...
      functrans.evaluate.NaNError: functrans.debug_nans: `log` produced inf ...
    """

    def __init__(self, enabled: bool = True, *, infs: bool = True):
        self.enabled = bool(enabled)
        self.infs = bool(infs)
        self._saved: list = []

    def __enter__(self) -> debug_nans:
        flags = evaluate.DEBUG
        self._saved.append((flags.__dict__.get("nans", _UNSET),
                            flags.__dict__.get("infs", _UNSET)))
        flags.nans = self.enabled
        flags.infs = self.infs
        return self

    def __exit__(self, typ: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        nans, infs = self._saved.pop()
        flags = evaluate.DEBUG
        for name, value in (("nans", nans), ("infs", infs)):
            if value is _UNSET:
                flags.__dict__.pop(name, None)
            else:
                setattr(flags, name, value)


class nan_safe:
    """Reverse mode where a zero cotangent times an infinite (or NaN) partial is zero.

    Under it, `grad`, `vjp`, `jacrev` and `hessian` apply the "strong zero" convention in the
    transposes of the elementwise products and quotients that carry partial derivatives
    (`mul`, `div`): where the incoming cotangent is zero, the contribution is zero, whatever
    the partial; and where the product of non-NaN factors is indeterminate (`inf * 0`,
    `inf / inf`), it is zero. So `where(x > 0, sqrt(x), 0.0)` has gradient 0 at 0 (not
    NaN) without the double-`where` idiom. Values, forward mode (`jvp`, `jacfwd`) and every
    gradient without such a product are unchanged; with the flag off (the default) the
    programs are exactly JAX's. A genuine NaN (a NaN cotangent or a NaN partial met by a
    nonzero cotangent) still propagates.

    The flag is process-wide (it changes how programs are built, and the program cache
    rebuilds those made under the other setting), so set it once
    (`functrans.debug.config.nan_safe = True`) rather than toggling it from several threads.

    Args:
      enabled: the setting within the block (restored after it).

    Example:
      >>> import functrans as ft, functrans.numpy as fnp
      >>> f = lambda x: fnp.where(x > 0, fnp.sqrt(x), 0.0)
      >>> with ft.debug.nan_safe():
      ...     print(ft.grad(f)(0.0))
      0.0
    """

    def __init__(self, enabled: bool = True):
        self.enabled = bool(enabled)
        self._saved: list[bool] = []

    def __enter__(self) -> nan_safe:
        self._saved.append(ad.nan_safe_enabled())
        ad.set_nan_safe(self.enabled)
        return self

    def __exit__(self, typ: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        ad.set_nan_safe(self._saved.pop())
