"""Explain mode: the arithmetic shown for any value equals what the network computed."""

import numpy as np
import pytest
import torch
from convlens.engine import explain as ex
from convlens.engine import presets
from convlens.engine.network import MNIST_MEAN, MNIST_STD, Network, trace_image
from convlens.engine.spec import (
    Activation,
    Architecture,
    BatchNorm,
    Conv,
    Dense,
    Dropout,
    Flatten,
    Pool,
)
from convlens.engine.training import build_model

TOL = {"rtol": 1e-5, "atol": 1e-5}


def _ring() -> np.ndarray:
    """A drawn '0': an anti-aliased ring, ink in [0, 1] like the canvas gives."""
    rows, cols = np.indices((28, 28))
    distance = np.hypot(rows - 13.5, (cols - 14.0) * 1.3)
    return np.clip(1.5 - np.abs(distance - 8.0), 0.0, 1.0).astype(np.float32)


def _custom() -> Architecture:
    """Stride 2, even kernel with 'same' (asymmetric) padding, integer padding, min pooling,
    sigmoid, 2-d and 1-d batch norm, column flatten, leaky ReLU and dropout."""
    return Architecture(
        [
            Conv(3, 4, stride=2, padding="same"),
            BatchNorm(),
            Activation("sigmoid"),
            Conv(5, 3, padding=2),
            Activation("leaky_relu"),
            Pool("min", 3, stride=2),
            Flatten("column"),
            Dense(12),
            BatchNorm(),
            Activation("tanh"),
            Dropout(0.3),
            Dense(10),
        ]
    )


def _pools() -> Architecture:
    """Average and sum pooling with overlapping windows, a multi-channel even kernel."""
    return Architecture(
        [
            Conv(4, 3, padding=1),
            Activation("tanh"),
            Pool("average", 2),
            Conv(6, 2, padding="same"),
            Pool("sum", 3, stride=2),
            Flatten("row"),
            Dense(10),
        ]
    )


ARCHITECTURES = {
    "default": presets.default,
    "lenet5": presets.lenet5,
    "deep_sigmoid": presets.deep_sigmoid,
    "custom": _custom,
    "pools": _pools,
}
IMAGES = {"ring": _ring, "noise": lambda: np.random.default_rng(1).random((28, 28), np.float32)}


def _model(architecture: Architecture) -> Network:
    model = build_model(architecture, seed=3)
    generator = torch.Generator().manual_seed(4)
    for module in model.modules():
        # Fresh batch norm statistics are the identity; make them do something.
        if isinstance(module, torch.nn.BatchNorm1d | torch.nn.BatchNorm2d):
            n = module.num_features
            module.running_mean.copy_(torch.randn(n, generator=generator))
            module.running_var.copy_(torch.rand(n, generator=generator) + 0.5)
            module.weight.data.copy_(torch.randn(n, generator=generator))
            module.bias.data.copy_(torch.randn(n, generator=generator))
    return model.eval()


def _explained_value(explanation) -> float:
    for name in ("total", "result", "output", "input"):  # conv/dense, pool, element-wise, flatten
        if hasattr(explanation, name):
            return getattr(explanation, name)
    raise AssertionError(f"no value in {explanation!r}")


@pytest.mark.parametrize("image_name", IMAGES)
@pytest.mark.parametrize("arch_name", ARCHITECTURES)
def test_random_positions_match_the_model(arch_name, image_name):
    model = _model(ARCHITECTURES[arch_name]())
    trace = trace_image(model, IMAGES[image_name]())
    rng = np.random.default_rng(7)
    for index, output in enumerate(trace.outputs):
        for _ in range(6):
            position = tuple(int(rng.integers(n)) for n in output.shape)
            explanation = ex.explain(model, trace, index, *position)
            model_value = output[position] if len(position) == 3 else output[position[0]]
            if isinstance(explanation, ex.FlattenExplanation):
                np.testing.assert_array_equal(explanation.model_value, model_value)
            np.testing.assert_allclose(_explained_value(explanation), model_value, **TOL)
            np.testing.assert_allclose(explanation.model_value, model_value, **TOL)


def test_conv_shows_standardised_ink_kernel_products_and_relu():
    model = _model(presets.default())
    trace = trace_image(model, _ring())
    e = ex.explain_conv(model, trace, 0, 5, 9, 7)
    assert e.patch.shape == e.kernel.shape == e.products.shape == (1, 5, 5)
    np.testing.assert_allclose(e.patch[0], (e.ink - MNIST_MEAN) / MNIST_STD, **TOL)
    np.testing.assert_allclose(e.products, e.patch * e.kernel)
    np.testing.assert_allclose(e.total, e.channel_sums.sum() + e.bias)
    np.testing.assert_allclose(e.total, trace.outputs[0][5, 9, 7], **TOL)
    assert e.activation.function == "relu"
    assert e.activation.output == max(0.0, e.total)
    np.testing.assert_allclose(e.activation.output, trace.outputs[1][5, 9, 7], **TOL)


def test_multi_channel_conv_has_one_row_per_input_channel():
    model = _model(presets.default())
    trace = trace_image(model, _ring())
    e = ex.explain_conv(model, trace, 3, 31, 6, 2)
    assert e.patch.shape == (16, 3, 3) and e.channel_sums.shape == (16,)
    np.testing.assert_allclose(e.patch, trace.outputs[2][:, 5:8, 1:4] * ~e.padded)


def test_padded_cells_are_zeros_and_marked():
    model = _model(_custom())  # 4x4 kernel, stride 2, 'same': padding 1 before, 1 after
    trace = trace_image(model, _ring())
    assert model.infos[0].padding == (1, 1, 1, 1)
    first = ex.explain_conv(model, trace, 0, 0, 0, 0)
    assert (first.field.top, first.field.left, first.field.size, first.field.stride) == (
        -1,
        -1,
        4,
        2,
    )
    assert first.padded[0].all() and first.padded[:, 0].all() and not first.padded[1:, 1:].any()
    assert (first.patch[:, first.padded] == 0).all()
    last = ex.explain_conv(model, trace, 0, 0, 13, 13)  # rows 25..28: row 28 is padding
    assert last.padded[3].all() and not last.padded[:3, :3].any()
    wide = ex.explain_conv(model, trace, 3, 1, 0, 15)  # 14x14 padded by 2: rows -2..0, cols 13..15
    np.testing.assert_array_equal(wide.padded, [[True] * 3, [True] * 3, [False, True, True]])
    assert (wide.patch[:, wide.padded] == 0).all() and (wide.patch[:, 2, 0] != 0).all()


def test_asymmetric_same_padding():
    model = _model(_pools())  # 2x2 kernel, 'same' on 14x14: nothing before, one after
    trace = trace_image(model, _ring())
    assert model.infos[3].padding == (0, 1, 0, 1)
    e = ex.explain_conv(model, trace, 3, 2, 13, 13)
    np.testing.assert_array_equal(e.padded, [[False, True], [True, True]])
    np.testing.assert_allclose(e.total, trace.outputs[3][2, 13, 13], **TOL)


def test_pool_window_and_winner():
    model = _model(presets.default())
    trace = trace_image(model, _ring())
    e = ex.explain_pool(model, trace, 2, 4, 3, 5)
    assert (e.field.top, e.field.left, e.field.size) == (6, 10, 2)
    np.testing.assert_array_equal(e.values, trace.outputs[1][4, 6:8, 10:12])
    assert e.values[e.chosen] == e.values.max() == e.result


def test_step_through_is_row_major_with_each_window():
    model = _model(_custom())
    info = model.infos[5]  # min pool, window 3, stride 2
    steps = ex.step_through(info)
    _, h, w = info.out_shape
    assert len(steps) == h * w and steps[0].count == h * w
    assert [(s.row, s.col) for s in steps[: w + 1]] == [(0, c) for c in range(w)] + [(1, 0)]
    assert steps[w + 1].field == ex.field_of(info, 1, 1)
    assert (steps[w + 1].field.top, steps[w + 1].field.left) == (2, 2)


@pytest.mark.parametrize("order", ["row", "column"])
def test_flatten_mapping_matches_the_network(order):
    model = _model(_custom() if order == "column" else presets.default())
    index = next(i for i, info in enumerate(model.infos) if isinstance(info.layer, Flatten))
    shape = model.infos[index].in_shape
    maps = torch.arange(np.prod(shape), dtype=torch.float32).reshape(1, *shape)
    vector = model.layers[index](maps)[0].numpy()
    mapping = ex.flatten_mapping(shape, order)
    np.testing.assert_array_equal(vector[mapping], maps[0].numpy())
    c, r, k = shape[0] - 1, 1, shape[2] - 1
    e = ex.explain_flatten(model, index, c, r, k)
    assert e.index == mapping[c, r, k] and e.input is None
    assert e.row_major_index == c * shape[1] * shape[2] + r * shape[2] + k
    assert e.column_major_index == c * shape[1] * shape[2] + k * shape[1] + r
    assert ex.flatten_source(shape, order, e.index) == (c, r, k)


def test_dense_names_its_largest_contributions():
    model = _model(presets.default())
    trace = trace_image(model, _ring())
    e = ex.explain_dense(model, trace, 8, 17, top=4)
    assert (e.n_in, e.n_out) == (2352, 128) and len(e.top) == 4
    magnitudes = np.abs(e.contributions)
    assert magnitudes[e.top[0]] == magnitudes.max()
    assert list(magnitudes[e.top]) == sorted(magnitudes[e.top], reverse=True)
    np.testing.assert_allclose(e.contributions[e.top].sum() + e.rest + e.bias, e.total)
    c, r, k = ex.flatten_source((48, 7, 7), "row", int(e.top[0]))
    assert e.top_names[0] == f"x[{e.top[0]}]: map {c} at row {r}, col {k}"
    hidden = ex.explain_dense(model, trace, 11, 3)
    assert hidden.top_names[0].endswith(f"unit {hidden.top[0]} of layer 10")


def test_softmax_adds_to_one():
    model = _model(presets.tiny())
    trace = trace_image(model, _ring())
    e = ex.explain(model, trace, len(model.layers), 0)
    assert isinstance(e, ex.SoftmaxExplanation)
    np.testing.assert_allclose(e.exps, np.exp(e.logits - e.logits.max()))
    np.testing.assert_allclose(e.probabilities, e.exps / e.exp_sum)
    np.testing.assert_allclose(e.probabilities, trace.probabilities, **TOL)
    assert abs(e.total - 1) < 1e-12
