"""functrans' import graph is layered: no circle, no function-level import, no import upward.

The graph is built from the source (every `import` / `from ... import` anywhere in a module,
function bodies included); `from functrans import core` is an edge to `functrans.core`, and
`from functrans import grad` (a name, not a module) an edge to the package `functrans`.
"""
from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent / "functrans"

# Lowest first. A module may import modules of its own layer or of layers below it. An entry
# names a module and every module inside it (a package); a new module must be placed here.
LAYERS = [
    ["functrans.errors", "functrans.dtypes", "functrans.tree_util"],
    ["functrans.ir"],                      # IR types, constants open/close, check_jaxpr
    ["functrans.backend"],                 # foreign array types (Dask, CuPy): find, move, run
    ["functrans.core"],                    # Primitive, bind, traces, Tracer
    ["functrans.evaluate", "functrans.pretty", "functrans.irtools"],
    # first-order primitives, all rules inline; one family per module, in this order
    ["functrans.primitives._helpers"],
    ["functrans.primitives.shape"],        # holds reduce_sum: it transposes broadcast_in_dim
    ["functrans.primitives.elementwise"],
    ["functrans.primitives.complex_parts"],
    ["functrans.primitives.comparison", "functrans.primitives.transcendental"],
    ["functrans.primitives.slicing"],
    ["functrans.primitives.reductions"],
    ["functrans.primitives.indexing"],
    ["functrans.primitives.sorting"],      # gathers along the sort permutation
    ["functrans.primitives.basis"],
    ["functrans.primitives.linalg", "functrans.primitives.misc"],
    ["functrans.primitives.bits", "functrans.primitives.searching",
     "functrans.primitives.triangular"],
    ["functrans.primitives.factorizations", "functrans.primitives.spectral"],  # need triangular
    ["functrans.primitives.eig"],
    ["functrans.primitives.special", "functrans.primitives.random_bits"],
    ["functrans.primitives.convolution"],  # needs shape, elementwise, slicing (rev)
    ["functrans.primitives.callback"],     # pure_callback: core, ir and tree_util only
    ["functrans.primitives.fft"],          # needs shape, elementwise, complex_parts, slicing
    ["functrans.primitives"],              # the package's __init__
    ["functrans.interpreters"],            # Jaxpr -> Jaxpr rewrites
    ["functrans.call", "functrans.control_flow", "functrans.custom_derivatives"],
    ["functrans.cache"],                   # the one program cache
    ["functrans.api", "functrans.api_util"],
    ["functrans.lax", "functrans.numpy", "functrans.test_util"],
    ["functrans.debug"],                   # debug_nans, nan_safe, debug.print/callback
    ["functrans.nn", "functrans.random"],           # built on functrans.numpy
    ["functrans.scipy"],                             # built on numpy and nn (logsumexp, ...)
    ["functrans.ode", "functrans.optimize"],         # built on numpy and lax
    ["functrans"],                         # the package's __init__: public surface only
]

# Function-level imports of functrans modules that are allowed (optional extras); none today.
ALLOWED_LAZY: set[tuple[str, str]] = set()


def _modules() -> dict[str, pathlib.Path]:
    mods = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


class _ImportCollector(ast.NodeVisitor):
    """(target, lineno, inside a function or class) of every import in a module."""

    def __init__(self, module: str, is_package: bool, mods: dict):
        self.package = module if is_package else module.rpartition(".")[0]
        self.mods = mods
        self.depth = 0
        self.found: list[tuple[str, int, bool]] = []

    def _nested(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = _nested

    def visit_Import(self, node: ast.Import):
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom):
        base = node.module or ""
        if node.level:
            parts = self.package.split(".")[:len(self.package.split(".")) - node.level + 1]
            base = ".".join(parts + ([base] if base else []))
        for alias in node.names:
            full = f"{base}.{alias.name}"
            self._add(full if full in self.mods else base, node)

    def _add(self, target: str, node):
        # `import functrans.numpy.linalg` names the deepest module that exists.
        while target and target not in self.mods and "." in target:
            target = target.rpartition(".")[0]
        if target in self.mods:
            self.found.append((target, node.lineno, self.depth > 0))


def _graph():
    mods = _modules()
    edges: dict[str, set[str]] = {m: set() for m in mods}
    lazy: list[tuple[str, str, int]] = []
    for mod, path in mods.items():
        collector = _ImportCollector(mod, path.name == "__init__.py", mods)
        collector.visit(ast.parse(path.read_text(), str(path)))
        for target, lineno, nested in collector.found:
            if target == mod:
                continue
            edges[mod].add(target)
            if nested:
                lazy.append((mod, target, lineno))
    return mods, edges, lazy


def _inside(mod: str, entry: str) -> bool:
    return mod == entry or mod.startswith(entry + ".")


def _layer_of(mod: str) -> int | None:
    best = None   # the most specific entry wins (`functrans.x` over the package `functrans`)
    for i, layer in enumerate(LAYERS):
        for entry in layer:
            if _inside(mod, entry) and (best is None or len(entry) > best[1]):
                best = (i, len(entry))
    return None if best is None else best[0]


def _circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        found.append(sorted(comp))
    return found


def test_the_graph_sees_imports_everywhere():
    mods, edges, lazy = _graph()
    assert "functrans.ir" in edges["functrans.core"]
    assert "functrans.core" in edges["functrans.numpy._methods"]
    assert "functrans.api" in edges["functrans"]            # `from functrans.api import grad`


def test_no_circle():
    _, edges, _ = _graph()
    assert _circles(edges) == []


def test_no_function_level_import_of_functrans():
    _, _, lazy = _graph()
    bad = [f"{a} -> {b} (line {n})" for a, b, n in lazy
           if (a, b) not in ALLOWED_LAZY]
    assert bad == [], "import at module level instead (a lazy import hides a circle)"


def test_every_module_has_a_layer():
    mods, _, _ = _graph()
    assert [m for m in mods if _layer_of(m) is None] == [], "add the module to LAYERS"


def test_modules_import_only_their_layer_or_below():
    _, edges, _ = _graph()
    upward = [f"{a} (layer {_layer_of(a)}) imports {b} (layer {_layer_of(b)})"
              for a, bs in sorted(edges.items()) for b in sorted(bs)
              if _layer_of(b) is not None and _layer_of(a) is not None
              and _layer_of(b) > _layer_of(a)]
    assert upward == []


def test_the_ir_imports_nothing_of_functrans_but_errors_and_dtypes():
    _, edges, _ = _graph()
    assert edges["functrans.ir"] <= {"functrans.errors", "functrans.dtypes"}
    # The Tracer's operators are installed by functrans.numpy, never imported by core.
    assert not [b for b in edges["functrans.core"] if _inside(b, "functrans.numpy")]
