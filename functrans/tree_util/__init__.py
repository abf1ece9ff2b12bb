"""Pytrees: taking nested containers apart into leaves plus a structure, and putting them back.

This package owns the pytree node registry (`_registry`: which types are containers and how to
split and rebuild them), the immutable `PyTreeDef` structure object and the tree walks
(`_treedef`), and here the public `tree_*` functions built on the two.
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

import functools
from collections.abc import Callable, Iterable
from typing import Any

from functrans import errors
from functrans.tree_util import _registry, _treedef

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

PyTree = _treedef.PyTree
IsLeaf = _treedef.IsLeaf
PyTreeDef = _treedef.PyTreeDef
register_pytree_node = _registry.register_pytree_node


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
        kind = _registry.dispatch[type(tree)]
        if kind is None:
            return [tree], _treedef.LEAF
        return leaves, _treedef.flatten_node(tree, kind, None, leaves)
    return leaves, _treedef.flatten_any(tree, is_leaf, leaves)


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
        raise errors.FunctransTypeError(
            f"tree_unflatten: the first argument must be a PyTreeDef (from tree_flatten or "
            f"tree_structure), got {type(treedef).__name__}; the order is (treedef, leaves)"
        )
    return _treedef.unflatten_list(treedef, leaves if type(leaves) is list else list(leaves))


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
        return _treedef.unflatten_list(treedef, [f(x) for x in leaves])
    others = []
    for number, other in enumerate(rest, start=2):
        try:
            others.append(treedef.flatten_up_to(other))
        except ValueError as e:
            try:
                other_structure = repr(tree_structure(other))
            except Exception:  # Only for the message; the mismatch is the error to report.
                other_structure = f"<unflattenable {type(other).__qualname__}>"
            raise errors.FunctransValueError(
                f"tree_map: tree argument {number} has structure {other_structure}, which does "
                f"not match the first tree's structure {treedef!r}; pass trees of the same "
                f"structure. Detail: {e}"
            ) from None
    return _treedef.unflatten_list(treedef, [f(*xs) for xs in zip(leaves, *others, strict=True)])


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
            raise errors.FunctransTypeError(
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
