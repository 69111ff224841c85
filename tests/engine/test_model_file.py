"""Model files: safetensors round trips, and every kind of bad file is a clear error."""

import json
import os

import pytest
import torch
from convlens.engine import presets
from convlens.engine.model_file import ModelFileError, ModelInfo, load_model, save_model
from convlens.engine.network import Network
from convlens.engine.spec import Architecture
from convlens.engine.training import build_model
from safetensors.torch import save_file


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "model.safetensors"
    model = build_model(presets.lenet5(), seed=5)
    save_model(path, model, ModelInfo("lenet", {"test_accuracy": 0.5, "epochs": 2}))
    return path, model


def test_round_trip_keeps_architecture_weights_and_facts(saved):
    path, model = saved
    loaded, info = load_model(path)
    assert loaded.architecture == model.architecture
    assert info.name == "lenet" and info.facts == {"test_accuracy": 0.5, "epochs": 2}
    x = torch.rand(3, 1, 28, 28)
    model.eval()
    assert torch.equal(loaded(x), model(x))


def test_the_file_is_plain_safetensors_with_json_metadata(saved):
    path, _ = saved
    header_len = int.from_bytes(path.read_bytes()[:8], "little")
    header = json.loads(path.read_bytes()[8 : 8 + header_len])
    architecture = Architecture.from_json(header["__metadata__"]["architecture"])
    assert architecture == presets.lenet5()


def test_saving_over_a_file_is_all_or_nothing(saved, monkeypatch):
    path, _ = saved
    before = path.read_bytes()

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        save_model(path, build_model(presets.tiny()))
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == [path.name]  # no temporary file left behind


def expect_error(path, match):
    with pytest.raises(ModelFileError, match=match):
        load_model(path)


def test_missing_file(tmp_path):
    expect_error(tmp_path / "nope.safetensors", "cannot read")


def test_random_bytes(tmp_path):
    path = tmp_path / "junk.safetensors"
    path.write_bytes(os.urandom(5000))
    expect_error(path, "junk.safetensors is not a readable safetensors file")


def test_truncated_file(saved):
    path, _ = saved
    path.write_bytes(path.read_bytes()[:-1000])
    expect_error(path, "not a readable safetensors file")


def test_a_foreign_safetensors_file(tmp_path):
    path = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(3)}, path)
    expect_error(path, "not a ConvLens model")


def test_weights_that_do_not_match_the_architecture(saved, tmp_path):
    path, _ = saved
    other = tmp_path / "mismatch.safetensors"
    tensors = dict(Network(presets.tiny()).state_dict())
    metadata = {"format": "convlens-model/1", "architecture": presets.lenet5().to_json()}
    save_file(tensors, other, metadata=metadata)
    expect_error(other, "does not match its architecture")
    tensors = dict(Network(presets.lenet5()).state_dict())
    tensors["layers.0.weight"] = torch.zeros(6, 1, 3, 3)
    save_file(tensors, other, metadata=metadata)
    expect_error(other, r"layers.0.weight has shape \(6, 1, 3, 3\)")


def test_an_impossible_architecture_in_the_metadata(tmp_path):
    path = tmp_path / "bad-arch.safetensors"
    metadata = {"format": "convlens-model/1", "architecture": '{"layers": []}'}
    save_file({"w": torch.zeros(1)}, path, metadata=metadata)
    expect_error(path, "unusable architecture")


def test_nan_weights_are_refused(saved):
    path, model = saved
    with torch.no_grad():
        model.layers[0].weight[0, 0, 0, 0] = float("nan")
    save_model(path, model)
    expect_error(path, "NaN")
