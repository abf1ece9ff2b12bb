"""Pytrees: taking nested containers apart into leaves plus a structure, and putting them back.

This module owns the pytree node registry (which types are containers and how to split and rebuild
them), the immutable `PyTreeDef` structure object, and the `tree_*` helpers built on the two.
Every transformation in functrans passes its inputs and outputs through here, so flattening a
small tuple of arrays is kept cheap.

A pytree is either a leaf or a node whose children are pytrees. Nodes are, by exact type:

* `tuple` and `list` (children in order);
* `dict` (children in sorted key order; rebuilt with keys in sorted order);
* `None` (a node with no children, so it contributes no leaves);
* namedtuples: any `tuple` subclass with `_fields`, rebuilt as the same class;
* `collections.OrderedDict` (children in insertion order, which is part of the structure);
* `collections.defaultdict` (like `dict`; the default factory is part of the structure);
* any type registered with `register_pytree_node`.

Everything else is a leaf: NumPy arrays, Python scalars, strings, and instances of any other
class, including subclasses of `dict` or `list` that were not registered themselves.
"""
from __future__ import annotations

import collections
import functools
from typing import Any, Callable, Hashable, Iterable, Sequence

from .errors import FunctransTypeError, FunctransValueError

__all__ = [
    "PyTreeDef",
    "register_pytree_node",
    "tree_all",
    "tree_flatten",
    "tree_leaves",
    "tree_map",
    "tree_reduce",
    "tree_structure",
    "tree_unflatten",
    "treedef_is_leaf",
]

PyTree = Any
IsLeaf = Callable[[Any], bool] | None


# --------------------------------------------------------------------------------------------
# Node kinds and the registry
# --------------------------------------------------------------------------------------------

class _NodeKind:
    """How one container type is split into children and rebuilt.

    `style` only steers repr, error messages and key paths; the hot paths use the two functions.
    """

    __slots__ = ("node_type", "flatten", "unflatten", "style")

    def __init__(self, node_type: type, flatten: Callable, unflatten: Callable, style: str):
        self.node_type = node_type
        self.flatten = flatten
        self.unflatten = unflatten
        self.style = style


def _sorted_keys(d: dict) -> list:
    try:
        return sorted(d)
    except TypeError as e:
        raise FunctransTypeError(
            f"tree_flatten: cannot sort the keys {list(d)!r} of a {type(d).__name__}; pytree "
            f"dicts are flattened in sorted key order, so use mutually comparable keys "
            f"(for example all str): {e}"
        ) from None


def _flatten_dict(d: dict) -> tuple[list, tuple]:
    keys = _sorted_keys(d)
    return [d[k] for k in keys], tuple(keys)


def _flatten_defaultdict(d: collections.defaultdict) -> tuple[list, tuple]:
    keys = _sorted_keys(d)
    return [d[k] for k in keys], (d.default_factory, tuple(keys))


def _flatten_ordereddict(d: collections.OrderedDict) -> tuple[list, tuple]:
    return list(d.values()), tuple(d)


def _as_is(x: Any) -> tuple[Any, None]:
    return x, None


_BUILTIN_KINDS = [
    _NodeKind(tuple, _as_is, lambda aux, ch: tuple(ch), "tuple"),
    _NodeKind(list, _as_is, lambda aux, ch: list(ch), "list"),
    _NodeKind(dict, _flatten_dict, lambda aux, ch: dict(zip(aux, ch, strict=True)), "dict"),
    _NodeKind(type(None), lambda x: ((), None), lambda aux, ch: None, "none"),
    _NodeKind(
        collections.OrderedDict,
        _flatten_ordereddict,
        lambda aux, ch: collections.OrderedDict(zip(aux, ch, strict=True)),
        "ordereddict",
    ),
    _NodeKind(
        collections.defaultdict,
        _flatten_defaultdict,
        lambda aux, ch: collections.defaultdict(aux[0], zip(aux[1], ch, strict=True)),
        "defaultdict",
    ),
]

# Types that are nodes because they are built in or were registered: the "registered twice" check.
_registry: dict[type, _NodeKind] = {kind.node_type: kind for kind in _BUILTIN_KINDS}


def _classify(typ: type) -> _NodeKind | None:
    """The node kind of a type not yet seen, or None for a leaf type."""
    kind = _registry.get(typ)
    if kind is not None:
        return kind
    # Namedtuples have no common base class; `_fields` on a tuple subclass is how they are known.
    if issubclass(typ, tuple) and hasattr(typ, "_fields"):
        return _NodeKind(typ, _as_is, lambda aux, ch, _cls=typ: _cls(*ch), "namedtuple")
    return None


class _Dispatch(dict):
    """type -> _NodeKind, or None for leaf types; filled on first sight of each type.

    Looking every value up here (rather than an isinstance chain) keeps the per-leaf cost of
    flattening to one dict hit. Leaf types are cached too, so arrays and scalars are one lookup.
    """

    def __missing__(self, typ: type) -> _NodeKind | None:
        kind = _classify(typ)
        self[typ] = kind
        return kind


_dispatch = _Dispatch(_registry)


def register_pytree_node(
    nodetype: type,
    flatten_func: Callable[[Any], tuple[Iterable[Any], Hashable]],
    unflatten_func: Callable[[Hashable, Sequence[Any]], Any],
) -> None:
    """Registers a type as a pytree node, so tree functions look inside its instances.

    Only instances whose type is exactly `nodetype` are affected; subclasses stay leaves unless
    registered themselves.

    Args:
        nodetype: the class to register.
        flatten_func: `flatten_func(x) -> (children, aux_data)`. `children` is an iterable of the
            sub-pytrees of `x`; `aux_data` is everything else needed to rebuild `x`. It becomes
            part of the `PyTreeDef`, so it must be hashable and comparable with `==`.
        unflatten_func: `unflatten_func(aux_data, children) -> x`, where `children` is a tuple.

    Raises:
        TypeError: if `nodetype` is not a class or a function is not callable.
        ValueError: if `nodetype` is already a pytree node type (built in or registered).

    Example:
        >>> class Pair:
        ...     def __init__(self, a, b):
        ...         self.a, self.b = a, b
        >>> register_pytree_node(
        ...     Pair, lambda p: ((p.a, p.b), None), lambda aux, ch: Pair(*ch))
        >>> tree_leaves(Pair(1, (2, 3)))
        [1, 2, 3]
    """
    if not isinstance(nodetype, type):
        raise FunctransTypeError(
            f"register_pytree_node: nodetype must be a class, got {nodetype!r}"
        )
    for name, func in (("flatten_func", flatten_func), ("unflatten_func", unflatten_func)):
        if not callable(func):
            raise FunctransTypeError(
                f"register_pytree_node: {name} for {nodetype.__qualname__} must be callable, "
                f"got {func!r}"
            )
    if nodetype in _registry:
        raise FunctransValueError(
            f"register_pytree_node: {nodetype.__module__}.{nodetype.__qualname__} is already a "
            f"pytree node type; register each type once (at import time of the module that "
            f"defines it)"
        )

    def flatten(x: Any) -> tuple[Iterable[Any], Hashable]:
        result = flatten_func(x)
        # A bare `children, aux = ...` would fail with an unpacking error naming nothing.
        if not (isinstance(result, tuple) and len(result) == 2):
            raise FunctransTypeError(
                f"tree_flatten: the flatten_func registered for {nodetype.__qualname__} must "
                f"return a pair (children, aux_data), got {result!r}"
            )
        return result

    def unflatten(aux: Hashable, children: Sequence[Any]) -> Any:
        return unflatten_func(aux, tuple(children))

    kind = _NodeKind(nodetype, flatten, unflatten, "custom")
    _registry[nodetype] = kind
    # Overrides a cached "leaf" (or namedtuple) verdict if the type was seen before registration.
    _dispatch[nodetype] = kind


# --------------------------------------------------------------------------------------------
# PyTreeDef
# --------------------------------------------------------------------------------------------

_new_object = object.__new__
_set_attr = object.__setattr__


class PyTreeDef:
    """The structure of a pytree: node types, their aux data and nesting, with leaves as holes.

    Immutable and hashable; `==` compares structure. Get one from `tree_flatten` or
    `tree_structure`; it cannot be constructed directly.

    Example:
        >>> treedef = tree_structure((1, {'a': 2, 'b': [3, 4]}))
        >>> treedef
        PyTreeDef((*, {'a': *, 'b': [*, *]}))
        >>> treedef.num_leaves
        4
        >>> treedef.unflatten(['w', 'x', 'y', 'z'])
        ('w', {'a': 'x', 'b': ['y', 'z']})
    """

    # _kind is None only for the single leaf treedef, _LEAF.
    __slots__ = ("_kind", "_aux", "_children", "_num_leaves", "_num_nodes", "_hash")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise FunctransTypeError(
            "PyTreeDef cannot be constructed directly; use tree_structure(tree) or "
            "tree_flatten(tree)"
        )

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"PyTreeDef is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"PyTreeDef is immutable; cannot delete {name!r}")

    def __copy__(self) -> PyTreeDef:
        return self

    def __deepcopy__(self, memo: dict) -> PyTreeDef:
        return self

    @property
    def num_leaves(self) -> int:
        """The number of leaves in trees of this structure."""
        return self._num_leaves

    @property
    def num_nodes(self) -> int:
        """The number of nodes, counting leaves and `None` nodes (a single leaf has 1)."""
        return self._num_nodes

    def children(self) -> list[PyTreeDef]:
        """The treedefs of the root node's children (an empty list for a leaf)."""
        return list(self._children)

    def unflatten(self, leaves: Iterable[Any]) -> PyTree:
        """Builds a tree of this structure from leaves; the same as `tree_unflatten(self, ...)`.

        Example:
            >>> tree_structure([0, (0, 0)]).unflatten([1, 2, 3])
            [1, (2, 3)]
        """
        return tree_unflatten(self, leaves)

    def flatten_up_to(self, tree: PyTree) -> list[Any]:
        """Flattens `tree` only as deep as this treedef goes.

        This treedef must be a prefix of `tree`'s structure: each of its nodes must be matched
        by a node of the same type and aux data (dict keys, for instance) in `tree`, and each
        of its leaves is matched by a whole subtree of `tree`, which becomes one output element.
        This is how a prefix such as vmap's `in_axes` is lined up with the arguments. Flatten
        such a prefix with `is_leaf=lambda x: x is None` if `None` entries in it are meant as
        leaves rather than as empty nodes.

        Args:
            tree: a pytree whose structure has this treedef as a prefix.

        Returns:
            A list of `num_leaves` subtrees of `tree`, in leaf order.

        Raises:
            ValueError: if `tree` does not match; the message gives the path, what was expected
                there and what was found.

        Example:
            >>> prefix = tree_structure((0, 0))
            >>> prefix.flatten_up_to(((1, 2), {'x': 3}))
            [(1, 2), {'x': 3}]
        """
        if self is _LEAF:
            return [tree]
        out: list[Any] = []
        _flatten_up_to(self, tree, out, (), self)
        return out

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, PyTreeDef):
            return NotImplemented
        if self._num_leaves != other._num_leaves or self._num_nodes != other._num_nodes:
            return False
        if self._kind is None or other._kind is None:
            return self._kind is other._kind
        return (
            self._kind.node_type is other._kind.node_type
            and self._aux == other._aux
            and self._children == other._children
        )

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            node_type = None if self._kind is None else self._kind.node_type
            try:
                h = hash((node_type, self._aux, self._children))
            except TypeError as e:
                raise FunctransTypeError(
                    f"PyTreeDef is unhashable because the aux data {self._aux!r} of its "
                    f"{node_type.__qualname__} node is unhashable ({e}); make that type's "
                    f"flatten_func return hashable aux_data"
                ) from None
            _set_attr(self, "_hash", h)
        return h

    def __repr__(self) -> str:
        return f"PyTreeDef({_repr_node(self)})"

    def __reduce__(self) -> Any:
        raise FunctransTypeError(
            "PyTreeDef cannot be pickled; pickle the tree itself and call tree_structure on it"
        )


def _make(kind: _NodeKind | None, aux: Any, children: tuple, num_leaves: int,
          num_nodes: int) -> PyTreeDef:
    td = _new_object(PyTreeDef)
    _set_attr(td, "_kind", kind)
    _set_attr(td, "_aux", aux)
    _set_attr(td, "_children", children)
    _set_attr(td, "_num_leaves", num_leaves)
    _set_attr(td, "_num_nodes", num_nodes)
    _set_attr(td, "_hash", None)
    return td


# The one leaf treedef: the hot loops test `child is _LEAF` instead of reading attributes.
_LEAF = _make(None, None, (), 1, 1)


def _repr_node(td: PyTreeDef) -> str:
    if td is _LEAF:
        return "*"
    kind = td._kind
    style = kind.style
    parts = [_repr_node(c) for c in td._children]
    if style == "tuple":
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    if style == "list":
        return "[" + ", ".join(parts) + "]"
    if style == "none":
        return "None"
    if style == "dict":
        return _repr_items(td._aux, parts)
    if style == "ordereddict":
        return f"OrderedDict({_repr_items(td._aux, parts)})"
    if style == "defaultdict":
        factory = td._aux[0]
        name = getattr(factory, "__qualname__", repr(factory))
        return f"defaultdict({name}, {_repr_items(td._aux[1], parts)})"
    if style == "namedtuple":
        fields = kind.node_type._fields
        inner = ", ".join(f"{f}={p}" for f, p in zip(fields, parts, strict=True))
        return f"{kind.node_type.__qualname__}({inner})"
    return f"CustomNode({kind.node_type.__qualname__}[{td._aux!r}], [{', '.join(parts)}])"


def _repr_items(keys: Sequence[Any], parts: list[str]) -> str:
    return "{" + ", ".join(f"{k!r}: {p}" for k, p in zip(keys, parts, strict=True)) + "}"


# --------------------------------------------------------------------------------------------
# Flatten / unflatten
# --------------------------------------------------------------------------------------------

def _flatten_node(node: Any, kind: _NodeKind, is_leaf: IsLeaf, leaves: list) -> PyTreeDef:
    """Flattens a node whose kind is known; recursion depth is the tree's depth, not its size."""
    children, aux = kind.flatten(node)
    start = len(leaves)
    child_defs: list[PyTreeDef] = []
    append_def = child_defs.append
    # Non-leaf children add their own node counts beyond the 1 each child is counted as.
    extra_nodes = 0
    if is_leaf is None:
        dispatch = _dispatch
        append_leaf = leaves.append
        for child in children:
            child_kind = dispatch[type(child)]
            if child_kind is None:
                append_leaf(child)
                append_def(_LEAF)
            else:
                sub = _flatten_node(child, child_kind, None, leaves)
                extra_nodes += sub._num_nodes - 1
                append_def(sub)
    else:
        for child in children:
            sub = _flatten_any(child, is_leaf, leaves)
            extra_nodes += sub._num_nodes - 1
            append_def(sub)
    return _make(kind, aux, tuple(child_defs), len(leaves) - start,
                 1 + len(child_defs) + extra_nodes)


def _flatten_any(node: Any, is_leaf: IsLeaf, leaves: list) -> PyTreeDef:
    if is_leaf is not None and is_leaf(node):
        leaves.append(node)
        return _LEAF
    kind = _dispatch[type(node)]
    if kind is None:
        leaves.append(node)
        return _LEAF
    return _flatten_node(node, kind, is_leaf, leaves)


def tree_flatten(tree: PyTree, is_leaf: IsLeaf = None) -> tuple[list[Any], PyTreeDef]:
    """Splits a pytree into its leaves and its structure.

    Args:
        tree: the pytree to flatten.
        is_leaf: optional predicate called on every subtree, root included, before its type is
            looked at; a subtree for which it returns True is kept whole as one leaf.

    Returns:
        `(leaves, treedef)`: the leaves in depth-first order (dict children in sorted key
        order), and a `PyTreeDef` that `tree_unflatten` rebuilds the tree from.

    Raises:
        TypeError: if a dict's keys cannot be sorted, or a registered flatten_func misbehaves.

    Example:
        >>> leaves, treedef = tree_flatten({'b': (1, None), 'a': [2]})
        >>> leaves
        [2, 1]
        >>> treedef
        PyTreeDef({'a': [*], 'b': (*, None)})
    """
    leaves: list[Any] = []
    if is_leaf is None:
        kind = _dispatch[type(tree)]
        if kind is None:
            return [tree], _LEAF
        return leaves, _flatten_node(tree, kind, None, leaves)
    return leaves, _flatten_any(tree, is_leaf, leaves)


def tree_leaves(tree: PyTree, is_leaf: IsLeaf = None) -> list[Any]:
    """The leaves of a pytree, in the order `tree_flatten` gives them.

    Args:
        tree: the pytree.
        is_leaf: as for `tree_flatten`.

    Returns:
        A list of leaves.

    Example:
        >>> tree_leaves([1, {'y': 3, 'x': 2}, None])
        [1, 2, 3]
    """
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: PyTree, is_leaf: IsLeaf = None) -> PyTreeDef:
    """The `PyTreeDef` of a pytree.

    Args:
        tree: the pytree.
        is_leaf: as for `tree_flatten`.

    Returns:
        The tree's structure.

    Example:
        >>> tree_structure((1, [2, 3]))
        PyTreeDef((*, [*, *]))
    """
    return tree_flatten(tree, is_leaf)[1]


def _unflatten_node(td: PyTreeDef, leaves: list, pos: int) -> tuple[Any, int]:
    """Rebuilds the subtree `td` from `leaves[pos:]`; returns it and the next position."""
    child_defs = td._children
    n = len(child_defs)
    if td._num_leaves == n and td._num_nodes == n + 1:
        # Every child is a leaf (each child is one node carrying one leaf): one slice.
        children = leaves[pos:pos + n]
        pos += n
    else:
        children = []
        append = children.append
        for child in child_defs:
            if child is _LEAF:
                append(leaves[pos])
                pos += 1
            else:
                sub, pos = _unflatten_node(child, leaves, pos)
                append(sub)
    return td._kind.unflatten(td._aux, children), pos


def _unflatten_list(treedef: PyTreeDef, leaves: list) -> PyTree:
    if len(leaves) != treedef._num_leaves:
        raise FunctransValueError(
            f"tree_unflatten: treedef expects {treedef._num_leaves} leaves, got {len(leaves)}; "
            f"pass exactly one leaf per '*' in {treedef!r}"
        )
    if treedef is _LEAF:
        return leaves[0]
    return _unflatten_node(treedef, leaves, 0)[0]


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Any]) -> PyTree:
    """Builds a pytree of the given structure from leaves; the inverse of `tree_flatten`.

    Args:
        treedef: the structure, from `tree_flatten` or `tree_structure`.
        leaves: an iterable of exactly `treedef.num_leaves` leaves, in flattening order.

    Returns:
        The rebuilt pytree. Dicts come back with keys in sorted order.

    Raises:
        TypeError: if `treedef` is not a `PyTreeDef`.
        ValueError: if the number of leaves is wrong.

    Example:
        >>> leaves, treedef = tree_flatten((1, {'a': 2}))
        >>> tree_unflatten(treedef, [x * 10 for x in leaves])
        (10, {'a': 20})
    """
    if not isinstance(treedef, PyTreeDef):
        raise FunctransTypeError(
            f"tree_unflatten: the first argument must be a PyTreeDef (from tree_flatten or "
            f"tree_structure), got {type(treedef).__name__}; the order is (treedef, leaves)"
        )
    return _unflatten_list(treedef, leaves if type(leaves) is list else list(leaves))


# --------------------------------------------------------------------------------------------
# flatten_up_to and its error messages
# --------------------------------------------------------------------------------------------

def _flatten_up_to(td: PyTreeDef, tree: Any, out: list, path: tuple, root: PyTreeDef) -> None:
    """Appends to `out` the subtrees of `tree` at the leaves of `td` (a non-leaf treedef).

    `path` holds (parent treedef, child index) pairs, turned into text only for an error.
    """
    kind = td._kind
    if type(tree) is not kind.node_type:
        _raise_mismatch(td, tree, path, root)
    children, aux = kind.flatten(tree)
    if type(children) is not list and type(children) is not tuple:
        children = list(children)
    child_defs = td._children
    if len(children) != len(child_defs) or aux != td._aux:
        _raise_mismatch(td, tree, path, root)
    if td._num_leaves == len(child_defs) and td._num_nodes == len(child_defs) + 1:
        out.extend(children)
        return
    for i, (child_def, child) in enumerate(zip(child_defs, children, strict=True)):
        if child_def is _LEAF:
            out.append(child)
        else:
            _flatten_up_to(child_def, child, out, path + ((td, i),), root)


def _path_entry(td: PyTreeDef, i: int) -> str:
    style = td._kind.style
    if style in ("dict", "ordereddict"):
        return f"[{td._aux[i]!r}]"
    if style == "defaultdict":
        return f"[{td._aux[1][i]!r}]"
    if style == "namedtuple":
        return f".{td._kind.node_type._fields[i]}"
    return f"[{i}]"


def _short_repr(x: Any, limit: int = 60) -> str:
    text = repr(x)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _describe_kind(kind: _NodeKind, aux: Any, num_children: int) -> str:
    style = kind.style
    if style == "none":
        return "None"
    if style in ("dict", "ordereddict"):
        return f"a {kind.node_type.__name__} with keys {_short_repr(list(aux))}"
    if style == "defaultdict":
        return f"a defaultdict with keys {_short_repr(list(aux[1]))}"
    if style == "custom":
        return (f"a {kind.node_type.__qualname__} node with aux data {_short_repr(aux)} and "
                f"{num_children} children")
    return f"a {kind.node_type.__qualname__} of length {num_children}"


def _describe_value(x: Any) -> str:
    kind = _dispatch[type(x)]
    if kind is None:
        return f"a leaf of type {type(x).__qualname__} ({_short_repr(x)})"
    try:
        children, aux = kind.flatten(x)
        return _describe_kind(kind, aux, len(list(children)))
    except Exception:  # Only describing an error already being raised; don't mask it.
        return f"a {type(x).__qualname__}"


def _raise_mismatch(td: PyTreeDef, tree: Any, path: tuple, root: PyTreeDef) -> None:
    where = "tree" + "".join(_path_entry(parent, i) for parent, i in path)
    expected = _describe_kind(td._kind, td._aux, len(td._children))
    got = _describe_value(tree)
    hint = ""
    if td._kind.style in ("dict", "defaultdict", "ordereddict") and isinstance(tree, dict):
        want = list(td._aux[1] if td._kind.style == "defaultdict" else td._aux)
        missing = [k for k in want if k not in tree]
        extra = [k for k in tree if k not in want]
        if missing or extra:
            hint = f" (missing keys {missing!r}, unexpected keys {extra!r})"
    raise FunctransValueError(
        f"flatten_up_to: {where} is {got}, but the treedef has {expected} there{hint}. The "
        f"tree must have the treedef {root!r} as a prefix of its structure: same containers "
        f"down to the treedef's leaves, anything at and below them."
    )


# --------------------------------------------------------------------------------------------
# Helpers built on flatten / unflatten
# --------------------------------------------------------------------------------------------

def tree_map(f: Callable[..., Any], tree: PyTree, *rest: PyTree, is_leaf: IsLeaf = None) -> PyTree:
    """Applies `f` to the leaves of one or more trees and rebuilds the first tree's structure.

    With several trees, `f` gets one leaf from each, at the same position. The other trees must
    have the first tree's structure; as in JAX, where the first tree has a leaf the others may
    hold whole subtrees, which are passed to `f` as they are.

    Args:
        f: called as `f(leaf, *leaves_of_rest)` once per leaf of `tree`.
        tree: the first tree; its leaves (under `is_leaf`) decide where `f` is applied.
        *rest: further trees with `tree`'s structure.
        is_leaf: as for `tree_flatten`, applied to `tree` only.

    Returns:
        A tree of `tree`'s structure holding the results of `f`.

    Raises:
        ValueError: if a tree in `rest` does not match; the message shows both structures.

    Example:
        >>> tree_map(lambda x, y: x + y, (1, {'a': 2}), (10, {'a': 20}))
        (11, {'a': 22})
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    if not rest:
        return _unflatten_list(treedef, [f(x) for x in leaves])
    others = []
    for number, other in enumerate(rest, start=2):
        try:
            others.append(treedef.flatten_up_to(other))
        except ValueError as e:
            try:
                other_structure = repr(tree_structure(other))
            except Exception:  # Only for the message; the mismatch is the error to report.
                other_structure = f"<unflattenable {type(other).__qualname__}>"
            raise FunctransValueError(
                f"tree_map: tree argument {number} has structure {other_structure}, which does "
                f"not match the first tree's structure {treedef!r}; pass trees of the same "
                f"structure. Detail: {e}"
            ) from None
    return _unflatten_list(treedef, [f(*xs) for xs in zip(leaves, *others, strict=True)])


_NO_INITIALIZER = object()


def tree_reduce(
    function: Callable[[Any, Any], Any],
    tree: PyTree,
    initializer: Any = _NO_INITIALIZER,
    is_leaf: IsLeaf = None,
) -> Any:
    """Folds `function` over the leaves of a tree, left to right, like `functools.reduce`.

    Args:
        function: a two-argument function `function(accumulated, leaf)`.
        tree: the pytree whose leaves are reduced.
        initializer: the starting value; if omitted the first leaf is.
        is_leaf: as for `tree_flatten`.

    Returns:
        The reduced value.

    Raises:
        TypeError: if the tree has no leaves and no initializer is given.

    Example:
        >>> tree_reduce(lambda a, b: a + b, [1, (2, 3)], 100)
        106
    """
    leaves = tree_leaves(tree, is_leaf)
    if initializer is _NO_INITIALIZER:
        if not leaves:
            raise FunctransTypeError(
                "tree_reduce: the tree has no leaves and no initializer was given; pass an "
                "initializer"
            )
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)


def tree_all(tree: PyTree, *, is_leaf: IsLeaf = None) -> bool:
    """Whether every leaf of the tree is truthy (True for a tree with no leaves).

    Args:
        tree: the pytree.
        is_leaf: as for `tree_flatten`.

    Returns:
        `all(tree_leaves(tree))`.

    Example:
        >>> tree_all((True, {'a': 1}))
        True
        >>> tree_all([True, None, 0])
        False
    """
    return all(tree_leaves(tree, is_leaf))


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
    """Whether a treedef is that of a single leaf.

    Unlike JAX, the treedef of `None` is not a leaf here: it is a node with no children.

    Args:
        treedef: a `PyTreeDef`.

    Returns:
        True for the structure of a leaf, else False.

    Example:
        >>> treedef_is_leaf(tree_structure(1.0)), treedef_is_leaf(tree_structure((1.0,)))
        (True, False)
    """
    return treedef._kind is None
