"""`custom_vjp_lin`: the linear part of a `custom_vjp` call, whose transpose is the user's bwd.

Owns the primitive `custom_vjp_lin` (the linear map `tangents -> output tangents` of a
custom_vjp call, bound by `custom_vjp_call`'s JVP rule in `_vjp`) and its rules, and the
`bwd` objects it carries (`LinBwd`, `_BatchedBwd`). Its transpose calls the user's `bwd` (so
reverse mode uses `bwd` exactly as written); its evaluation, JVP and batching use the
transpose of `bwd` traced as a linear program (`ct -> input cts` transposed is
`tangents -> output tangent`), which makes forward mode work through `custom_vjp` (JAX refuses
it) whenever `bwd` is linear in the cotangent. The `bwd` objects key themselves in the program
cache by the rules they restrict (`cache_key`). Does not own `fwd`/`bwd` staging (`_vjp`).
"""
from __future__ import annotations

from functrans import backend, core, errors, evaluate, ir
from functrans.custom_derivatives import _common
from functrans.interpreters import ad
from functrans.primitives import _helpers
from functrans.primitives import shape as shape_prims

custom_vjp_lin_p = core.Primitive("custom_vjp_lin", multiple_results=True)


class Avals(tuple):
    """A tuple of avals that prints compactly in the IR dump: `(f64[3], f64[])`."""

    def __repr__(self):
        return "(" + ", ".join(a.str_short() for a in self) + ")"


class LinBwd:
    """`bwd` restricted to the float arguments and outputs: `(consts + nondiff + res, cts) ->
    cts`, where `consts` are the call's `num_consts` leading operands."""

    def __init__(self, rules, num_consts: int, in_mask: list[bool], out_mask: list[bool],
                 out_avals):
        self.rules, self.in_mask, self.out_mask = rules, in_mask, out_mask
        self.num_consts = num_consts
        self.out_avals = list(out_avals)
        self.__name__ = f"bwd of {rules.name}"
        self._forward: dict = {}   # `_forward_program`'s cache

    def cache_key(self) -> tuple:
        # Its behaviour is `rules`' bwd (keyed by its program) restricted by these.
        return (self.rules, self.num_consts, tuple(self.in_mask), tuple(self.out_mask),
                tuple(self.out_avals))

    def __call__(self, res: list, cts: list) -> list:
        it = iter(cts)
        full = [next(it) if m else _helpers.zeros_like_aval(a)
                for a, m in zip(self.out_avals, self.out_mask, strict=True)]
        # The call's consts and the nondiff arguments lead the residual operands.
        nc, nn = self.num_consts, self.rules.num_nondiff
        got = self.rules.bwd(list(res[:nc]), list(res[nc:nc + nn]), list(res[nc + nn:]), full)
        return [g for g, m in zip(got, self.in_mask, strict=True) if m]


class _BatchedBwd:
    """A `bwd` mapped over residuals batched at `res_dims` and cotangents batched at 0."""

    def __init__(self, base, res_avals, res_dims, ct_avals, axis_size: int):
        self.base, self.res_dims, self.axis_size = base, list(res_dims), axis_size
        self.res_avals, self.ct_avals = list(res_avals), list(ct_avals)
        self.__name__ = f"vmap({base.__name__})"
        self._forward: dict = {}   # `_forward_program`'s cache

    def cache_key(self) -> tuple:
        return (self.base, tuple(self.res_avals), tuple(self.res_dims), tuple(self.ct_avals),
                self.axis_size)

    def __call__(self, res: list, cts: list) -> list:
        nr = len(res)
        fn = _common.batch_callable(lambda *a: self.base(list(a[:nr]), list(a[nr:])),
                                   self.res_avals + self.ct_avals,
                                   self.res_dims + [0] * len(cts), self.axis_size)
        return fn(*res, *cts)


def _forward_program(bwd, res_avals: list, t_avals: list, out_avals: list) -> ir.ClosedJaxpr:
    """`(res, tangents) -> output tangents`: the transpose of `ct -> bwd(res, ct)`.

    Cached on `bwd` per argument types (unless tracers of some trace got inside).
    """
    key = (tuple(res_avals), tuple(t_avals))
    got = bwd._forward.get(key)
    if got is not None:
        return got
    nr = len(res_avals)

    def fn(*args):
        res, ts = list(args[:nr]), args[nr:]
        jaxpr, consts = core.trace_flat(lambda *cts: bwd(res, list(cts)), list(out_avals))
        lin = ir.ClosedJaxpr(jaxpr, consts)
        try:
            transposed = ad.transpose_jaxpr(lin, len(jaxpr.invars))
        except NotImplementedError as e:
            raise errors.FunctransTypeError(
                f"forward-mode differentiation of a custom_vjp function transposes its bwd "
                f"({bwd.__name__}), which must then be linear in the cotangent: {e}") from None
        return evaluate.eval_jaxpr(transposed.jaxpr, transposed.consts, *ts)

    jaxpr, consts = core.trace_flat(fn, list(res_avals) + list(t_avals))
    program = ir.ClosedJaxpr(jaxpr, consts)
    if not _common.has_tracers(program):
        bwd._forward[key] = program
    return program


def _lin_program(args, bwd, num_res, out_avals) -> ir.ClosedJaxpr:
    avals = [core.get_aval(a) for a in args]
    return _forward_program(bwd, avals[:num_res], [a.strip_weak() for a in avals[num_res:]],
                            list(out_avals))


def _lin_impl(*args, bwd, num_res, out_avals):
    program = _lin_program(args, bwd, num_res, out_avals)
    outs = evaluate.eval_jaxpr(program.jaxpr, program.consts, *args)
    return [backend.asarray(x, a.dtype) for x, a in zip(outs, out_avals, strict=True)]


def _lin_abstract_eval(*avals, bwd, num_res, out_avals):
    return list(out_avals)


def _lin_jvp(primals, tangents, *, bwd, num_res, out_avals):
    # Linear in the tangents but not in the residuals: differentiate the forward program.
    program = _lin_program(primals, bwd, num_res, out_avals)
    nonzeros = [not isinstance(t, ir.Zero) for t in tangents]
    jvp, out_nz = ad.jvp_jaxpr(program, nonzeros)
    outs = evaluate.eval_jaxpr(jvp.jaxpr, jvp.consts, *primals,
                           *[t for t in tangents if not isinstance(t, ir.Zero)])
    n = len(out_avals)
    t_out = iter(outs[n:])
    return outs[:n], [next(t_out) if nz else ir.Zero(a)
                      for nz, a in zip(out_nz, out_avals, strict=True)]


def _lin_transpose(cts, *args, bwd, num_res, out_avals):
    res, ts = args[:num_res], args[num_res:]
    if any(isinstance(r, ir.UndefPrimal) for r in res):
        raise NotImplementedError("transpose of custom_vjp_lin: a residual is linear (a bug "
                                  "in linearization)")
    got = bwd(list(res), [core.instantiate(c) for c in cts])
    return (*[None] * num_res,
            *[g if isinstance(t, ir.UndefPrimal) else None
              for g, t in zip(got, ts, strict=True)])


def _lin_batch(args, dims, *, axis_size, bwd, num_res, out_avals):
    res, ts = args[:num_res], args[num_res:]
    res_dims = list(dims[:num_res])
    ts = [shape_prims.bdim_at_front(t, d, axis_size)
          for t, d in zip(ts, dims[num_res:], strict=True)]
    res_avals = [_common.unbatched(core.get_aval(r), d) for r, d in zip(res, res_dims, strict=True)]
    batched_bwd = _BatchedBwd(bwd, res_avals, res_dims, list(out_avals), axis_size)
    outs = custom_vjp_lin_p.bind(
        *res, *ts, bwd=batched_bwd, num_res=num_res,
        out_avals=Avals(_common.batched_aval(a, axis_size) for a in out_avals))
    return outs, [0] * len(out_avals)


custom_vjp_lin_p.def_impl(_lin_impl)
custom_vjp_lin_p.def_abstract_eval(_lin_abstract_eval)
custom_vjp_lin_p.def_jvp(_lin_jvp)
custom_vjp_lin_p.def_transpose(_lin_transpose)
custom_vjp_lin_p.def_batch(_lin_batch)
