"""Receptive fields against worked examples and against the gradient of the unit itself."""

import numpy as np
import pytest
import torch
from convlens.engine import presets
from convlens.engine.probe import forward_to, map_layers
from convlens.engine.receptive_field import receptive_field
from convlens.engine.spec import Activation, Architecture, BatchNorm, Conv, Dense, Flatten, Pool

from tests.engine.nets import random_model


def _tanh_net() -> Architecture:
    """No dead units (tanh), every window kind: even kernel with asymmetric 'same' padding,
    strides, integer padding, average and sum pools with gaps and overlaps."""
    return Architecture(
        [
            Conv(2, 4, stride=1, padding="same"),
            Activation("tanh"),
            Pool("average", 2, stride=3),
            Conv(3, 3, stride=2, padding=2),
            BatchNorm(),
            Activation("tanh"),
            Pool("sum", 3, stride=1),
            Flatten("row"),
            Dense(10),
        ]
    )


def _max_net() -> Architecture:
    return Architecture(
        [
            Conv(2, 5, padding="same"),
            Activation("tanh"),
            Pool("max", 2),
            Conv(2, 3, stride=2),
            Activation("tanh"),
            Flatten("row"),
            Dense(10),
        ]
    )


def test_worked_example_on_the_default_network():
    infos = presets.default().validate()
    first = receptive_field(infos, 0, 0, 0)  # 5x5 'same': two rows of padding above
    assert (first.top, first.left, first.bottom, first.right) == (0, 0, 3, 3)
    assert first.unclipped == (-2, -2, 3, 3)
    # conv 3 (3x3, pad 1) reads pool rows -1..1, i.e. conv 0 rows -2..3, i.e. input rows -4..5
    deep = receptive_field(infos, 4, 3, 5)
    assert deep.unclipped == (2, 6, 12, 16) and deep.size == (10, 10)
    pooled = receptive_field(infos, 5, 6, 6)  # 2x2 pool: conv rows 12..13, input rows 20..31
    assert pooled.unclipped == (20, 20, 32, 32) and pooled.size == (12, 12)
    assert (pooled.top, pooled.left, pooled.bottom, pooled.right) == (20, 20, 28, 28)


def test_cut_fills_the_padding_with_zeros():
    field = receptive_field(presets.default().validate(), 0, 0, 1)
    image = np.arange(28 * 28, dtype=np.float32).reshape(28, 28)
    patch = field.cut(image)
    assert patch.shape == (5, 5)
    assert (patch[:2] == 0).all() and (patch[:, 0] == 0).all()
    np.testing.assert_array_equal(patch[2:, 1:], image[:3, :4])


def _gradient(model, index: int, channel: int, row: int, col: int, image) -> np.ndarray:
    x = torch.from_numpy(image).reshape(1, 1, 28, 28).requires_grad_(True)
    (grad,) = torch.autograd.grad(forward_to(model, x, index)[0, channel, row, col], x)
    return grad[0, 0].numpy()


def _bounds(mask: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return rows[0], cols[0], rows[-1] + 1, cols[-1] + 1


@pytest.mark.parametrize("architecture", [_tanh_net, _max_net])
def test_the_unit_depends_on_its_field_only(architecture):
    model = random_model(architecture())
    rng = np.random.default_rng(0)
    image = rng.uniform(0.1, 0.9, (28, 28))
    exact = architecture is _tanh_net  # a max pool passes a gradient to one cell of a window
    for index in map_layers(model):
        channels, height, width = model.infos[index].out_shape
        positions = {(0, 0), (height - 1, width - 1), (height // 2, width // 3)}
        for row, col in positions:
            field = receptive_field(model.infos, index, row, col)
            nonzero = _gradient(model, index, channels - 1, row, col, image) != 0
            inside = np.zeros((28, 28), bool)
            inside[field.top : field.bottom, field.left : field.right] = True
            assert nonzero.any() and not (nonzero & ~inside).any()
            if exact:
                assert _bounds(nonzero) == (field.top, field.left, field.bottom, field.right)


def test_flat_layers_and_outside_positions_are_refused():
    infos = presets.default().validate()
    with pytest.raises(ValueError, match="layer 6 \\(flatten\\) has no positions"):
        receptive_field(infos, 6, 0, 0)
    with pytest.raises(ValueError, match="outside layer 2's 14x14 map"):
        receptive_field(infos, 2, 14, 0)
