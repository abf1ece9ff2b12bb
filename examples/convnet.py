"""A small convnet with `lax.conv_general_dilated`: training, and per-example gradients.

The data are synthetic 10x10 one-channel images of three classes (a horizontal bar, a
vertical bar, a diagonal), each at a random place and with noise. The network is two 3x3
convolutions (8 channels, 'SAME' padding, NHWC images and HWIO kernels) with relu, a 2x2
strided second layer, global average pooling and a dense layer to the three classes. It
trains by plain gradient descent on `jit(value_and_grad(loss))`, and `vmap(grad(...))` gives
one gradient per example (what differentially private SGD clips), whose mean is the batch
gradient.

Run:  python examples/convnet.py
"""
import numpy as np

import functrans as ft
import functrans.lax as lax
import functrans.nn as nn
import functrans.numpy as fnp

SIZE, CLASSES, CHANNELS = 10, 3, 8
DIMS = ("NHWC", "HWIO", "NHWC")


def make_images(rng, n):
    """Images (n, 10, 10, 1) of a horizontal bar, a vertical bar or a diagonal, with noise."""
    labels = rng.integers(0, CLASSES, n)
    images = 0.3 * rng.standard_normal((n, SIZE, SIZE, 1))
    for img, label in zip(images, labels, strict=True):
        r, c = rng.integers(2, SIZE - 2, 2)
        if label == 0:
            img[r, c - 2:c + 3, 0] += 1.0
        elif label == 1:
            img[r - 2:r + 3, c, 0] += 1.0
        else:
            for k in range(-2, 3):
                img[r + k, c + k, 0] += 1.0
    return images, np.eye(CLASSES)[labels]


def init(rng):
    return {"w1": rng.standard_normal((3, 3, 1, CHANNELS)) / 3.0,
            "b1": np.zeros(CHANNELS),
            "w2": rng.standard_normal((3, 3, CHANNELS, CHANNELS)) / np.sqrt(9 * CHANNELS),
            "b2": np.zeros(CHANNELS),
            "wo": rng.standard_normal((CHANNELS, CLASSES)) / np.sqrt(CHANNELS),
            "bo": np.zeros(CLASSES)}


def logits(params, images):
    h = lax.conv_general_dilated(images, params["w1"], (1, 1), "SAME", dimension_numbers=DIMS)
    h = nn.relu(h + params["b1"])
    h = lax.conv_general_dilated(h, params["w2"], (2, 2), "SAME", dimension_numbers=DIMS)
    h = nn.relu(h + params["b2"])
    return fnp.mean(h, axis=(1, 2)) @ params["wo"] + params["bo"]


def loss(params, images, labels):
    return -fnp.mean(fnp.sum(labels * nn.log_softmax(logits(params, images)), axis=-1))


def example_loss(params, image, label):
    """The loss of one example: the batch function on a batch of one."""
    return loss(params, image[None], label[None])


def main():
    rng = np.random.default_rng(0)
    images, labels = make_images(rng, 96)
    params = init(rng)
    step = ft.jit(ft.value_and_grad(loss))
    losses = []
    for _ in range(150):
        value, grads = step(params, images, labels)
        losses.append(float(value))
        params = {k: params[k] - 0.5 * grads[k] for k in params}
    print(f"loss: {losses[0]:.4f} -> {losses[-1]:.4f} after {len(losses)} steps")
    test_images, test_labels = make_images(np.random.default_rng(1), 96)
    accuracy = np.mean(np.argmax(logits(params, test_images), axis=1)
                       == np.argmax(test_labels, axis=1))
    print(f"accuracy on 96 new images: {accuracy:.2f}")

    per_example = ft.vmap(ft.grad(example_loss), in_axes=(None, 0, 0))(params, images, labels)
    print("per-example gradient shapes:", {k: v.shape for k, v in per_example.items()})
    full = ft.grad(loss)(params, images, labels)
    diff = max(np.abs(per_example[k].mean(axis=0) - full[k]).max() for k in full)
    print(f"mean of per-example gradients vs batch gradient: {diff:.3e}")
    norms = np.sqrt(sum(np.sum(v.reshape(len(images), -1) ** 2, axis=1)
                        for v in per_example.values()))
    print(f"per-example gradient norms: min {norms.min():.3f}, max {norms.max():.3f}")


if __name__ == "__main__":
    main()
