"""The whitened first convolution, against a NumPy principal component analysis of the patches."""

import numpy as np
import pytest
import torch
from convlens.engine import presets
from convlens.engine.network import MNIST_MEAN, MNIST_STD
from convlens.engine.training import build_model
from convlens.engine.whitening import EPSILON, PATCH_IMAGES, whiten_first_conv


def numpy_patches(images: np.ndarray, size: int, stride: int, pad: int) -> np.ndarray:
    """Every size x size patch at the stride, of the standardised, zero-padded images."""
    x = (images.astype(np.float64) / 255 - MNIST_MEAN) / MNIST_STD
    x = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    side = (x.shape[1] - size) // stride + 1
    rows = [
        x[:, i * stride : i * stride + size, j * stride : j * stride + size].reshape(len(x), -1)
        for i in range(side)
        for j in range(side)
    ]
    return np.concatenate(rows)


def test_the_filters_are_the_patches_whitened_principal_components_in_two_signs(mnist_subset):
    images = mnist_subset.train_images[:300]
    model = build_model(presets.fast(), seed=0)  # Conv(16, 5, stride=2, padding=2) first
    whiten_first_conv(model, torch.from_numpy(images))
    conv = model.layers[0]
    weights = conv.weight.detach().double().reshape(16, 25).numpy()
    assert not conv.weight.requires_grad and not conv.bias.requires_grad
    assert conv.bias.abs().max() == 0
    np.testing.assert_array_equal(weights[8:], -weights[:8])

    patches = numpy_patches(images, 5, 2, 2)
    patches -= patches.mean(0)
    variances, directions = np.linalg.eigh(patches.T @ patches / len(patches))
    top = directions[:, ::-1][:, :8].T / np.sqrt(variances[::-1][:8, None] + EPSILON)
    for mine, reference in zip(weights[:8], top, strict=True):
        sign = np.sign(mine @ reference)  # a direction is defined up to its sign
        np.testing.assert_allclose(mine, sign * reference, atol=2e-4 * np.abs(reference).max())
    # Whitened: the filters' outputs are uncorrelated, each of variance var / (var + eps).
    covariance = np.cov((patches @ weights[:8].T).T, bias=True)
    expected = np.diag(variances[::-1][:8] / (variances[::-1][:8] + EPSILON))
    np.testing.assert_allclose(covariance, expected, atol=1e-4)
    assert PATCH_IMAGES >= 300  # all 300 images were used


def test_whitening_needs_a_first_convolution():
    model = build_model(presets.Architecture([presets.Flatten(), presets.Dense(10)]))
    with pytest.raises(ValueError, match="needs a convolution as the first layer"):
        whiten_first_conv(model, torch.zeros(1, 28, 28, dtype=torch.uint8))
