"""The pytree node registry: which types are containers, and how to split and rebuild them.

Owns `NodeKind` (one container type's flatten and unflatten functions), the built-in node kinds
(tuple, list, dict, None, namedtuples, OrderedDict, defaultdict), `register_pytree_node` for
user types, and `dispatch`, the type -> kind lookup the tree walks use. Does not own the
`PyTreeDef` structure or the walks themselves (`_treedef`), nor the public `tree_*` functions.
"""
from __future__ import annotations

import collections
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

from functrans import errors


class NodeKind:
    """How one container type is split into children and rebuilt.

    `style` only steers repr, error messages and key paths; the hot paths use the two functions.
    """

    __slots__ = ("node_type", "flatten", "unflatten", "style")

    def __init__(self, node_type: type, flatten: Callable, unflatten: Callable, style: str):
        # type[Any]: a namedtuple's `_fields` is read through it (repr, key paths).
        self.node_type: type[Any] = node_type
        self.flatten = flatten
        self.unflatten = unflatten
        self.style = style


def _sorted_keys(d: dict) -> list:
    try:
        return sorted(d)
    except TypeError as e:
        raise errors.FunctransTypeError(
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
    NodeKind(tuple, _as_is, lambda aux, ch: tuple(ch), "tuple"),
    NodeKind(list, _as_is, lambda aux, ch: list(ch), "list"),
    NodeKind(dict, _flatten_dict, lambda aux, ch: dict(zip(aux, ch, strict=True)), "dict"),
    NodeKind(type(None), lambda x: ((), None), lambda aux, ch: None, "none"),
    NodeKind(
        collections.OrderedDict,
        _flatten_ordereddict,
        lambda aux, ch: collections.OrderedDict(zip(aux, ch, strict=True)),
        "ordereddict",
    ),
    NodeKind(
        collections.defaultdict,
        _flatten_defaultdict,
        lambda aux, ch: collections.defaultdict(aux[0], zip(aux[1], ch, strict=True)),
        "defaultdict",
    ),
]

# Types that are nodes because they are built in or were registered: the "registered twice" check.
_registry: dict[type, NodeKind] = {kind.node_type: kind for kind in _BUILTIN_KINDS}


def _classify(typ: type) -> NodeKind | None:
    """The node kind of a type not yet seen, or None for a leaf type."""
    kind = _registry.get(typ)
    if kind is not None:
        return kind
    # Namedtuples have no common base class; `_fields` on a tuple subclass is how they are known.
    if issubclass(typ, tuple) and hasattr(typ, "_fields"):
        return NodeKind(typ, _as_is, lambda aux, ch, _cls=typ: _cls(*ch), "namedtuple")
    return None


class _Dispatch(dict):
    """type -> NodeKind, or None for leaf types; filled on first sight of each type.

    Looking every value up here (rather than an isinstance chain) keeps the per-leaf cost of
    flattening to one dict hit. Leaf types are cached too, so arrays and scalars are one lookup.
    """

    def __missing__(self, typ: type) -> NodeKind | None:
        kind = _classify(typ)
        self[typ] = kind
        return kind


dispatch = _Dispatch(_registry)


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
        >>> from functrans.tree_util import register_pytree_node, tree_leaves
        >>> register_pytree_node(
        ...     Pair, lambda p: ((p.a, p.b), None), lambda aux, ch: Pair(*ch))
        >>> tree_leaves(Pair(1, (2, 3)))
        [1, 2, 3]
    """
    if not isinstance(nodetype, type):
        raise errors.FunctransTypeError(
            f"register_pytree_node: nodetype must be a class, got {nodetype!r}"
        )
    for name, func in (("flatten_func", flatten_func), ("unflatten_func", unflatten_func)):
        if not callable(func):
            raise errors.FunctransTypeError(
                f"register_pytree_node: {name} for {nodetype.__qualname__} must be callable, "
                f"got {func!r}"
            )
    if nodetype in _registry:
        raise errors.FunctransValueError(
            f"register_pytree_node: {nodetype.__module__}.{nodetype.__qualname__} is already a "
            f"pytree node type; register each type once (at import time of the module that "
            f"defines it)"
        )

    def flatten(x: Any) -> tuple[Iterable[Any], Hashable]:
        result = flatten_func(x)
        # A bare `children, aux = ...` would fail with an unpacking error naming nothing.
        if not (isinstance(result, tuple) and len(result) == 2):
            raise errors.FunctransTypeError(
                f"tree_flatten: the flatten_func registered for {nodetype.__qualname__} must "
                f"return a pair (children, aux_data), got {result!r}"
            )
        return result

    def unflatten(aux: Hashable, children: Sequence[Any]) -> Any:
        return unflatten_func(aux, tuple(children))

    kind = NodeKind(nodetype, flatten, unflatten, "custom")
    _registry[nodetype] = kind
    # Overrides a cached "leaf" (or namedtuple) verdict if the type was seen before registration.
    dispatch[nodetype] = kind
