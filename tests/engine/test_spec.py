"""Architectures: shapes, parameter counts, editing, JSON, and every kind of impossible network."""

import pytest
import torch
from convlens.engine import presets
from convlens.engine.network import Network
from convlens.engine.spec import (
    Activation,
    Architecture,
    ArchitectureError,
    BatchNorm,
    Conv,
    Dense,
    Dropout,
    Flatten,
    Pool,
)


def small(*middle) -> Architecture:
    return Architecture([*middle, Flatten(), Dense(10)])


def test_shapes_and_parameter_counts():
    infos = small(Conv(6, 5), Activation(), Pool("max", 2), Conv(16, 3, stride=2)).validate()
    assert [info.out_shape for info in infos] == [
        (6, 24, 24),
        (6, 24, 24),
        (6, 12, 12),
        (16, 5, 5),
        (400,),
        (10,),
    ]
    assert [info.params for info in infos] == [6 * 26, 0, 0, 16 * (6 * 9 + 1), 0, 4010]


@pytest.mark.parametrize(
    "padding, stride, side",
    [("valid", 1, 26), ("same", 1, 28), ("same", 2, 14), (2, 1, 30), (1, 3, 10)],
)
def test_padding_and_stride_set_the_map_size(padding, stride, side):
    info = small(Conv(2, 3, stride, padding)).validate()[0]
    assert info.out_shape == (2, side, side)


def test_same_padding_with_an_even_kernel_pads_more_after():
    info = small(Conv(1, 4, padding="same")).validate()[0]
    assert info.padding == (1, 2, 1, 2) and info.out_shape == (1, 28, 28)


def test_every_preset_builds_and_its_counts_match_torch():
    for make in presets.PRESETS.values():
        architecture = make()
        model = Network(architecture)
        assert architecture.analyse().params == sum(p.numel() for p in model.parameters())
        assert model(torch.rand(2, 1, 28, 28)).shape == (2, 10)


@pytest.mark.parametrize(
    "layers, index, reason",
    [
        ([Pool("max", 29), Flatten(), Dense(10)], 0, "larger than its 28x28 input"),
        ([Conv(4, 3, stride=0), Flatten(), Dense(10)], 0, "stride must be"),
        ([Conv(0, 3), Flatten(), Dense(10)], 0, "number of filters"),
        ([Conv(4, 30), Flatten(), Dense(10)], 0, "filter 30x30 is larger"),
        ([Conv(4, 3, padding="full"), Flatten(), Dense(10)], 0, "padding must be"),
        ([Conv(4, 3, padding=-1), Flatten(), Dense(10)], 0, "padding must be 0 or more"),
        ([Conv(4, 3), Dense(10)], 1, "add a flatten layer"),
        ([Flatten(), Conv(4, 3), Dense(10)], 1, "needs feature maps"),
        ([Flatten(), Pool(), Dense(10)], 1, "needs feature maps"),
        ([Flatten(), Dropout(-0.1), Dense(10)], 1, "dropout rate"),
        ([Flatten(), Dropout(1.0), Dense(10)], 1, "dropout rate"),
        ([Pool("median"), Flatten(), Dense(10)], 0, "pooling must be one of"),
        ([Activation("swish"), Flatten(), Dense(10)], 0, "activation must be one of"),
        ([Flatten("diagonal"), Dense(10)], 0, "flatten order"),
        ([Flatten(), Dense(0), Dense(10)], 1, "number of units"),
        ([Pool("max", 2, stride=0), Flatten(), Dense(10)], 0, "pooling stride"),
        ([Flatten(), Dense(12)], None, "dense layer of 10 units"),
        ([Conv(4, 3), Flatten()], None, "dense layer of 10 units"),
        ([], None, "dense layer of 10 units"),
    ],
)
def test_impossible_networks_name_the_layer_and_the_reason(layers, index, reason):
    architecture = Architecture(layers)
    analysis = architecture.analyse()
    assert analysis.error is not None
    assert analysis.error.index == index
    assert reason in analysis.error.reason
    assert len(analysis.layers) == (index if index is not None else len(layers))
    with pytest.raises(ArchitectureError, match=reason):
        Network(architecture)


def test_a_map_that_shrinks_to_nothing_is_rejected():
    layers = [Conv(2, 3, stride=2)] * 4 + [Flatten(), Dense(10)]  # 28 -> 13 -> 6 -> 2 -> ?
    error = Architecture(layers).analyse().error
    assert error.index == 3 and "larger than its 2x2 (padded) input" in error.reason


def test_keras_style_editing():
    architecture = Architecture([Flatten(), Dense(10)])
    architecture.insert(0, Conv(4, 3))
    architecture.push(Dropout(0.1))
    assert architecture.pop() == Dropout(0.1)
    architecture.insert(1, Activation("tanh"))
    architecture.move(1, 0)
    assert [layer.kind for layer in architecture.layers] == [
        "activation",
        "conv",
        "flatten",
        "dense",
    ]
    assert architecture.remove(0) == Activation("tanh")
    assert architecture.validate()[0].out_shape == (4, 26, 26)


def test_json_round_trip():
    architecture = Architecture(
        [
            Conv(3, 4, 2, "same"),
            BatchNorm(),
            Activation("leaky_relu"),
            Pool("sum", 3, 1),
            Conv(2, 3, padding=1),
            Flatten("column"),
            Dropout(0.3),
            Dense(10),
        ],
        name="mine",
    )
    again = Architecture.from_json(architecture.to_json())
    assert again == architecture
    assert again.analyse().error is None


@pytest.mark.parametrize(
    "text, reason",
    [
        ("{not json", "not valid JSON"),
        ('{"layers": 3}', "'layers' list"),
        ('{"layers": [{"kind": "lstm"}]}', "unknown layer kind"),
        ('{"layers": [{"kind": "conv", "kernels": 3}]}', "has no setting"),
    ],
)
def test_bad_json_is_a_clear_error(text, reason):
    with pytest.raises(ArchitectureError, match=reason):
        Architecture.from_json(text)
