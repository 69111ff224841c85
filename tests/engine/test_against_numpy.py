"""Convolution and pooling against a plain NumPy reference on random data."""

import numpy as np
import pytest
import torch
from convlens.engine import spec
from convlens.engine.network import Pool2d, ZeroPadConv

RNG = np.random.default_rng(0)


def reference_conv(x, w, b, stride, pads):
    """x (C, H, W), w (F, C, k, k): the sum over each window of input times kernel, plus bias."""
    left, right, top, bottom = pads
    x = np.pad(x, ((0, 0), (top, bottom), (left, right)))
    f, _, k, _ = w.shape
    out_h = (x.shape[1] - k) // stride + 1
    out_w = (x.shape[2] - k) // stride + 1
    out = np.empty((f, out_h, out_w))
    for o in range(f):
        for i in range(out_h):
            for j in range(out_w):
                patch = x[:, i * stride : i * stride + k, j * stride : j * stride + k]
                out[o, i, j] = (patch * w[o]).sum() + b[o]
    return out


def reference_pool(x, op, k, stride):
    reduce = {"max": np.max, "min": np.min, "average": np.mean, "sum": np.sum}[op]
    c, h, w = x.shape
    out_h, out_w = (h - k) // stride + 1, (w - k) // stride + 1
    out = np.empty((c, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[:, i, j] = reduce(
                x[:, i * stride : i * stride + k, j * stride : j * stride + k], axis=(1, 2)
            )
    return out


@pytest.mark.parametrize(
    "channels, size, stride, padding",
    [(1, 3, 1, "valid"), (3, 3, 1, "same"), (2, 4, 1, "same"), (2, 5, 2, "same"), (3, 3, 2, 1)],
)
def test_conv_matches_numpy(channels, size, stride, padding):
    layer = spec.Conv(4, size, stride, padding)
    info = spec._conv_info(0, layer, (channels, 11, 9))
    module = ZeroPadConv(channels, layer, info.padding)
    x = RNG.normal(size=(channels, 11, 9))
    with torch.no_grad():
        out = module(torch.tensor(x, dtype=torch.float32)[None])[0].numpy()
    expected = reference_conv(
        x,
        module.weight.detach().double().numpy(),
        module.bias.detach().numpy(),
        stride,
        info.padding,
    )
    assert out.shape == info.out_shape
    np.testing.assert_allclose(out, expected, atol=1e-5)


@pytest.mark.parametrize("op", spec.Pool.OPS)
@pytest.mark.parametrize("size, stride", [(2, None), (3, 1), (3, 2)])
def test_pool_matches_numpy(op, size, stride):
    x = RNG.normal(size=(3, 10, 9))
    layer = spec.Pool(op, size, stride)
    out = Pool2d(layer)(torch.tensor(x, dtype=torch.float32)[None])[0].numpy()
    np.testing.assert_allclose(out, reference_pool(x, op, size, layer.step), atol=1e-5)
