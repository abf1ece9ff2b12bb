"""First-order primitives, one family per module, each with all of its rules.

Importing this package registers every primitive. See docs/primitives.md for the set.

The modules are layered: each imports only modules above it in this list, at module top
(no circle, no function-level import), because the rules of a family call the wrappers of
the families below it.

  _helpers         checks, param normalization, reduction and FLOP helpers; no primitive
  shape           broadcast_in_dim, reshape, transpose, and reduce_sum (broadcast's
                  transpose, so the two live together); moveaxis, bdim_at_front
  elementwise     the elementwise factories; neg, add, sub, mul, div, integer_pow, select,
                  convert_element_type, stop_gradient (their rules broadcast and reduce)
  complex_parts   real, imag, conj, complex (linear; plain transposes as JAX's)
  comparison      comparisons, logic, rounding, max, min, rem, floor_divide
  transcendental  exp, log, trigonometric functions, roots, abs, pow, atan2, logaddexp
  slicing         rev, slice, pad, concatenate (pad's rules need elementwise ones)
  reductions      reduce_prod, reduce_max, reduce_min, argmax, argmin, cumsum
  indexing        gather and the scatters
  sorting         sort, argsort (sort's JVP gathers along the permutation)
  basis           identity_basis and the structural diagonals dot_general simplifies
  linalg          dot_general
  misc            iota
  bits            shifts, population count, nextafter
  searching       searchsorted
  triangular      triangular_solve
  factorizations  cholesky, lu, qr (their JVPs use triangular_solve)
  spectral        eigh, svd
  eig             eig (general matrices; complex eigenvalues and eigenvectors)
  special         special functions with NumPy impls (erf, ...)
  random_bits     threefry2x32
  convolution     conv_general_dilated (its transposes are convolutions; rev flips the kernel)
  callback        pure_callback (a Python function on concrete values; no derivative)
"""
from functrans.primitives import (  # noqa: F401
    _helpers,
    basis,
    bits,
    callback,
    comparison,
    complex_parts,
    convolution,
    eig,
    elementwise,
    factorizations,
    fft,
    indexing,
    linalg,
    misc,
    random_bits,
    reductions,
    searching,
    shape,
    slicing,
    sorting,
    special,
    spectral,
    transcendental,
    triangular,
)
