"""Tests for functrans.tree_util: flatten/unflatten, PyTreeDef, tree_map and prefixes."""
from __future__ import annotations

import collections
import copy
import doctest
import time
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functrans import tree_util
from functrans.tree_util import (
    PyTreeDef,
    register_pytree_node,
    tree_all,
    tree_flatten,
    tree_leaves,
    tree_map,
    tree_reduce,
    tree_structure,
    tree_unflatten,
    treedef_is_leaf,
)


class Point(NamedTuple):
    x: object
    y: object


Pair = collections.namedtuple("Pair", ["first", "second"])


class Box:
    """A registered class: one child, plus a label kept as aux data."""

    def __init__(self, value, label):
        self.value = value
        self.label = label

    def __eq__(self, other):
        return type(other) is Box and self.label == other.label and self.value == other.value


register_pytree_node(Box, lambda b: ((b.value,), b.label), lambda label, ch: Box(ch[0], label))


def _same(a, b) -> bool:
    """Equality that also checks container types and dict key order (== ignores both)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Box):
        return a.label == b.label and _same(a.value, b.value)
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(a, b)
    return a == b


def _sorted_dicts(tree):
    """The tree with plain dicts in sorted key order, as unflatten rebuilds them (no tree_util)."""
    if type(tree) is dict:
        return {k: _sorted_dicts(tree[k]) for k in sorted(tree)}
    if type(tree) is collections.OrderedDict:
        return collections.OrderedDict((k, _sorted_dicts(v)) for k, v in tree.items())
    if type(tree) in (tuple, list):
        return type(tree)(_sorted_dicts(x) for x in tree)
    if type(tree) in (Point, Pair):
        return type(tree)(*(_sorted_dicts(x) for x in tree))
    if type(tree) is Box:
        return Box(_sorted_dicts(tree.value), tree.label)
    return tree


# ------------------------------------------------------------------------------------------------
# Flatten / unflatten
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "tree, expected_leaves",
    [
        (1.5, [1.5]),
        ((1, 2), [1, 2]),
        ([1, [2, (3,)]], [1, 2, 3]),
        ({"b": 2, "a": 1, "c": 3}, [1, 2, 3]),
        (None, []),
        ((None, 1, [None]), [1]),
        ((), []),
        ({}, []),
        (Point(1, Point(2, 3)), [1, 2, 3]),
        (Pair([1], {"k": 2}), [1, 2]),
        (collections.OrderedDict([("z", 1), ("a", 2)]), [1, 2]),
        (Box((1, 2), "lbl"), [1, 2]),
        ({"p": Point(x=[1, None], y=Box(2, "q")), "a": (3,)}, [3, 1, 2]),
    ],
)
def test_flatten_leaves_and_round_trip(tree, expected_leaves):
    leaves, treedef = tree_flatten(tree)
    assert leaves == expected_leaves
    assert treedef.num_leaves == len(expected_leaves)
    rebuilt = tree_unflatten(treedef, leaves)
    assert _same(rebuilt, _sorted_dicts(tree))
    assert tree_structure(rebuilt) == treedef


def test_dict_leaves_in_sorted_key_order_and_rebuilt_sorted():
    tree = {"b": 1, "c": {"z": 2, "y": 3}, "a": 4}
    assert tree_leaves(tree) == [4, 1, 3, 2]
    rebuilt = tree_unflatten(tree_structure(tree), [4, 1, 3, 2])
    assert list(rebuilt) == ["a", "b", "c"]
    assert list(rebuilt["c"]) == ["y", "z"]
    assert rebuilt == tree


def test_ordereddict_keeps_insertion_order_and_order_is_structure():
    od = collections.OrderedDict([("z", 1), ("a", 2)])
    leaves, treedef = tree_flatten(od)
    assert leaves == [1, 2]
    rebuilt = tree_unflatten(treedef, ["u", "v"])
    assert type(rebuilt) is collections.OrderedDict
    assert list(rebuilt.items()) == [("z", "u"), ("a", "v")]
    reordered = collections.OrderedDict([("a", 2), ("z", 1)])
    assert tree_structure(reordered) != treedef


def test_defaultdict_round_trip_keeps_factory():
    dd = collections.defaultdict(list, {"b": 1, "a": 2})
    leaves, treedef = tree_flatten(dd)
    assert leaves == [2, 1]
    rebuilt = tree_unflatten(treedef, [20, 10])
    assert type(rebuilt) is collections.defaultdict
    assert rebuilt.default_factory is list
    assert dict(rebuilt) == {"a": 20, "b": 10}
    assert tree_structure(collections.defaultdict(int, {"b": 1, "a": 2})) != treedef


def test_namedtuple_rebuilt_as_same_class():
    rebuilt = tree_unflatten(tree_structure(Point(1, 2)), ["a", "b"])
    assert type(rebuilt) is Point
    assert rebuilt.x == "a" and rebuilt.y == "b"
    assert tree_structure(Point(1, 2)) != tree_structure((1, 2))
    assert tree_structure(Point(1, 2)) != tree_structure(Pair(1, 2))


def test_none_is_an_empty_node_not_a_leaf():
    treedef = tree_structure([None, 1])
    assert treedef.num_leaves == 1
    assert tree_leaves([None, 1]) == [1]
    assert tree_unflatten(treedef, [5]) == [None, 5]
    assert tree_structure(None).num_leaves == 0
    assert tree_unflatten(tree_structure(None), []) is None
    assert not treedef_is_leaf(tree_structure(None))


def test_other_objects_are_leaves():
    class MyDict(dict):
        pass

    class MyTuple(tuple):
        pass

    arr = np.arange(3.0)
    obj = object()
    tree = [arr, "text", 3, 2.5, True, obj, MyDict(a=1), MyTuple((1, 2)), np.float32(1)]
    leaves = tree_leaves(tree)
    assert len(leaves) == len(tree)
    assert all(a is b for a, b in zip(leaves, tree, strict=True))
    assert treedef_is_leaf(tree_structure(arr))


def test_is_leaf_stops_descent_including_at_root():
    tree = ((1, 2), [3, None])
    assert tree_leaves(tree, is_leaf=lambda x: isinstance(x, tuple) and len(x) == 2) == [tree]
    leaves = tree_leaves(tree, is_leaf=lambda x: x == (1, 2))
    assert leaves == [(1, 2), 3]
    leaves, treedef = tree_flatten(tree, is_leaf=lambda x: x is None)
    assert leaves == [1, 2, 3, None]
    assert tree_unflatten(treedef, [1, 2, 3, "was None"]) == ((1, 2), [3, "was None"])


def test_unflatten_wrong_leaf_count_names_counts():
    treedef = tree_structure((1, 2, 3))
    with pytest.raises(ValueError, match="treedef expects 3 leaves, got 2"):
        tree_unflatten(treedef, [1, 2])
    with pytest.raises(ValueError, match="treedef expects 1 leaves, got 0"):
        tree_unflatten(tree_structure(1), [])


def test_unflatten_arguments_swapped_is_a_type_error():
    leaves, treedef = tree_flatten((1, 2))
    with pytest.raises(TypeError, match=r"order is \(treedef, leaves\)"):
        tree_unflatten(leaves, treedef)


def test_unflatten_accepts_any_iterable():
    treedef = tree_structure([1, (2, 3)])
    assert tree_unflatten(treedef, iter(range(3))) == [0, (1, 2)]
    assert treedef.unflatten((7, 8, 9)) == [7, (8, 9)]


def test_unsortable_dict_keys_raise_helpful_type_error():
    with pytest.raises(TypeError, match="cannot sort the keys"):
        tree_flatten({1: "a", "b": 2})


def test_large_flat_list_is_fast():
    big = list(range(100_000))
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        leaves, treedef = tree_flatten(big)
        rebuilt = tree_unflatten(treedef, leaves)
        best = min(best, time.perf_counter() - start)
    assert rebuilt == big
    assert treedef.num_leaves == 100_000
    assert treedef.num_nodes == 100_001
    # The aim is well under 50 ms; the bound leaves room for slow, shared CI machines.
    assert best < 0.25, f"flatten+unflatten of 100k leaves took {best * 1e3:.1f} ms"


def test_large_list_of_small_nodes_round_trips():
    big = [(i, None, {"a": i}) for i in range(20_000)]
    leaves, treedef = tree_flatten(big)
    assert len(leaves) == 40_000
    assert tree_unflatten(treedef, leaves) == big


def test_moderately_deep_tree():
    tree = 0
    for i in range(300):
        tree = [tree, i] if i % 2 else {"k": tree}
    leaves, treedef = tree_flatten(tree)
    assert leaves[0] == 0 and len(leaves) == 151
    assert tree_unflatten(treedef, leaves) == tree


# ------------------------------------------------------------------------------------------------
# PyTreeDef
# ------------------------------------------------------------------------------------------------

def test_treedef_repr():
    treedef = tree_structure((1, {"a": 2, "b": [3, 4]}))
    assert repr(treedef) == "PyTreeDef((*, {'a': *, 'b': [*, *]}))"
    assert repr(tree_structure((1,))) == "PyTreeDef((*,))"
    assert repr(tree_structure(1)) == "PyTreeDef(*)"
    assert repr(tree_structure([None])) == "PyTreeDef([None])"
    assert repr(tree_structure(Point(1, (2,)))) == "PyTreeDef(Point(x=*, y=(*,)))"
    od = collections.OrderedDict([("b", 1), ("a", 2)])
    assert repr(tree_structure(od)) == "PyTreeDef(OrderedDict({'b': *, 'a': *}))"
    assert repr(tree_structure(Box(1, "t"))) == "PyTreeDef(CustomNode(Box['t'], [*]))"


def test_treedef_equality_and_hash():
    a = tree_structure((1, {"x": [2, 3]}))
    b = tree_structure(("p", {"x": ["q", np.zeros(2)]}))
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1
    different = [
        tree_structure([1, {"x": [2, 3]}]),  # list vs tuple
        tree_structure((1, {"y": [2, 3]})),  # dict keys
        tree_structure((1, {"x": [2, 3, 4]})),  # leaf count
        tree_structure((1, {"x": [2, (3,)]})),  # nesting
        tree_structure((1, {"x": [2, None]})),  # None is not a leaf
        tree_structure((Box(1, "a"), {"x": [2, 3]})),
    ]
    for other in different:
        assert a != other, other
        assert not a == other
    assert tree_structure(Box(1, "a")) != tree_structure(Box(1, "b"))
    assert tree_structure(Box(1, "a")) == tree_structure(Box(2, "a"))
    assert len({a, *different}) == 1 + len(different)
    assert a != (1, {"x": [2, 3]})


def test_treedef_is_immutable_and_not_constructible():
    treedef = tree_structure((1, 2))
    with pytest.raises(AttributeError, match="immutable"):
        treedef._children = ()
    with pytest.raises(AttributeError):
        treedef.num_leaves = 5
    with pytest.raises(TypeError, match="tree_structure"):
        PyTreeDef()
    assert copy.copy(treedef) is treedef
    assert copy.deepcopy(treedef) is treedef
    assert treedef.num_leaves == 2


def test_treedef_counts_and_children():
    treedef = tree_structure((1, [2, None], {"a": 3}))
    assert treedef.num_leaves == 3
    # root, 1, list, 2, None, dict, 3
    assert treedef.num_nodes == 7
    kids = treedef.children()
    assert kids == [tree_structure(0), tree_structure([0, None]), tree_structure({"a": 0})]
    assert tree_structure(5).children() == []
    assert treedef_is_leaf(kids[0]) and not treedef_is_leaf(kids[1])


def test_treedef_unhashable_aux_raises_clear_error():
    class Holder:
        def __init__(self, v):
            self.v = v

    register_pytree_node(Holder, lambda h: ((h.v,), ["unhashable"]), lambda aux, ch: Holder(*ch))
    treedef = tree_structure(Holder(1))
    assert treedef == tree_structure(Holder(2))
    with pytest.raises(TypeError, match="hashable aux_data"):
        hash(treedef)


# ------------------------------------------------------------------------------------------------
# flatten_up_to
# ------------------------------------------------------------------------------------------------

def test_flatten_up_to_prefix_with_none_as_leaf():
    a, b, c = np.zeros(1), np.ones(2), np.full(3, 2.0)
    tree = ((a, b), {"x": c})
    in_axes = (0, None)
    axes, prefix = tree_flatten(in_axes, is_leaf=lambda x: x is None)
    assert axes == [0, None]
    subtrees = prefix.flatten_up_to(tree)
    assert len(subtrees) == 2
    assert subtrees[0] == (a, b) and subtrees[0][0] is a
    assert subtrees[1]["x"] is c


def test_flatten_up_to_same_structure_gives_leaves():
    tree = {"w": [1, 2], "b": (3, Point(4, 5))}
    leaves, treedef = tree_flatten(tree)
    assert treedef.flatten_up_to(tree) == leaves
    assert tree_structure(7).flatten_up_to(tree) == [tree]


def test_flatten_up_to_none_node_only_matches_none():
    prefix = tree_structure((0, None))
    assert prefix.flatten_up_to(([1, 2], None)) == [[1, 2]]
    with pytest.raises(ValueError, match=r"tree\[1\] is a dict.*has None there"):
        prefix.flatten_up_to(([1, 2], {"x": 3}))


def test_flatten_up_to_type_mismatch_names_path_and_both_sides():
    prefix = tree_structure({"a": (0, 0), "b": 0})
    with pytest.raises(ValueError) as info:
        prefix.flatten_up_to({"a": [1, 2], "b": 3})
    message = str(info.value)
    assert "tree['a'] is a list of length 2" in message
    assert "has a tuple of length 2 there" in message
    assert "PyTreeDef({'a': (*, *), 'b': *})" in message


def test_flatten_up_to_length_and_key_mismatches():
    with pytest.raises(ValueError, match=r"tree\[0\] is a tuple of length 3.*tuple of length 2"):
        tree_structure([(0, 0)]).flatten_up_to([(1, 2, 3)])
    with pytest.raises(ValueError, match=r"missing keys \['b'\], unexpected keys \['c'\]"):
        tree_structure({"a": 0, "b": 0}).flatten_up_to({"a": 1, "c": 2})
    with pytest.raises(ValueError, match=r"tree\.y is a leaf of type int"):
        tree_structure(Point(0, [0])).flatten_up_to(Point(1, 2))
    with pytest.raises(ValueError, match="aux data 'a'"):
        tree_structure(Box(0, "a")).flatten_up_to(Box(0, "b"))


# ------------------------------------------------------------------------------------------------
# tree_map and friends
# ------------------------------------------------------------------------------------------------

def test_tree_map_single_tree_keeps_structure():
    tree = {"a": (1, None, Point(2, 3)), "b": [Box(4, "t")]}
    out = tree_map(lambda x: x * 10, tree)
    assert _same(out, {"a": (10, None, Point(20, 30)), "b": [Box(40, "t")]})


def test_tree_map_several_trees():
    out = tree_map(lambda x, y, z: x + y * z, (1, {"k": 2}), (3, {"k": 4}), (5, {"k": 6}))
    assert out == (16, {"k": 26})


def test_tree_map_other_trees_may_be_deeper_at_leaves():
    out = tree_map(lambda axis, arg: (axis, len(arg)), [0, 1], [(1, 2), [3]])
    assert out == [(0, 2), (1, 1)]


def test_tree_map_mismatch_names_both_structures():
    with pytest.raises(ValueError) as info:
        tree_map(lambda x, y: x + y, (1, [2, 3]), (1, [2, 3, 4]))
    message = str(info.value)
    assert "tree argument 2" in message
    assert "PyTreeDef((*, [*, *]))" in message
    assert "PyTreeDef((*, [*, *, *]))" in message
    assert "list of length 3" in message


def test_tree_map_none_in_first_tree_must_be_none_in_others():
    with pytest.raises(ValueError, match=r"PyTreeDef\(\[\*, \*\]\).*PyTreeDef\(\[\*, None\]\)"):
        tree_map(lambda x, y: x, [1, None], [1, 2])
    # The other way round, None sits where the first tree has a leaf, so f receives it.
    assert tree_map(lambda x, y: (x, y), [1, 2], [1, None]) == [(1, 1), (2, None)]


def test_tree_map_is_leaf_applies_to_first_tree():
    out = tree_map(lambda x: x is None, [None, 1], is_leaf=lambda x: x is None)
    assert out == [True, False]


def test_tree_reduce_and_tree_all():
    assert tree_reduce(lambda a, b: a + b, [1, (2, {"z": 3})]) == 6
    assert tree_reduce(lambda a, b: a + b, [1, 2], 10) == 13
    assert tree_reduce(lambda a, b: a + b, (), 0) == 0
    with pytest.raises(TypeError, match="initializer"):
        tree_reduce(lambda a, b: a + b, [None])
    assert tree_all([True, (1, None)])
    assert not tree_all([True, (0,)])
    assert tree_all(())


# ------------------------------------------------------------------------------------------------
# Registration
# ------------------------------------------------------------------------------------------------

def test_register_twice_raises():
    class Once:
        pass

    register_pytree_node(Once, lambda o: ((), None), lambda aux, ch: Once())
    with pytest.raises(ValueError, match="already a pytree node type"):
        register_pytree_node(Once, lambda o: ((), None), lambda aux, ch: Once())
    with pytest.raises(ValueError, match="already a pytree node type"):
        register_pytree_node(dict, lambda d: ((), None), lambda aux, ch: {})


def test_register_bad_arguments():
    with pytest.raises(TypeError, match="must be a class"):
        register_pytree_node("notatype", lambda x: ((), None), lambda a, c: None)

    class Thing:
        pass

    with pytest.raises(TypeError, match="flatten_func"):
        register_pytree_node(Thing, None, lambda a, c: None)


def test_registration_after_type_was_seen_as_leaf():
    class Late:
        def __init__(self, a, b):
            self.a, self.b = a, b

    late = Late(1, 2)
    assert tree_leaves([late]) == [late]
    register_pytree_node(Late, lambda x: ([x.a, x.b], None), lambda aux, ch: Late(*ch))
    assert tree_leaves([late]) == [1, 2]
    rebuilt = tree_map(lambda v: v + 1, late)
    assert type(rebuilt) is Late and (rebuilt.a, rebuilt.b) == (2, 3)


def test_registered_flatten_must_return_pair():
    class Broken:
        pass

    register_pytree_node(Broken, lambda b: [1, 2, 3], lambda aux, ch: Broken())
    with pytest.raises(TypeError, match=r"must return a pair \(children, aux_data\)"):
        tree_flatten(Broken())


def test_registered_children_can_be_a_generator_and_unflatten_gets_a_tuple():
    seen = []

    class Gen:
        def __init__(self, items):
            self.items = list(items)

    def unflatten(aux, children):
        seen.append(children)
        return Gen(children)

    register_pytree_node(Gen, lambda g: ((x for x in g.items), len(g.items)), unflatten)
    leaves, treedef = tree_flatten(Gen([1, (2, 3)]))
    assert leaves == [1, 2, 3]
    rebuilt = tree_unflatten(treedef, leaves)
    assert rebuilt.items == [1, (2, 3)]
    assert type(seen[-1]) is tuple


# ------------------------------------------------------------------------------------------------
# Properties and docstrings
# ------------------------------------------------------------------------------------------------

class _Tag:
    """A leaf type recording which leaf of which tree tree_map paired."""

    def __init__(self, index, leaf):
        self.index = index
        self.leaf = leaf


_leaf = st.one_of(st.integers(), st.text(max_size=3), st.booleans())


def _containers(children):
    keys = st.text(alphabet="abcdef", min_size=1, max_size=2)
    return st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(keys, children, max_size=4),
        st.dictionaries(keys, children, max_size=4).map(
            lambda d: collections.OrderedDict(reversed(list(d.items())))
        ),
        st.tuples(children, children).map(lambda xy: Point(*xy)),
        children.map(lambda v: Box(v, "box")),
        st.just(None),
    )


_trees = st.recursive(_leaf | st.none(), _containers, max_leaves=30)


@settings(derandomize=True, max_examples=50, deadline=None)
@given(_trees)
def test_property_round_trip(tree):
    leaves, treedef = tree_flatten(tree)
    assert treedef.num_leaves == len(leaves)
    rebuilt = tree_unflatten(treedef, leaves)
    assert rebuilt == tree
    assert tree_structure(rebuilt) == treedef
    assert hash(tree_structure(rebuilt)) == hash(treedef)
    assert _same(rebuilt, _sorted_dicts(tree))
    assert treedef.flatten_up_to(tree) == leaves


@settings(derandomize=True, max_examples=50, deadline=None)
@given(_trees)
def test_property_map_pairs_leaves_positionally(tree):
    leaves, treedef = tree_flatten(tree)
    indexed = tree_unflatten(treedef, range(len(leaves)))
    tagged = tree_map(_Tag, indexed, tree)
    assert [(t.index, t.leaf) for t in tree_leaves(tagged)] == list(enumerate(leaves))
    assert tree_structure(tree_map(lambda i, leaf: leaf, indexed, tree)) == treedef


def test_docstring_examples():
    results = doctest.testmod(tree_util)
    assert results.attempted > 10
    assert results.failed == 0
