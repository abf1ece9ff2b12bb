"""A Bayesian neural network trained by variational inference (Bayes by backprop): a
reparameterized ELBO whose weight noise comes from `functrans.random`, with the key split at
every step.

Each weight has a Gaussian posterior N(mu, softplus(rho)^2). A step draws the weights as
`mu + softplus(rho) * random.normal(key, shape)` (differentiable in mu and rho), computes
the negative ELBO (the data's Gaussian negative log-likelihood plus the KL divergence to a
N(0, 1) prior, in closed form), and updates mu and rho with Adam. The loss and gradient are
one `jit` program; the key is one of its arguments, so every step's fresh key reuses it.

Run:  python examples/bayesian_nn.py
"""
import itertools

import numpy as np

import functrans as ft
import functrans.numpy as fnp
from functrans import random
from functrans.tree_util import tree_map

SIZES = [1, 16, 1]
NOISE = 0.1


def softplus(x):
    return fnp.logaddexp(0.0, x)


def relu(x):
    return fnp.maximum(x, 0.0)


def init_params(rng):
    params = []
    for m, n in itertools.pairwise(SIZES):
        params.append({"w_mu": rng.standard_normal((m, n)) / np.sqrt(m),
                       "w_rho": np.full((m, n), -4.0),
                       "b_mu": np.zeros(n), "b_rho": np.full(n, -4.0)})
    return params


def sample_weights(params, key):
    """One draw of every weight, reparameterized: mu + sigma * eps, eps ~ N(0, 1)."""
    keys = random.split(key, 2 * len(params))
    layers = []
    for i, layer in enumerate(params):
        eps_w = random.normal(keys[2 * i], layer["w_mu"].shape)
        eps_b = random.normal(keys[2 * i + 1], layer["b_mu"].shape)
        layers.append((layer["w_mu"] + softplus(layer["w_rho"]) * eps_w,
                       layer["b_mu"] + softplus(layer["b_rho"]) * eps_b))
    return layers


def predict(layers, x):
    h = x
    for w, b in layers[:-1]:
        h = relu(h @ w + b)
    w, b = layers[-1]
    return h @ w + b


def kl_to_standard_normal(mu, rho):
    sigma = softplus(rho)
    return fnp.sum(0.5 * (sigma**2 + mu**2 - 1.0) - fnp.log(sigma))


def negative_elbo(params, key, x, y):
    """Per-example negative ELBO, one Monte Carlo sample of the weights."""
    pred = predict(sample_weights(params, key), x)
    nll = fnp.sum(0.5 * ((pred - y) / NOISE) ** 2)
    kl = sum(kl_to_standard_normal(layer["w_mu"], layer["w_rho"])
             + kl_to_standard_normal(layer["b_mu"], layer["b_rho"]) for layer in params)
    return (nll + kl) / x.shape[0]


def main():
    rng = np.random.default_rng(0)
    x = np.linspace(-1.0, 1.0, 48).reshape(-1, 1)
    y = np.sin(2.5 * x) + NOISE * rng.standard_normal(x.shape)
    params = init_params(rng)
    m = tree_map(np.zeros_like, params)
    v = tree_map(np.zeros_like, params)
    step_fn = ft.jit(ft.value_and_grad(negative_elbo))
    key = random.PRNGKey(0)
    lr, b1, b2 = 0.02, 0.9, 0.999
    for step in range(1, 301):
        key, sub = random.split(key)          # a fresh key every step
        value, grads = step_fn(params, sub, x, y)
        m = tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
        v = tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
        c1, c2 = 1 - b1**step, 1 - b2**step    # Adam's bias corrections
        params = tree_map(lambda p, m, v, c1=c1, c2=c2:
                          p - lr * (m / c1) / (np.sqrt(v / c2) + 1e-8), params, m, v)
        if step == 1 or step % 30 == 0:
            print(f"step {step:4d}  loss {float(value):.4f}")

    # Posterior predictive: average 50 weight draws, batched over keys with vmap.
    keys = random.split(random.PRNGKey(1), 50)
    draws = ft.vmap(lambda k: predict(sample_weights(params, k), x))(keys)
    mean, std = draws.mean(axis=0), draws.std(axis=0)
    rmse = float(np.sqrt(np.mean((mean - np.sin(2.5 * x)) ** 2)))
    print(f"posterior predictive rmse vs the noiseless curve: {rmse:.4f}")
    print(f"mean predictive std: {float(std.mean()):.4f}")
    print(f"programs traced by jit: {step_fn.cache_info()['size']}")


if __name__ == "__main__":
    main()
