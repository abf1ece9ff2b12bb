"""Train a small multilayer perceptron with `grad`: fit y = sin(3x) on [-1, 1].

The parameters are a pytree (a list of dicts), so the gradient is a pytree of the same
structure and the update is one `tree_map`. `jit` traces the loss-and-gradient program once
and reuses it every step.

Run:  python examples/mlp.py
"""
import itertools

import numpy as np

import functrans as ft
import functrans.numpy as fnp
from functrans.tree_util import tree_map


def init_params(rng, sizes):
    """One dict per layer; weights scaled by 1/sqrt(fan-in)."""
    return [{"w": rng.standard_normal((m, n)) / np.sqrt(m), "b": np.zeros(n)}
            for m, n in itertools.pairwise(sizes)]


def predict(params, x):
    """x: (batch, 1) -> (batch, 1); tanh hidden layers, linear output."""
    h = x
    for layer in params[:-1]:
        h = fnp.tanh(h @ layer["w"] + layer["b"])
    last = params[-1]
    return h @ last["w"] + last["b"]


def loss(params, x, y):
    """Mean squared error over the batch."""
    return fnp.mean((predict(params, x) - y) ** 2)


def main():
    rng = np.random.default_rng(0)
    x = np.linspace(-1.0, 1.0, 64).reshape(-1, 1)
    y = np.sin(3.0 * x)
    params = init_params(rng, [1, 32, 32, 1])
    velocity = tree_map(np.zeros_like, params)

    step_fn = ft.jit(ft.value_and_grad(loss))   # one traced program, reused every step
    learning_rate, momentum = 0.1, 0.9
    for step in range(301):
        value, grads = step_fn(params, x, y)
        # Heavy-ball momentum: v <- mu v - lr g; p <- p + v (grads has params' structure).
        velocity = tree_map(lambda v, g: momentum * v - learning_rate * g, velocity, grads)
        params = tree_map(lambda p, v: p + v, params, velocity)
        if step % 30 == 0:
            print(f"step {step:4d}  loss {float(value):.6f}")

    final = float(loss(params, x, y))
    print(f"final loss: {final:.6f}")
    print(f"fit at x = 0.5: {float(predict(params, np.array([[0.5]]))[0, 0]):+.4f} "
          f"(sin(1.5) = {np.sin(1.5):+.4f})")
    print(f"programs traced by jit: {step_fn.cache_info()['size']}")


if __name__ == "__main__":
    main()
