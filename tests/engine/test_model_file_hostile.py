"""Hostile and broken model files: each is a ModelFileError naming the file, found before any
weight is allocated, and never a hang, a traceback or gigabytes of memory."""

import json
import os

import pytest
import torch
from convlens.engine import presets
from convlens.engine.model_file import FORMAT, ModelFileError, ModelInfo, load_model, save_model
from convlens.engine.network import Network
from convlens.engine.spec import Architecture, Conv, Dense, Flatten
from convlens.engine.training import build_model
from safetensors.torch import save, save_file

from tests.engine.hostile import SPECIAL_FILES, error_of, special_file

LOAD_IMPORTS = "from convlens.engine.model_file import ModelFileError, load_model"


def metadata_for(architecture: Architecture, **extra) -> dict[str, str]:
    return {"format": FORMAT, "architecture": architecture.to_json(indent=None), **extra}


def write(path, architecture, tensors=None, **extra):
    """A model file for ``architecture`` with ``tensors`` (default: its own fresh weights)."""
    if tensors is None:
        tensors = dict(Network(architecture).state_dict())
    save_file(tensors, path, metadata=metadata_for(architecture, **extra))
    return path


def raw_file(path, header: bytes, data: bytes = b"", length: int | None = None):
    length = len(header) if length is None else length
    path.write_bytes(length.to_bytes(8, "little") + header + data)
    return path


def expect(path, *parts):
    with pytest.raises(ModelFileError) as caught:
        load_model(path)
    message = str(caught.value)
    assert os.path.basename(path) in message
    for part in parts:
        assert part in message
    return message


TINY = presets.tiny()


def test_a_352_byte_bomb_fails_fast_under_a_memory_limit(tmp_path):
    """10,000 filters: 4 GB and 21 s before 'missing tensors' when the network was built first."""
    path = tmp_path / "bomb.safetensors"
    bomb = Architecture([Conv(10_000, 3), Flatten(), Dense(10)])
    save_file({"w": torch.zeros(1)}, path, metadata=metadata_for(bomb))
    assert path.stat().st_size < 400
    message = error_of(LOAD_IMPORTS, "load_model(sys.argv[1])", "ModelFileError", path)
    assert message.startswith("bomb.safetensors holds an unusable architecture: layer 0:")
    assert "6,760,000 values per image" in message


def test_a_huge_padding_with_matching_tiny_tensors_is_refused(tmp_path):
    """Its conv tensors are right (1x1x3x3), but one image would need 3.2 GB in predict."""
    architecture = Architecture([Conv(1, 3, padding=5000), Flatten(), Dense(10)])
    tensors = {"layers.0.weight": torch.zeros(1, 1, 3, 3), "layers.0.bias": torch.zeros(1)}
    path = write(tmp_path / "pad.safetensors", architecture, tensors)
    expect(path, "unusable architecture", "its padded input (1x10028x10028)")


@pytest.mark.parametrize(
    "arch_json, part",
    [
        ('{"layers": [{"kind": "conv", "stride": 9223372036854775808}]}', "stride must be"),
        ('{"layers": [{"kind": ["conv"]}]}', "unknown layer kind"),
        ("[" * 10_000 + "]" * 10_000, "nested 10000 levels deep"),
        ('{"layers": [{"kind": "dense", "units": ' + "1" * 5000 + "}]}", "5,000 characters"),
    ],
    ids=["stride_2_63", "unhashable_kind", "nested", "5000_digits"],
)
def test_hostile_architectures(arch_json, part, tmp_path):
    path = tmp_path / "arch.safetensors"
    save_file({"w": torch.zeros(1)}, path, metadata={"format": FORMAT, "architecture": arch_json})
    expect(path, "unusable architecture", part)


@pytest.mark.parametrize(
    "facts, part",
    [
        ("[1, 2]", "facts must be an object, not list"),
        ('"99%"', "facts must be an object, not str"),
        ("[" * 10_000 + "]" * 10_000, "nested 10000 levels deep"),
        ('{"epochs": ' + "9" * 5000 + "}", "5,000 characters"),
        ('{"test_accuracy": "high"}', "'test_accuracy' must be a number from 0 to 1"),
        ('{"test_accuracy": 1.5}', "'test_accuracy' must be a number from 0 to 1"),
        ('{"test_accuracy": NaN}', "NaN is not a JSON number"),
        ('{"epochs": true}', "'epochs' must be a whole number"),
        ('{"epochs": -1}', "'epochs' must be a whole number"),
        ('{"recipe": {"lr": [1, 2]}}', "'recipe' must be an object of training settings"),
        ('{"date": "' + "x" * 100 + '"}', "'date' must be a date as text"),
        ('{"ece": 2}', "'ece' must be a number from 0 to 1"),
        ('{"probabilities": 3}', "'probabilities' must be text"),
    ],
)
def test_bad_facts(facts, part, tmp_path):
    path = write(tmp_path / "facts.safetensors", TINY, facts=facts)
    expect(path, "facts or history unusable", part)


def test_known_facts_are_kept_and_unknown_ones_dropped(tmp_path):
    facts = {
        "epochs": 2,
        "test_accuracy": 0.97,
        "train_seconds": 3.5,
        "date": "2026-12-01",
        "recipe": {"lr": 0.003, "optimizer": "adam", "dropout": None, "augment": True},
        "ece": 0.012,
        "probabilities": "softmax of the logits divided by a temperature of 1.3",
        "colour": {"nested": ["anything"]},
    }
    path = write(tmp_path / "facts.safetensors", TINY, facts=json.dumps(facts))
    _, info = load_model(path)
    del facts["colour"]
    assert info.facts == facts


@pytest.mark.parametrize("text", ["nan", "inf", "-1", "0", "0.01", "21", "1e400", "abc", "9" * 50])
def test_bad_temperature(text, tmp_path):
    path = write(tmp_path / "t.safetensors", TINY, temperature=text)
    expect(path, "temperature must be a number from 0.05 to 20")


def test_a_temperature_in_range_is_kept(tmp_path):
    path = write(tmp_path / "t.safetensors", TINY, temperature="0.8")
    assert load_model(path)[1].temperature == 0.8


@pytest.mark.parametrize(
    "history, part",
    [
        ("[1, 2]", "history must be an object"),
        ("{" * 100 + "}" * 100, "nested 100 levels deep"),
        ("{not json", "not valid JSON"),
    ],
)
def test_bad_history(history, part, tmp_path):
    path = write(tmp_path / "h.safetensors", TINY, history=history)
    expect(path, "facts or history unusable", part)


def test_a_history_round_trips(tmp_path):
    path = tmp_path / "h.safetensors"
    history = {"config": {"lr": 0.01}, "curves": {"loss": [2.3, 1.1, 0.4]}, "stopped": False}
    save_model(path, build_model(TINY), ModelInfo("h", history=history))
    assert load_model(path)[1].history == history


def test_a_name_of_a_megabyte_is_refused(tmp_path):
    path = write(tmp_path / "n.safetensors", TINY, name="x" * 1_000_000)
    expect(path, "its name is longer than 200 characters")


@pytest.mark.parametrize("dtype", [torch.int8, torch.uint8, torch.int64, torch.bool])
def test_integer_and_boolean_weights_are_refused_not_cast(dtype, tmp_path):
    tensors = dict(Network(TINY).state_dict())
    tensors["layers.0.weight"] = tensors["layers.0.weight"].to(dtype)
    path = write(tmp_path / "int.safetensors", TINY, tensors)
    expect(path, "layers.0.weight is stored as", "not as BF16/F16/F32/F64")


def test_complex_weights_are_refused(tmp_path):
    tensors = {k: v.numpy() for k, v in Network(TINY).state_dict().items()}
    tensors["layers.0.weight"] = tensors["layers.0.weight"].astype("complex64")
    from safetensors.numpy import save_file as save_numpy

    path = tmp_path / "complex.safetensors"
    try:
        save_numpy(tensors, path, metadata=metadata_for(TINY))
    except (ValueError, TypeError):
        pytest.skip("this safetensors cannot write complex numbers")
    expect(path, "layers.0.weight is stored as")


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_other_float_precisions_load_as_float32(dtype, tmp_path):
    model = build_model(TINY, seed=1)
    tensors = {k: v.to(dtype) for k, v in model.state_dict().items()}
    path = write(tmp_path / "f.safetensors", TINY, tensors)
    loaded, _ = load_model(path)
    weight = loaded.layers[0].weight
    assert weight.dtype == torch.float32
    assert torch.equal(weight, tensors["layers.0.weight"].float())


def test_huge_weights_are_refused(tmp_path):
    """x 3e38 is finite, and predict printed NaN probabilities for it."""
    tensors = {k: v * 3e38 for k, v in Network(TINY).state_dict().items()}
    path = write(tmp_path / "huge.safetensors", TINY, tensors)
    expect(path, "beyond the 10000 a trained model has")


def test_sane_weights_that_overflow_together_are_refused(tmp_path):
    """Each weight 1e4 is allowed; seven layers of them reach 1e48, past float32."""
    architecture = Architecture([Flatten(), *[Dense(100)] * 6, Dense(10)])
    tensors = {k: torch.full_like(v, 1e4) for k, v in Network(architecture).state_dict().items()}
    path = write(tmp_path / "overflow.safetensors", architecture, tensors)
    expect(path, "its weights give NaN or infinite outputs")


@pytest.mark.parametrize(
    "header, length, part",
    [
        (b"{not json", None, "header: not valid JSON"),
        (b"[" * 10_000 + b"]" * 10_000, None, "nested 10000 levels deep"),
        (b'{"__metadata__": {"format": 3}}', None, "no metadata of text values"),
        (b"{}", 2**63, "its header is missing, cut or too long"),
        (b"", 0, "header: not valid JSON"),
    ],
)
def test_broken_headers(header, length, part, tmp_path):
    path = raw_file(tmp_path / "header.safetensors", header, length=length)
    expect(path, "not a readable safetensors file", part)


def test_a_table_entry_that_lies_about_its_data(tmp_path):
    """The shape and dtype are right, the offsets point past the end: safetensors says so."""
    good = save(dict(Network(TINY).state_dict()), metadata_for(TINY))
    path = tmp_path / "cut.safetensors"
    path.write_bytes(good[:-100])
    expect(path, "not a readable safetensors file")


@pytest.mark.parametrize("special", [kind for kind in SPECIAL_FILES if kind != "fifo"])
def test_special_files_are_refused(special, tmp_path):
    path = special_file(special, tmp_path / "model.safetensors")
    with pytest.raises(ModelFileError, match=f"cannot read {path}: it is a"):
        load_model(path)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    """In a child with a time limit: a regression would hang here forever otherwise."""
    fifo = special_file("fifo", tmp_path / "model.safetensors")
    message = error_of(LOAD_IMPORTS, "load_model(sys.argv[1])", "ModelFileError", fifo)
    assert message == f"cannot read {fifo}: it is a device or a pipe, not a regular file"


def test_batch_norm_counters_stay_int64_and_load(tmp_path):
    """The one integer tensor a model of ours holds: batch norm's step count (I64)."""
    path = tmp_path / "fast.safetensors"
    model = build_model(presets.fast(), seed=0)
    model.train()
    model(torch.rand(8, 1, 28, 28))  # moves the running statistics and the counters
    save_model(path, model)
    loaded, _ = load_model(path)
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    counter = loaded.state_dict()["layers.1.num_batches_tracked"]
    assert counter.dtype == torch.int64 and counter.item() == 1
