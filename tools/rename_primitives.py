"""One-off rename of the names that moved between `functrans.primitives` modules (issue 11).

Run from the repository root: `python tools/rename_primitives.py`. It rewrites every
`<alias>.<name>` whose module alias (from `from functrans.primitives import ...` lines of the
same file) names an old module and whose name moved, adds the imports of the new modules
beside the old import lines, and drops old imports no longer used. Idempotent: a second run
changes nothing. Files under functrans/primitives/ are skipped (they were written by hand).
Delete this script once the branches are merged.
"""
from __future__ import annotations

import pathlib
import re
import sys

_COMMON = ["shape_error", "check_kind", "elementwise_out_shape", "normalize_axes",
           "zeros_like_aval", "check_axes", "normalize_axis"]
_COMPARISON = ["sign", "floor", "ceil", "round", "is_finite", "not_", "not", "eq", "ne", "lt",
               "le", "gt", "ge", "and_", "and", "or_", "or", "xor", "max", "min", "rem",
               "floor_divide"]
_TRANSCENDENTAL = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan",
                   "asin", "acos", "atan", "sinh", "cosh", "tanh", "sqrt", "cbrt", "abs", "pow",
                   "atan2", "logaddexp"]


def _with_p(names):
    out = {}
    for n in names:
        out[n] = True
        out[n.rstrip("_") + "_p"] = True
    return list(out)


MOVES: dict[str, dict[str, str]] = {
    "_factories": {
        **{n: "_helpers" for n in _COMMON},
        **{n: "elementwise" for n in ["add_tangents", "broadcast_to_aval", "unbroadcast",
                                      "elementwise_batcher", "unary_elementwise",
                                      "binary_elementwise"]},
        "moveaxis": "shape", "bdim_at_front": "shape",
    },
    "shape": {
        **{n: "slicing" for n in _with_p(["rev", "slice", "pad", "concatenate"])},
        "full": "elementwise", "check_axes": "_helpers", "normalize_axis": "_helpers",
    },
    "reductions": {"reduce_sum": "shape", "reduce_sum_p": "shape"},
    "elementwise": {
        **{n: "comparison" for n in _with_p(_COMPARISON) if not n in ("not", "and", "or")},
        **{n: "transcendental" for n in _with_p(_TRANSCENDENTAL)},
        "_scalar": "elementwise",
    },
}
MOVES["elementwise"]["_scalar"] = "elementwise"   # renamed below, stays in elementwise
RENAMED = {("elementwise", "_scalar"): "scalar_like"}
# Alias for a new import of a module the file did not import (local variables are often
# called `shape`).
NEW_ALIAS = {"shape": "shape_prims"}

IMPORT_RE = re.compile(r"^(?P<indent>[ \t]*)from functrans\.primitives import (?P<names>[\w ,]+?)"
                       r"(?P<tail>[ \t]*(#.*)?)$", re.M)


def _parse(names: str) -> list[tuple[str, str]]:
    out = []
    for part in names.split(","):
        part = part.strip()
        if not part:
            continue
        bits = part.split(" as ")
        out.append((bits[0].strip(), bits[-1].strip()))
    return out


def _format(indent: str, items: list[tuple[str, str]], tail: str) -> list[str]:
    plain = sorted(m for m, a in items if m == a)
    lines = []
    if plain:
        lines.append(f"{indent}from functrans.primitives import {', '.join(plain)}{tail}")
        tail = ""
    for m, a in sorted(items):
        if m != a:
            lines.append(f"{indent}from functrans.primitives import {m} as {a}{tail}")
            tail = ""
    return lines


def rewrite(text: str) -> str:
    imports = [(m.start(), m) for m in IMPORT_RE.finditer(text)]
    alias_of: dict[str, str] = {}     # alias -> module
    module_alias: dict[str, str] = {}  # module -> alias
    for _, m in imports:
        for mod, alias in _parse(m.group("names")):
            alias_of[alias] = mod
            module_alias.setdefault(mod, alias)
    needed: dict[str, set[str]] = {}   # old module -> new modules its moved names need

    def sub(match):
        alias, name = match.group(1), match.group(2)
        mod = alias_of.get(alias)
        if mod not in MOVES or name not in MOVES[mod]:
            return match.group(0)
        new = MOVES[mod][name]
        name = RENAMED.get((mod, name), name)
        new_alias = module_alias.get(new, NEW_ALIAS.get(new, new))
        if new != mod:
            needed.setdefault(mod, set()).add(new)
        return f"{new_alias}.{name}"

    aliases = "|".join(re.escape(a) for a in alias_of if alias_of[a] in MOVES)
    if aliases:
        text = re.sub(rf"(?<![\w.])({aliases})\.(\w+)\b", sub, text)
    # Rewrite the import lines: add the new modules, drop old ones no longer referenced.
    def fix_import(m):
        items = _parse(m.group("names"))
        mods = {mod for mod, _ in items}
        for mod, _ in list(items):
            for new in sorted(needed.get(mod, ())):
                if new not in mods and (new not in module_alias or m.group("indent")):
                    items.append((new, module_alias.get(new, NEW_ALIAS.get(new, new))))
                    mods.add(new)
        kept = []
        for mod, alias in items:
            if mod in MOVES and not re.search(rf"(?<![\w.]){re.escape(alias)}\.\w", text):
                continue
            kept.append((mod, alias))
        if not kept:
            return "\x00"
        return "\n".join(_format(m.group("indent"), kept, m.group("tail")))

    text = IMPORT_RE.sub(fix_import, text)
    return text.replace("\x00\n", "")


def main(root: str = ".") -> None:
    base = pathlib.Path(root)
    files = [*base.glob("functrans/**/*.py"), *base.glob("tests/**/*.py"),
             *base.glob("bench/**/*.py"), *base.glob("examples/**/*.py"),
             *base.glob("docs/*.md"), *base.glob("docs/*.py"), base / "README.md"]
    for path in files:
        if "functrans/primitives/" in path.as_posix() or not path.exists():
            continue
        old = path.read_text()
        new = rewrite(old)
        if new != old:
            path.write_text(new)
            print("rewrote", path)


if __name__ == "__main__":
    main(*sys.argv[1:])
