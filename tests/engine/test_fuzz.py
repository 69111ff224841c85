"""Fuzzing architecture JSON and model files with hypothesis: whatever the bytes, the answer
is a result or our own error (ArchitectureError, ModelFileError), never another exception.

The suite runs a short pass (a few seconds). For a long one:
    CONVLENS_FUZZ_EXAMPLES=20000 .venv/bin/python -m pytest tests/engine/test_fuzz.py -q
"""

import json
import os

import torch
from convlens.engine import limits, presets
from convlens.engine.model_file import FORMAT, ModelFileError, load_model
from convlens.engine.network import Network
from convlens.engine.spec import LAYER_TYPES, Architecture, ArchitectureError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from safetensors.torch import save

EXAMPLES = int(os.environ.get("CONVLENS_FUZZ_EXAMPLES", "40"))
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # nothing written into the checkout
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Anything JSON can hold, numbers at their edges included.
numbers = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, 1, 2, 3, 10, 2**31, 2**63, 10**6]),
    st.floats(allow_nan=False, allow_infinity=False),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=8)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
settings_values = st.one_of(
    json_values,
    st.sampled_from(["valid", "same", "max", "relu", "row", "column", "sum", "tanh"]),
)


@st.composite
def layer_dicts(draw):
    kind = draw(st.sampled_from([*LAYER_TYPES, "lstm", ["conv"]]))
    names = ["filters", "size", "stride", "padding", "function", "op", "order", "units", "rate"]
    keys = draw(st.lists(st.sampled_from(names), max_size=3, unique=True))
    return {"kind": kind, **{key: draw(settings_values) for key in keys}}


architectures = st.builds(
    lambda layers, tail: {"layers": layers + tail},
    st.lists(layer_dicts(), max_size=6),
    st.sampled_from([[], [{"kind": "flatten"}, {"kind": "dense", "units": 10}]]),
)


def _check_architecture(text):
    try:
        architecture = Architecture.from_json(text)
        infos = architecture.validate()
    except ArchitectureError:
        return
    analysis = architecture.analyse()
    assert analysis.params <= limits.MAX_PARAMS and analysis.work <= limits.MAX_WORK
    for info in infos:
        assert torch.Size(info.out_shape).numel() <= limits.MAX_ACTIVATION
    with torch.device("meta"):  # building it costs nothing, and must work
        Network(architecture)


@fuzz
@given(architectures)
@example({"layers": [{"kind": "flatten", "order": []}]})  # found by the fuzzer: a TypeError
def test_architecture_dicts(data):
    _check_architecture(json.dumps(data))


@fuzz
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200), json_values.map(json.dumps)))
def test_architecture_text(text):
    _check_architecture(text)


GOOD = save(
    dict(Network(presets.tiny()).state_dict()),
    {"format": FORMAT, "architecture": presets.tiny().to_json(indent=None), "facts": "{}"},
)


def _check_model(path, data: bytes):
    path.write_bytes(data)
    try:
        model, _ = load_model(path)
    except ModelFileError:
        return
    assert torch.isfinite(model(torch.rand(2, 1, 28, 28))).all()


@fuzz
@given(st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 255)), max_size=8))
def test_model_files_with_bytes_changed(tmp_path_factory, changes):
    data = bytearray(GOOD)
    for position, value in changes:
        data[position] = value
    _check_model(tmp_path_factory.mktemp("fuzz") / "m.safetensors", bytes(data))


@fuzz
@given(st.integers(0, len(GOOD)))
def test_model_files_cut_short(tmp_path_factory, length):
    _check_model(tmp_path_factory.mktemp("fuzz") / "m.safetensors", GOOD[:length])


@fuzz
@given(
    architectures,
    st.dictionaries(st.sampled_from(["facts", "temperature", "history", "name"]), st.text()),
    st.sampled_from(["F32", "F16", "I8", "BOOL", "C64", "F64", 3]),
    st.lists(st.integers(-1, 5), max_size=4),
)
def test_model_headers(tmp_path_factory, architecture, metadata, dtype, shape):
    """A header written by hand: any architecture, metadata, dtype and shape for one tensor."""
    count = max(1, int(torch.tensor(shape or [1]).clamp(min=0).prod()))
    header = {
        "__metadata__": {"format": FORMAT, "architecture": json.dumps(architecture), **metadata},
        "layers.0.weight": {"dtype": dtype, "shape": shape, "data_offsets": [0, 4 * count]},
    }
    text = json.dumps(header).encode()
    data = len(text).to_bytes(8, "little") + text + bytes(4 * count)
    _check_model(tmp_path_factory.mktemp("fuzz") / "m.safetensors", data)
