"""`PyTreeDef`, the structure of a pytree, and the tree walks that build and read it.

Owns the immutable `PyTreeDef` (with its repr, equality and hash), the single leaf treedef
`LEAF`, flattening (`flatten_node`, `flatten_any`: tree -> leaves + treedef), unflattening
(`unflatten_list`) and `PyTreeDef.flatten_up_to` with its mismatch messages. These loops are
the hot path of every transformation call, so they read the treedef's slots directly. Does not
own which types are nodes (`_registry`) or the public `tree_*` functions (`functrans.tree_util`).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from functrans import errors
from functrans.tree_util import _registry

PyTree = Any
IsLeaf = Callable[[Any], bool] | None

_new_object = object.__new__
_set_attr = object.__setattr__


class PyTreeDef:
    """The structure of a pytree: node types, their aux data and nesting, with leaves as holes.

    Immutable and hashable; `==` compares structure. Get one from `tree_flatten` or
    `tree_structure`; it cannot be constructed directly.

    Example:
        >>> from functrans.tree_util import tree_structure
        >>> treedef = tree_structure((1, {'a': 2, 'b': [3, 4]}))
        >>> treedef
        PyTreeDef((*, {'a': *, 'b': [*, *]}))
        >>> treedef.num_leaves
        4
        >>> treedef.unflatten(['w', 'x', 'y', 'z'])
        ('w', {'a': 'x', 'b': ['y', 'z']})
    """

    # _kind is None only for the single leaf treedef, LEAF.
    __slots__ = ("_kind", "_aux", "_children", "_num_leaves", "_num_nodes", "_hash")
    # The slots' types (set once, by `_make`, through object.__setattr__). `_kind` is typed
    # for the nodes that read it: every reader tests `td is LEAF` (whose _kind is None) first.
    _kind: _registry.NodeKind
    _aux: Any
    _children: tuple[PyTreeDef, ...]
    _num_leaves: int
    _num_nodes: int
    _hash: int | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise errors.FunctransTypeError(
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
            >>> from functrans.tree_util import tree_structure
            >>> tree_structure([0, (0, 0)]).unflatten([1, 2, 3])
            [1, (2, 3)]
        """
        return unflatten_list(self, leaves if type(leaves) is list else list(leaves))

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
            >>> from functrans.tree_util import tree_structure
            >>> prefix = tree_structure((0, 0))
            >>> prefix.flatten_up_to(((1, 2), {'x': 3}))
            [(1, 2), {'x': 3}]
        """
        if self is LEAF:
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
                raise errors.FunctransTypeError(
                    f"PyTreeDef is unhashable because the aux data {self._aux!r} of its "
                    f"{node_type.__qualname__} node is unhashable ({e}); make that type's "
                    f"flatten_func return hashable aux_data"
                ) from None
            _set_attr(self, "_hash", h)
        return h

    def __repr__(self) -> str:
        return f"PyTreeDef({_repr_node(self)})"

    def __reduce__(self) -> Any:
        raise errors.FunctransTypeError(
            "PyTreeDef cannot be pickled; pickle the tree itself and call tree_structure on it"
        )


def _make(kind: _registry.NodeKind | None, aux: Any, children: tuple, num_leaves: int,
          num_nodes: int) -> PyTreeDef:
    td = _new_object(PyTreeDef)
    _set_attr(td, "_kind", kind)
    _set_attr(td, "_aux", aux)
    _set_attr(td, "_children", children)
    _set_attr(td, "_num_leaves", num_leaves)
    _set_attr(td, "_num_nodes", num_nodes)
    _set_attr(td, "_hash", None)
    return td


# The one leaf treedef: the hot loops test `child is LEAF` instead of reading attributes.
LEAF = _make(None, None, (), 1, 1)


def _repr_node(td: PyTreeDef) -> str:
    if td is LEAF:
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
# The tree walks: flattening builds a PyTreeDef, unflattening and flatten_up_to read one
# --------------------------------------------------------------------------------------------


def flatten_node(node: Any, kind: _registry.NodeKind, is_leaf: IsLeaf,
                 leaves: list) -> PyTreeDef:
    """Flattens a node whose kind is known; recursion depth is the tree's depth, not its size."""
    children, aux = kind.flatten(node)
    start = len(leaves)
    child_defs: list[PyTreeDef] = []
    append_def = child_defs.append
    # Non-leaf children add their own node counts beyond the 1 each child is counted as.
    extra_nodes = 0
    if is_leaf is None:
        dispatch = _registry.dispatch
        append_leaf = leaves.append
        for child in children:
            child_kind = dispatch[type(child)]
            if child_kind is None:
                append_leaf(child)
                append_def(LEAF)
            else:
                sub = flatten_node(child, child_kind, None, leaves)
                extra_nodes += sub._num_nodes - 1
                append_def(sub)
    else:
        for child in children:
            sub = flatten_any(child, is_leaf, leaves)
            extra_nodes += sub._num_nodes - 1
            append_def(sub)
    return _make(kind, aux, tuple(child_defs), len(leaves) - start,
                 1 + len(child_defs) + extra_nodes)


def flatten_any(node: Any, is_leaf: IsLeaf, leaves: list) -> PyTreeDef:
    if is_leaf is not None and is_leaf(node):
        leaves.append(node)
        return LEAF
    kind = _registry.dispatch[type(node)]
    if kind is None:
        leaves.append(node)
        return LEAF
    return flatten_node(node, kind, is_leaf, leaves)


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
            if child is LEAF:
                append(leaves[pos])
                pos += 1
            else:
                sub, pos = _unflatten_node(child, leaves, pos)
                append(sub)
    return td._kind.unflatten(td._aux, children), pos


def unflatten_list(treedef: PyTreeDef, leaves: list) -> PyTree:
    if len(leaves) != treedef._num_leaves:
        raise errors.FunctransValueError(
            f"tree_unflatten: treedef expects {treedef._num_leaves} leaves, got {len(leaves)}; "
            f"pass exactly one leaf per '*' in {treedef!r}"
        )
    if treedef is LEAF:
        return leaves[0]
    return _unflatten_node(treedef, leaves, 0)[0]


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
        if child_def is LEAF:
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


def _describe_kind(kind: _registry.NodeKind, aux: Any, num_children: int) -> str:
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
    kind = _registry.dispatch[type(x)]
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
    raise errors.FunctransValueError(
        f"flatten_up_to: {where} is {got}, but the treedef has {expected} there{hint}. The "
        f"tree must have the treedef {root!r} as a prefix of its structure: same containers "
        f"down to the treedef's leaves, anything at and below them."
    )
