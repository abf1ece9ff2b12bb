"""A debugging session: look at what a transformation produced, before and after optimization.

Transformations are IR-to-IR rewrites (`functrans.interpreters`): each walks the equations
of its input program and emits new ones, without trying to be clever. The optimizer
(`functrans.interpreters.optimize`: algebraic simplification, constant folding, CSE and
dead-code elimination) then cleans up, and `make_jaxpr` and `jit` show and run only the
optimized program. Here we call the rewrites ourselves to see the raw output.

Run:  python examples/debug_ir.py
"""
import numpy as np

import functrans as ft
import functrans.numpy as fnp
from functrans import api_util, ir, irtools
from functrans.interpreters import ad, optimize


def f(x):
    return fnp.sin(x) * x ** 2 + fnp.exp(-x)


def section(title):
    print(f"\n=== {title}")


def main():
    x = 0.7

    section("1. The program of f")
    closed = ft.make_jaxpr(f)(x)
    print(closed)

    section("2. Reverse mode by hand: jvp_jaxpr, then linearize_jaxpr, then transpose_jaxpr")
    jvp_closed, _ = ad.jvp_jaxpr(closed, [True])   # (x, dx) -> (f(x), df); zeros stay symbolic
    print("the JVP program:")
    print(jvp_closed)
    primal, linear, _, num_res = ad.linearize_jaxpr(closed, [True])
    print(f"split by partial evaluation: a primal program (outputs: f(x) and {num_res} "
          "residuals) ...")
    print(primal)
    print("... and a program linear in dx, reading the residuals:")
    print(linear)
    # Transposing needs the residuals' values: run the primal program, then close over them.
    residuals = primal(x)[1:]
    lin_closed = ir.ClosedJaxpr(ir.Jaxpr(linear.invars[:num_res], linear.invars[num_res:],
                                         linear.eqns, linear.outvars), residuals)
    print("its transpose, cotangent of f(x) -> cotangent of x (the gradient program):")
    print(ad.transpose_jaxpr(lin_closed, 1))
    print("or, with nothing evaluated, both as one program (residuals flow as variables):")
    print(ad.vjp_jaxpr(closed, [True]))

    section("3. grad(jacfwd(f)), i.e. f'': every inner rewrite inlined, not yet optimized")
    # Tracing the transformed function records what the nested rewrites emit; make_jaxpr
    # would optimize it, trace_pytree does not.
    g = ft.grad(ft.jacfwd(f))
    jaxpr, consts, _, _ = api_util.trace_pytree(g, [x])
    raw = ir.ClosedJaxpr(jaxpr, consts)
    print(raw)
    opt = optimize.optimize(raw)
    print(f"equations before optimization: {len(raw.eqns)}")
    print(f"equations after optimization: {len(opt.eqns)}")
    print(opt.pretty(source=True))   # each equation keeps the line of f it came from

    section("4. What each pass does on its own (equation counts)")
    for name, one_pass in [("simplify (x*1, neg neg, ...)", optimize.simplify_closed),
                           ("constant folding", optimize.fold_closed),
                           ("common subexpressions", optimize.cse_closed)]:
        print(f"{name + ', then DCE':40s} {len(optimize.dce_closed(one_pass(raw)).eqns):3d}")
    print(f"{'DCE alone':40s} {len(optimize.dce_closed(raw).eqns):3d}")
    print(f"{'all of them fused (optimize.optimize)':40s} {len(opt.eqns):3d}")

    section("5. Same value either way, and the statistics of the optimized program")
    before, after = raw(x), opt(x)
    print(f"f''(0.7) = {float(before[0]):.15f} (raw), {float(after[0]):.15f} (optimized)")
    print(f"check: {float(ft.grad(ft.grad(f))(x)):.15f} (grad(grad(f)))")
    print(irtools.format_stats(opt.stats()))

    section("6. The optimized program as a Graphviz graph (pipe into `dot -Tsvg`)")
    print(ft.make_jaxpr(ft.grad(f))(np.float64(x)).to_dot())


if __name__ == "__main__":
    main()
