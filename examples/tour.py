"""A tour of functrans: trace a function, read its IR, evaluate it, transform it.

Run:  python examples/tour.py
"""
import numpy as np

import functrans as ft
import functrans.numpy as fnp


def f(x):
    """A small scalar function of a vector."""
    return fnp.sum(fnp.sin(x) * x ** 2)


def main():
    x = np.array([0.5, 1.0, 1.5])

    print("1. Trace f into the IR and print it:")
    closed = ft.make_jaxpr(f)(x)
    print(closed)

    print("\n2. Evaluate the IR; it agrees with NumPy:")
    (value,) = ft.eval_jaxpr(closed.jaxpr, closed.consts, x)
    print(f"   IR: {value!r}   NumPy: {np.sum(np.sin(x) * x ** 2)!r}")

    print("\n3. The same dump with the source line of each equation:")
    print(closed.pretty(source=True))

    print("\n4. Transformations are rewrites of this IR. The gradient:")
    print("  ", ft.grad(f)(x))
    print("   its IR:")
    print(ft.make_jaxpr(ft.grad(f))(x))

    print("\n5. Forward mode (jvp) along a direction, and reverse mode (vjp):")
    y, dy = ft.jvp(f, (x,), (np.ones(3),))
    _, vjp_fun = ft.vjp(f, x)
    print(f"   jvp: {dy!r}   vjp(1.0)·1: {vjp_fun(1.0)[0].sum()!r}")

    print("\n6. Jacobians have shape out.shape + in.shape (the derivatives note's convention):")
    g = lambda x: fnp.sin(x) * x  # noqa: E731
    print("   jacfwd:", ft.jacfwd(g)(x).shape, " jacrev:", ft.jacrev(g)(x).shape)
    print("   hessian of f:\n", ft.hessian(f)(x))

    print("\n7. vmap: per-example gradients of a batch in one batched program:")
    xs = np.stack([x, 2 * x])
    print(ft.vmap(ft.grad(f))(xs))


if __name__ == "__main__":
    main()
