"""Architectures from files and users: limits checked before anything is allocated, and every
malformed setting or document an ArchitectureError that names the layer."""

import json

import pytest
from convlens.engine import limits, presets
from convlens.engine.network import Network
from convlens.engine.spec import (
    Activation,
    Architecture,
    ArchitectureError,
    Conv,
    Dense,
    Dropout,
    Flatten,
    Pool,
)

from tests.engine.hostile import SPECIAL_FILES, error_of, special_file


def net(*middle) -> Architecture:
    return Architecture([*middle, Flatten(), Dense(10)])


def test_every_preset_is_far_below_every_limit():
    for make in presets.PRESETS.values():
        analysis = make().analyse()
        assert analysis.error is None
        assert analysis.params < limits.MAX_PARAMS / 10
        assert analysis.work < limits.MAX_WORK / 10
        assert max(_values(info.out_shape) for info in analysis.layers) < limits.MAX_ACTIVATION / 10


def _values(shape) -> int:
    out = 1
    for size in shape:
        out *= size
    return out


@pytest.mark.parametrize(
    "layers",
    [
        # a wide perceptron: 784-4096-4096-10, 20.0M parameters
        [Flatten(), Dense(4096), Activation(), Dense(4096), Activation(), Dense(10)],
        # 32 full-size maps straight into 1,024 units: 25.7M parameters
        [Conv(32, 3, padding="same"), Activation(), Flatten(), Dense(1024), Dense(10)],
        # a VGG-style stack at full resolution: 2 x 462M multiply-adds
        [Conv(256, 3, padding="same"), Conv(256, 3, padding="same"), Pool(), Flatten(), Dense(10)],
        # 1,024 filters on the whole image
        [Conv(1024, 3, padding="same"), Pool("max", 4), Flatten(), Dense(10)],
    ],
    ids=["mlp", "wide_flatten", "vgg", "many_filters"],
)
def test_what_a_student_tries_is_allowed(layers):
    assert Architecture(layers).analyse().error is None


@pytest.mark.parametrize(
    "architecture, index, reason",
    [
        (net(Conv(10_000, 3)), 0, "(10000x26x26) holds 6,760,000 values per image"),
        (net(Conv(1, 3, padding=5000)), 0, "its padded input (1x10028x10028)"),
        (net(Conv(1, 3, padding=3000)), 0, "holds 36,336,784 values per image"),
        (Architecture([Flatten(), Dense(10**5), Dense(10)]), 1, "78,500,000 parameters"),
        (Architecture([Flatten(), Dense(10**6), Dense(10)]), 1, "number of units must be"),
        (
            Architecture([Flatten(), Dense(10**100), Dense(10)]),
            1,
            "from 1 to 100,000, not a number of 101 digits",
        ),
        (net(Conv(4, 3, stride=2**63)), 0, "stride must be a whole number from 1 to 100,000"),
        (net(Conv(4, 3, padding=2**70)), 0, "padding must be a whole number from 0"),
        (net(Pool("max", 2, stride=2**63)), 0, "pooling stride must be"),
        (net(*[Conv(256, 3, padding="same")] * 4), 3, "1,389,072,384 multiply-adds"),
        (net(Conv(True, 3)), 0, "number of filters must be a whole number"),
        (net(Conv(4.0, 3)), 0, "number of filters must be a whole number"),
        (net(Conv(4, "3")), 0, "filter size must be a whole number"),
        (net(Conv(4, 3, padding=True)), 0, "padding must be 'valid', 'same' or a width"),
        (net(Flatten(), Dropout(False)), 1, "dropout rate must be at least 0"),
        (net(Flatten(), Dropout(float("nan"))), 1, "dropout rate"),
        (net(Pool(["max"])), 0, "pooling must be one of"),
        (Architecture([Activation()] * 201 + [Flatten(), Dense(10)]), None, "203 layers"),
    ],
)
def test_limits_and_bad_settings_are_refused_before_allocating(architecture, index, reason):
    error = architecture.analyse().error
    assert error is not None and error.index == index
    assert reason in error.reason
    with pytest.raises(ArchitectureError) as caught:
        Network(architecture)  # validate() runs first: nothing is built
    assert caught.value.reason == error.reason


def test_a_huge_number_in_a_message_stays_short():
    error = net(Conv(10**5000, 3)).analyse().error
    assert error.reason.endswith("from 1 to 100,000, not a number of 5,001 digits")


def layers_json(*layers) -> str:
    return json.dumps({"layers": [*layers, {"kind": "flatten"}, {"kind": "dense", "units": 10}]})


@pytest.mark.parametrize(
    "text, index, reason",
    [
        ('{"layers": [{"kind": ["conv"]}]}', 0, "unknown layer kind in {'kind': ['conv']}"),
        ('{"layers": [{"kind": {"a": 1}}]}', 0, "unknown layer kind"),
        ('{"layers": [3]}', 0, "unknown layer kind in 3"),
        ("[" * 10_000 + "]" * 10_000, None, "nested 10000 levels deep"),
        ('{"layers": ' + "[" * 50_000, None, "nested 50001 levels deep"),
        ('{"layers": [{"kind": "dense", "units": ' + "9" * 5000 + "}]}", None, "5,000 characters"),
        ('{"layers": [{"kind": "dropout", "rate": NaN}]}', None, "NaN is not a JSON number"),
        ('{"layers": [{"kind": "dropout", "rate": 1e999}]}', None, "1e999 is too large"),
        ('{"name": ["x"], "layers": []}', None, "the name must be text"),
        (layers_json({"kind": "dropout", "rate": False}), 0, "dropout rate"),
        (
            layers_json({"kind": "conv", "filters": 10**30}),
            0,
            "not 1000000000000000000000000000000",
        ),
        (layers_json({"kind": "conv", "stride": 9223372036854775808}), 0, "stride must be"),
        (layers_json({"kind": "conv", "filters": 8.0}), 0, "number of filters"),
    ],
    ids=[
        "unhashable_kind",
        "object_kind",
        "layer_not_object",
        "nested_10000",
        "nested_unclosed",
        "5000_digits",
        "nan",
        "inf",
        "name",
        "dropout_false",
        "huge_filters",
        "stride_2_63",
        "float_filters",
    ],
)
def test_hostile_json_is_an_architecture_error(text, index, reason):
    with pytest.raises(ArchitectureError) as caught:
        Architecture.from_json(text).validate()
    assert caught.value.index == index
    assert reason in caught.value.reason


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = json.dumps(
        {
            "name": "[" * 100 + '"{' * 20,
            "layers": [{"kind": "flatten"}, {"kind": "dense", "units": 10}],
        }
    )
    architecture = Architecture.from_json(text)
    assert architecture.name.startswith("[[[") and architecture.validate()[-1].out_shape == (10,)


def test_files_that_are_not_utf8_json_name_the_file(tmp_path):
    path = tmp_path / "arch16.json"
    path.write_text(presets.tiny().to_json(), encoding="utf-16")
    with pytest.raises(ArchitectureError, match=f"{path}: not UTF-8 text"):
        Architecture.from_file(path)
    with_bom = tmp_path / "bom.json"
    with_bom.write_text(presets.tiny().to_json(), encoding="utf-8-sig")  # Notepad's UTF-8
    assert Architecture.from_file(with_bom) == presets.tiny()


@pytest.mark.parametrize("special", SPECIAL_FILES)
def test_special_files_are_refused_without_reading(special, tmp_path):
    path = special_file(special, tmp_path / "arch.json")
    with pytest.raises(ArchitectureError, match=f"cannot read {path}: it is a"):
        Architecture.from_file(path)


def test_a_big_file_is_refused(tmp_path):
    path = tmp_path / "big.json"
    path.write_text(" " * (limits.MAX_JSON_CHARS + 1))
    with pytest.raises(ArchitectureError, match="larger than"):
        Architecture.from_file(path)


def test_a_bomb_fails_fast_under_a_memory_limit(tmp_path):
    """Dense(100_000) after a 26x26x4 conv would be 270M weights, 1 GB: refused before any."""
    path = tmp_path / "bomb.json"
    path.write_text(
        layers_json({"kind": "conv", "filters": 4}).replace(
            '"units": 10}', '"units": 100000}, {"kind": "dense", "units": 10}'
        )
    )
    message = error_of(
        "from convlens.engine.network import Network\n"
        "from convlens.engine.spec import Architecture, ArchitectureError",
        "Network(Architecture.from_file(sys.argv[1]))",
        "ArchitectureError",
        path,
    )
    assert message.startswith("layer 2: brings the network to 270,500,040 parameters")
