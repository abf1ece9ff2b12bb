"""NumPy indexing of functrans values: `x[idx]` (`getitem`) and `x.at[idx]` updates.

Owns the translation of an index expression (ints, slices of any step, None, Ellipsis,
integer arrays or lists, traced integer arrays and scalars, concrete boolean masks) into
primitives: `rev` + one `slice` for the basic part, one `gather` for the advanced part
(several index arrays are merged into one flat index), and a final `reshape`. Updates
(`.set/.add/.multiply`) compute the flat positions of the selected elements the same way and
bind one scatter on the flattened array. Does not own the gather/scatter rules.
"""
from __future__ import annotations

import operator

import numpy as np

from functrans import backend, core, errors
from functrans.numpy import _creation, _shape, _ufuncs, _util
from functrans.primitives import indexing, slicing
from functrans.primitives import shape as shape_prims

# The public names, re-exported by functrans.numpy.
__all__ = [
    "take"
]

_MASK_HINT = ("Its result's shape would depend on the mask's values, which are unknown while "
              "tracing. Use functrans.numpy.where(mask, x, 0) (or another fill value) to keep "
              "the shape, or index with a concrete NumPy mask.")


# --------------------------------------------------------------------------- parsing


def _classify(item):
    """One index item as (kind, value): none, ellipsis, slice, int, array or mask."""
    if item is None:
        return "none", None
    if item is Ellipsis:
        return "ellipsis", None
    if isinstance(item, slice):
        return "slice", _static_slice(item)
    if isinstance(item, core.Tracer):
        if item.dtype.kind == "b":
            raise errors.IndexingError(
                f"boolean mask index: the mask is a traced value ({item.aval.str_short()}). "
                + _MASK_HINT)
        if item.dtype.kind not in "iu":
            raise errors.IndexingError(
                f"index arrays must have an integer dtype, got a traced {item.aval.str_short()}.")
        return "array", item
    if backend.is_foreign(item):
        # A Dask or CuPy index array outside a transformation: as a traced one (a gather on
        # its namespace), except that a mask is fine: its nonzero() gives index arrays there.
        if item.dtype.kind == "b" and item.ndim:
            return "mask", item
        if item.dtype.kind not in "iu":
            raise errors.IndexingError(
                f"index arrays must have an integer dtype, got {item.dtype} of shape "
                f"{item.shape}.")
        return "array", item
    if isinstance(item, (bool, np.bool_)):
        raise errors.IndexingError(
            "a scalar boolean index (x[True]) is not supported; use x[None] to add an axis.")
    if isinstance(item, (int, np.integer)):
        return "int", operator.index(item)
    if isinstance(item, (list, tuple)):
        arr = _creation.asarray(item)
        if isinstance(arr, np.ndarray) and arr.size == 0:
            arr = arr.astype(np.int64)   # x[[]] selects nothing (NumPy's empty int index)
        return _classify(arr)
    if isinstance(item, np.ndarray):
        if item.dtype.kind == "b":
            if item.ndim == 0:
                return _classify(bool(item))
            return "mask", item
        if item.dtype.kind in "iu":
            return ("int", int(item)) if item.ndim == 0 else ("array", item)
    raise errors.IndexingError(
        f"index {item!r} of type {type(item).__name__} is not supported: use ints, slices, "
        "None, Ellipsis, integer arrays (concrete or traced) or concrete boolean masks.")


def _static_slice(s: slice) -> slice:
    parts = []
    for name, v in (("start", s.start), ("stop", s.stop), ("step", s.step)):
        if isinstance(v, core.Tracer):
            raise errors.IndexingError(
                f"slice {name} is a traced value; slice bounds must be concrete because they "
                "set the result's shape. Index with a traced integer array instead (for "
                "example x[i + fnp.arange(n)]).")
        parts.append(None if v is None else operator.index(v))
    if parts[2] == 0:
        raise errors.FunctransValueError("slice step cannot be zero.")
    return slice(*parts)


def _ellipsis_separates(idx, ndim: int) -> bool:
    """An Ellipsis standing for no axes between two advanced items still separates them.

    NumPy then puts the broadcast index dimensions first, as for any non-adjacent advanced
    indices (`x[None, i, ..., j]` on a 2-d `x`).
    """
    items = idx if isinstance(idx, tuple) else (idx,)
    kinds = [_classify(item)[0] for item in items]
    if "ellipsis" not in kinds:
        return False
    e = kinds.index("ellipsis")
    consumed = sum(np.ndim(item) if k == "mask" else 1 for item, k in zip(items, kinds,
                                                                           strict=True)
                   if k not in ("none", "ellipsis"))
    advanced = ("array", "int", "mask")
    return (consumed == ndim and any(k in advanced for k in kinds[:e])
            and any(k in advanced for k in kinds[e + 1:]))


def _expand_index(idx, shape: tuple[int, ...]) -> list:
    """(kind, value) pairs, one per result-relevant item: Ellipsis expanded into full slices,
    masks into integer arrays, missing trailing axes as full slices."""
    parsed = [_classify(item) for item in (idx if isinstance(idx, tuple) else (idx,))]
    if sum(k == "ellipsis" for k, _ in parsed) > 1:
        raise IndexError("an index can only have a single ellipsis ('...').")
    consumed = sum(v.ndim if k == "mask" else 1 for k, v in parsed
                   if k not in ("none", "ellipsis"))
    if consumed > len(shape):
        raise IndexError(f"too many indices for array: array is {len(shape)}-dimensional, "
                         f"but {consumed} were indexed.")
    if all(k != "ellipsis" for k, _ in parsed):
        parsed.append(("ellipsis", None))
    out, dim = [], 0
    for kind, v in parsed:
        if kind == "ellipsis":
            fill = len(shape) - consumed
            out += [("slice", slice(None))] * fill
            dim += fill
        elif kind == "mask":
            _check_mask(v, shape, dim)
            out += [("array", nz) for nz in np.nonzero(v)]
            dim += v.ndim
        else:
            out.append((kind, v))
            dim += kind != "none"
    return out


def _check_mask(mask: np.ndarray, shape, dim: int) -> None:
    for d, m in enumerate(mask.shape):
        if shape[dim + d] != m:
            raise IndexError(
                f"boolean index did not match indexed array along axis {dim + d}; size of "
                f"axis is {shape[dim + d]} but size of corresponding boolean axis is {m}.")


def _check_bounds(i, n: int, axis: int) -> None:
    """Concrete indices must lie in [-n, n) (NumPy's IndexError); traced ones are not checked."""
    if _util.is_deferred(i):   # traced, or on a device: checked by the backend, if at all
        return
    i = np.asarray(i)
    bad = i[(i < -n) | (i >= n)]
    if bad.size:
        raise IndexError(f"index {bad.flat[0]} is out of bounds for axis {axis} with size {n}.")


# --------------------------------------------------------------------------- getitem


def getitem(x, idx):
    """`x[idx]` with NumPy's semantics, for NumPy arrays and traced values alike.

    Args:
      x: an array or traced value.
      idx: an int, slice, None, Ellipsis, integer array/list (concrete or traced), concrete
        boolean mask, or a tuple of these.

    Returns:
      The selected elements: basic indexing through `rev`/`slice`/`reshape`, advanced
      (array) indexing through one `gather`, with NumPy's placement of the advanced axes
      (in place when the index arrays are adjacent, else first).

    Raises:
      IndexError: a concrete index out of range, or too many indices.
      IndexingError: a traced boolean mask (data-dependent shape) or an unsupported index.

    Example:
      >>> fnp._indexing.getitem(np.arange(6).reshape(2, 3), (slice(None), [2, 0]))
      array([[2, 0],
             [5, 3]])
    """
    x = _util.as_array(x, "indexing")
    shape = _util.aval(x).shape
    entries = _expand_index(idx, shape)
    advanced = [i for i, (k, _) in enumerate(entries) if k == "array"]
    if advanced:
        # Beside index arrays, integers are advanced indices too (NumPy's rule).
        entries = [("array", np.asarray(v)) if k == "int" else (k, v) for k, v in entries]
        advanced = [i for i, (k, _) in enumerate(entries) if k == "array"]
    y, sizes = _basic(x, shape, entries)
    adv_shape = ()
    adjacent = advanced == list(range(advanced[0], advanced[-1] + 1)) if advanced else True
    adjacent = adjacent and not (advanced and _ellipsis_separates(idx, len(shape)))
    if advanced:
        dims = [d for d, (k, _) in enumerate(_dim_entries(entries)) if k == "array"]
        y, adv_shape = _gather(y, dims, [entries[i][1] for i in advanced], adjacent)
    target = []
    for i, (kind, _) in enumerate(entries):
        if kind == "none":
            target.append(1)
        elif kind == "slice":
            target.append(sizes.pop(0))
        elif kind == "array" and adjacent and i == advanced[0]:
            target.extend(adv_shape)
    if not adjacent:
        target = [*adv_shape, *target]
    return shape_prims.reshape(y, tuple(target))


def _dim_entries(entries) -> list:
    return [(k, v) for k, v in entries if k != "none"]


def _basic(x, shape, entries):
    """Apply slices and static ints (as size-1 slices): a `rev` for negative steps and one
    `slice`. Returns the result (rank unchanged) and the sizes of the sliced axes."""
    starts, limits, strides, flips, sizes = [], [], [], [], []
    for dim, (kind, v) in enumerate(_dim_entries(entries)):
        n = shape[dim]
        start, step, count = 0, 1, n
        if kind == "int":
            _check_bounds(v, n, dim)
            start, count = v % n, 1
        elif kind == "slice":
            start, stop, step = v.indices(n)
            count = len(range(start, stop, step))
            if count == 0:
                start = 0
            if step < 0 and count > 1:
                # Reversed, element start - j*|step| sits at n - 1 - start + j*|step|.
                flips.append(dim)
                start, step = n - 1 - start, -step
            step = step if count > 1 else 1
            sizes.append(count)
        starts.append(start)
        limits.append(start + (count - 1) * step + 1 if count else start)
        strides.append(step)
    if flips:
        x = slicing.rev(x, tuple(flips))
    return slicing.slice(x, tuple(starts), tuple(limits), tuple(strides)), sizes


def _gather(y, dims: list[int], indices: list, adjacent: bool):
    """Index axes `dims` of `y` by broadcast integer arrays with one `gather`.

    Several index arrays become one flat index into the merged axes (moved to the front
    first unless adjacent). Returns the result and the broadcast index shape.
    """
    shape = _util.aval(y).shape
    for i, d in zip(indices, dims, strict=True):
        _check_bounds(i, shape[d], d)
    if len(dims) == 1:
        return indexing.gather(y, indices[0], dims[0]), _util.aval(indices[0]).shape
    sizes = [shape[d] for d in dims]
    flat = None
    for j, (i, n) in enumerate(zip(indices, sizes, strict=True)):
        i = _util.convert(i, np.dtype(np.int64))
        # Negative indices count from the end; normalize before combining them.
        i = _ufuncs.where(_ufuncs.less(i, 0), _ufuncs.add(i, n), i)
        term = _ufuncs.multiply(i, _util.prod(sizes[j + 1:])) if j < len(sizes) - 1 else i
        flat = term if flat is None else _ufuncs.add(flat, term)
    rest = [d for d in range(len(shape)) if d not in dims]
    if adjacent:
        merged = (*shape[:dims[0]], _util.prod(sizes), *shape[dims[-1] + 1:])
        out = indexing.gather(shape_prims.reshape(y, merged), flat, dims[0])
    else:
        moved = shape_prims.transpose(y, tuple(dims + rest))
        merged = (_util.prod(sizes), *(shape[d] for d in rest))
        out = indexing.gather(shape_prims.reshape(moved, merged), flat, 0)
    return out, _util.aval(flat).shape


# --------------------------------------------------------------------------- x.at[idx]


class IndexUpdateHelper:
    """The object behind `x.at`: `x.at[idx]` gives an `IndexUpdateRef`.

    Example:
      >>> fnp._indexing.IndexUpdateHelper(np.zeros(3))[1].set(5.0)
      array([0., 5., 0.])
    """

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, idx) -> IndexUpdateRef:
        return IndexUpdateRef(self.array, idx)

    def __repr__(self):
        return f"IndexUpdateHelper({self.array!r})"


class IndexUpdateRef:
    """`x.at[idx]`: functional updates of the elements `x[idx]` selects (JAX's API).

    Each update returns a new array (the input, even a NumPy array, is never modified):
    one scatter on the flattened array at the flat positions of the selected elements.
    `values` broadcast to the shape of `x[idx]` and are converted to x's dtype.

    Example:
      >>> import numpy as np, functrans as ft
      >>> ft.jit(lambda x: x.at[[0, 0, 2]].add(1.0))(np.zeros(3))
      array([2., 0., 1.])

    Outside a trace `.at` exists on `functrans.numpy.Array` (what functrans.numpy's creation
    functions return); plain NumPy arrays have none (wrap them: `fnp.asarray(x).at[...]`).
    """

    __slots__ = ("array", "index")

    def __init__(self, array, index):
        self.array = array
        self.index = index

    def get(self):
        """`x[idx]`."""
        return getitem(self.array, self.index)

    def set(self, values):
        """`x` with `x[idx] = values`; with repeated indices the last write wins (NumPy)."""
        return self._scatter(indexing.scatter, values, "set")

    def add(self, values):
        """`x` with `values` added at `idx`; repeated indices accumulate (`np.add.at`)."""
        return self._scatter(indexing.scatter_add, values, "add")

    def multiply(self, values):
        """`x` with the elements at `idx` multiplied by `values` (`np.multiply.at`)."""
        return self._scatter(indexing.scatter_mul, values, "multiply")

    mul = multiply

    def _scatter(self, scatter, values, what: str):
        x = _util.as_array(self.array, f"at[].{what}")
        aval = _util.aval(x)
        # The flat positions x[idx] selects: concrete for a concrete index, else a gather.
        positions = getitem(np.arange(aval.size).reshape(aval.shape), self.index)
        pos_shape = _util.aval(positions).shape
        updates = _fit_updates(_util.as_operand(values, f"at[].{what}"), aval.dtype, pos_shape)
        flat = shape_prims.reshape(x, (aval.size,))
        return shape_prims.reshape(scatter(flat, positions, updates, 0), aval.shape)


def _fit_updates(values, dtype: np.dtype, shape: tuple[int, ...]):
    """`values` in `dtype`, broadcast to `shape` (extra leading size-1 axes dropped, as NumPy)."""
    values = _util.as_array(_util.convert(values, dtype), "at[]")
    vshape = _util.aval(values).shape
    extra = len(vshape) - len(shape)
    if extra > 0:
        if any(n != 1 for n in vshape[:extra]):
            raise errors.FunctransValueError(
                f"at[]: value array of shape {vshape} could not be broadcast to indexing "
                f"result of shape {shape}.")
        values = _shape.reshape(values, vshape[extra:])
    try:
        return _util.broadcast_to_shape(values, shape, "at[]")
    except errors.FunctransValueError as e:
        raise errors.FunctransValueError(
            f"at[]: value array of shape {vshape} could not be broadcast to indexing result of "
            f"shape {shape}.") from e


def take(a, indices, axis=None, mode=None):
    """Elements of `a` at `indices` along `axis` (flattened `a` when None), as `numpy.take`.

    This is also how to index a constant array with a traced index (a lookup table inside
    a transformed function), since `np_array[traced_index]` is NumPy's own indexing and
    cannot see the traced value.

    Args:
      a: an array or traced value.
      indices: integer array, list or scalar; concrete or traced. Negative values count from
        the end.
      axis: the axis to index, or None to index the flattened array.
      mode: only None (NumPy's default 'raise') is supported; out-of-range indices raise
        IndexError when the program runs (JAX clamps instead).

    Returns:
      `a.shape[:axis] + indices.shape + a.shape[axis + 1:]`.

    Example:
      >>> fnp.take(np.array([10.0, 20.0, 30.0]), np.array([2, 0]))
      array([30., 10.])
    """
    if mode is not None:
        raise errors.FunctransTypeError(
            f"take: mode={mode!r} is not supported; leave it at its default (NumPy's 'raise').")
    a = _util.as_array(a, "take")
    if axis is None:
        a = _shape.ravel(a)
        axis = 0
    axis = _util.canonicalize_axis(axis, _util.aval(a).ndim, "take")
    return getitem(a, (slice(None),) * axis + (indices,))

