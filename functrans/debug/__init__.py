"""Debugging traced code: NaN/inf hunting that names the rule and the line (`debug_nans`),
reverse mode's strong-zero convention (`nan_safe`), and effects that survive
transformations (`print`, `callback`, `breakpoint`).

Owns the public debugging surface; the NaN checking itself is in `functrans.evaluate`, the
`nan_safe` rewrite in `functrans.interpreters.ad`. See docs/debugging.md.
"""
from functrans.debug._callback import breakpoint as breakpoint
from functrans.debug._callback import callback as callback
from functrans.debug._callback import print as print
from functrans.debug._nans import config as config
from functrans.debug._nans import debug_nans as debug_nans
from functrans.debug._nans import nan_safe as nan_safe
from functrans.evaluate import NaNError as NaNError

__all__ = ["NaNError", "breakpoint", "callback", "config", "debug_nans", "nan_safe", "print"]
