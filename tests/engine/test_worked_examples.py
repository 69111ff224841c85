"""The textbook examples, exactly, computed by ConvLens's own network and the modules it is
built from. Where an example feeds a layer given values, the image is chosen so that the
network's first step, (ink - MNIST_MEAN) / MNIST_STD, gives exactly those values."""

import numpy as np
import pytest
import torch
from convlens.engine import spec
from convlens.engine.network import (
    MNIST_MEAN,
    MNIST_STD,
    Flatten,
    Network,
    Pool2d,
    ZeroPadConv,
    trace_image,
)

FEATURE_MAP = [[-1, 3, 2], [1, -2, 1], [-1, 1, 3]]
POOL_INPUT = [[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]


def as_batch(rows) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.float32)[None, None]  # (1, 1, H, W)


def ink_for(standardised: np.ndarray) -> np.ndarray:
    """The ink image that the network standardises into ``standardised``."""
    return (np.asarray(standardised, np.float64) * MNIST_STD + MNIST_MEAN).astype(np.float32)


def network(*layers) -> Network:
    return Network(spec.Architecture([*layers, spec.Dense(10)]))


def test_relu_zeroes_negatives():
    standardised = np.zeros((28, 28))
    standardised[:3, :3] = FEATURE_MAP
    model = network(spec.Activation("relu"), spec.Flatten())
    out = trace_image(model, ink_for(standardised)).outputs[0][0, :3, :3]
    np.testing.assert_allclose(out, [[0, 3, 2], [1, 0, 1], [0, 1, 3]], atol=1e-6)


def test_max_pool_stride_2():
    out = Pool2d(spec.Pool("max", 2))(as_batch(POOL_INPUT))
    assert out[0, 0].tolist() == [[6, 8], [3, 4]]


def test_max_pool_stride_1():
    out = Pool2d(spec.Pool("max", 2, stride=1))(as_batch(POOL_INPUT))
    assert out[0, 0].tolist() == [[6, 7, 8], [6, 7, 8], [3, 3, 4]]


@pytest.mark.parametrize("order, expected", [("row", [6, 8, 3, 4]), ("column", [6, 3, 8, 4])])
def test_flatten_order(order, expected):
    assert Flatten(order)(as_batch([[6, 8], [3, 4]]))[0].tolist() == expected


def test_flatten_keeps_maps_one_after_another():
    maps = torch.arange(8.0).reshape(1, 2, 2, 2)  # map 0: [[0,1],[2,3]], map 1: [[4,5],[6,7]]
    assert Flatten("column")(maps)[0].tolist() == [0, 2, 1, 3, 4, 6, 5, 7]


def conv(filters=1, size=3, stride=1, padding="same", height=4, width=4) -> ZeroPadConv:
    layer = spec.Conv(filters, size, stride, padding)
    info = spec._conv_info(0, layer, (1, height, width))
    return ZeroPadConv(1, layer, info.padding)


def test_same_padding_keeps_a_4x4_map_and_stride_2_shrinks_it():
    x = torch.rand(1, 1, 4, 4)
    assert conv()(x).shape == (1, 1, 4, 4)
    assert conv(stride=2)(x).shape == (1, 1, 2, 2)
    assert conv(padding="valid")(x).shape == (1, 1, 2, 2)


def test_feature_map_is_a_dot_product_per_position():
    layer = conv(padding="valid")
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, 0, -1], [1, 0, -1], [1, 0, -1]]))
        layer.bias.zero_()
    image = as_batch([[3, 0, 1, 2], [1, 5, 8, 9], [2, 7, 2, 5], [0, 1, 3, 1]])
    # top-left: 3+1+2 - (1+8+2) = -5; top-right: 0+5+7 - (2+9+5) = -4
    assert layer(image)[0, 0].tolist()[0] == [-5.0, -4.0]


def test_dense_maps_1x4_to_1x3():
    # Average pooling of 14x14 quadrants gives the 1x4 vector x = (1, 2, 3, 4) after flattening.
    standardised = np.kron([[1.0, 2.0], [3.0, 4.0]], np.ones((14, 14)))
    model = network(spec.Pool("average", 14), spec.Flatten(), spec.Dense(3))
    dense = model.layers[2]  # stores W transposed, (3, 4)
    w = torch.arange(12.0).reshape(4, 3)
    b = torch.tensor([0.5, -1.0, 2.0])
    with torch.no_grad():
        dense.weight.copy_(w.T)
        dense.bias.copy_(b)
    trace = trace_image(model, ink_for(standardised))
    np.testing.assert_allclose(trace.outputs[1], [1, 2, 3, 4], atol=1e-5)
    np.testing.assert_allclose(trace.outputs[2], [60.5, 69.0, 82.0], atol=1e-4)


def test_softmax_sums_to_one():
    model = network(spec.Flatten())
    logits = [2.0, 1.0, 0.1] + [-100.0] * 7  # e^-100: nothing beside the three of the example
    with torch.no_grad():
        model.layers[1].weight.zero_()
        model.layers[1].bias.copy_(torch.tensor(logits))
    probs = trace_image(model, np.zeros((28, 28), np.float32)).probabilities
    assert probs.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(probs[:3], [0.659, 0.242, 0.099], atol=1e-3)
