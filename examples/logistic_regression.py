"""Multinomial logistic regression with `functrans.nn.logsumexp`: three Gaussian blobs in the
plane, classified by a linear model trained with `grad`.

The negative log-likelihood of a softmax classifier is logsumexp(logits) - logit of the true
class, per example. Written with `nn.logsumexp` it is stable for any logit size (a hand-written
log(sum(exp(.))) overflows once a logit passes ~710), and its derivative is the softmax, in
closed form. `jit` traces the loss-and-gradient program once.

Run:  python examples/logistic_regression.py
"""
import numpy as np

import functrans as ft
import functrans.numpy as fnp
from functrans import nn

CENTRES = np.array([[0.0, 2.0], [-2.0, -1.0], [2.0, -1.0]])


def make_data(rng, n_per_class=100):
    """Points around three centres; labels 0, 1, 2."""
    x = np.concatenate([c + 0.8 * rng.standard_normal((n_per_class, 2)) for c in CENTRES])
    y = np.repeat(np.arange(len(CENTRES)), n_per_class)
    return x, y


def loss(params, x, y_onehot):
    """Mean negative log-likelihood: logsumexp(logits) - logits[true class]."""
    logits = x @ params["w"] + params["b"]
    return fnp.mean(nn.logsumexp(logits, axis=1) - fnp.sum(logits * y_onehot, axis=1))


def accuracy(params, x, y):
    return float(np.mean(np.argmax(x @ params["w"] + params["b"], axis=1) == y))


def main():
    rng = np.random.default_rng(0)
    x, y = make_data(rng)
    y_onehot = nn.one_hot(y, len(CENTRES))
    params = {"w": np.zeros((2, len(CENTRES))), "b": np.zeros(len(CENTRES))}

    step_fn = ft.jit(ft.value_and_grad(loss))
    learning_rate = 0.5
    for step in range(101):
        value, grads = step_fn(params, x, y_onehot)
        params = {k: params[k] - learning_rate * grads[k] for k in params}
        if step % 10 == 0:
            print(f"step {step:4d}  loss {float(value):.6f}")

    print(f"final loss: {float(loss(params, x, y_onehot)):.6f}")
    print(f"training accuracy: {accuracy(params, x, y):.3f}")
    # The same loss on logits scaled by 1000 stays finite (a naive log-sum-exp gives inf).
    big = {k: 1000.0 * v for k, v in params.items()}
    print(f"loss at 1000x the weights: {float(loss(big, x, y_onehot)):.3f} (finite)")


if __name__ == "__main__":
    main()
