"""The headless commands against bad arguments and hostile files: each a clear line, found
before any training, and a trained model never lost."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from convlens.engine import cli, cli_train, mnist, presets
from convlens.engine.model_file import ModelInfo, load_model, save_model
from convlens.engine.network import Network
from convlens.engine.spec import Activation, Architecture, Conv, Dense, Flatten
from convlens.engine.training import build_model
from PIL import Image

from tests.engine.hostile import SPECIAL_FILES, run_main_limited, special_file
from tests.engine.test_cli import run


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def main(capsys):
    """cli.main in this process (a subprocess costs seconds of torch import each)."""

    def call(*args) -> Result:
        try:
            status = cli.main([str(arg) for arg in args])
        except SystemExit as exit:  # argparse's errors
            status = exit.code
        out = capsys.readouterr()
        return Result(status, out.out, out.err)

    return call


def clear_error(result, *parts):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for part in parts:
        assert part in result.stderr


@pytest.mark.parametrize("limit", ["0", "-500", "many"])
def test_limit_must_be_positive(limit, main):
    result = main("train", "--limit", limit, "--data", "/nonexistent")
    clear_error(result, f"argument --limit: must be a whole number of at least 1, not '{limit}'")


def test_out_is_checked_before_the_data_and_the_training(tmp_path, main):
    """--data is missing too: the --out error coming first shows the order."""
    data = ("--data", tmp_path / "no-mnist-here", "--arch", "tiny")
    clear_error(
        run("train", *data, "--out", tmp_path, check=False), f"--out {tmp_path} is a folder"
    )
    missing = tmp_path / "nowhere" / "m.safetensors"
    clear_error(
        main("train", *data, "--out", missing),
        f"the folder {missing.parent} does not exist",
    )
    if Path("/proc").is_dir():  # unwritable even for root
        clear_error(
            main("train", *data, "--out", "/proc/m.safetensors"),
            "--out /proc/m.safetensors: cannot write in /proc",
        )
    clear_error(main("train", *data, "--out", tmp_path / "m.safetensors"), "MNIST")


def test_an_empty_test_split_is_an_error_before_training(mnist_dir, tmp_path, main):
    for name in (mnist.TRAIN_IMAGES, mnist.TRAIN_LABELS):
        (tmp_path / f"{name}.gz").symlink_to(mnist_dir / f"{name}.gz")
    for name, shape in ((mnist.TEST_IMAGES, (0, 28, 28)), (mnist.TEST_LABELS, (0,))):
        array = np.zeros(shape, np.uint8)
        header = bytes([0, 0, 8, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in shape)
        (tmp_path / name).write_bytes(header)
    result = run(
        "train", "--data", tmp_path, "--arch", "tiny", "--out", tmp_path / "m", check=False
    )
    clear_error(result, "t10k-images-idx3-ubyte holds 0 images; the MNIST test set has 10,000")
    assert "epoch" not in result.stderr  # no training started


def test_a_failed_save_keeps_the_model_and_says_where(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    model = build_model(presets.tiny(), seed=2)
    status = cli_train._save_or_keep("/proc/m.safetensors", model, ModelInfo("tiny", {"epochs": 1}))
    assert status == 1
    message = capsys.readouterr().err
    assert message.startswith("error: cannot save /proc/m.safetensors (")
    kept = Path(message.rsplit("the model is kept at ", 1)[1].strip())
    assert kept.parent == tmp_path / "cache" / "convlens" / "unsaved"
    loaded, info = load_model(kept)
    assert info.facts == {"epochs": 1}
    assert torch.equal(loaded.layers[0].weight, model.layers[0].weight)


def test_a_utf16_arch_file_names_the_file(tmp_path, main):
    path = tmp_path / "arch.json"
    path.write_text(presets.tiny().to_json(), encoding="utf-16")
    clear_error(
        run("train", "--arch", path, check=False), f"error: network: {path}: not UTF-8 text"
    )


@pytest.mark.parametrize(
    "layer, part",
    [
        ('{"kind": "dense", "units": 1000000}', "number of units must be a whole number"),
        ('{"kind": "dense", "units": 50000}', "39,250,000 parameters"),
        ('{"kind": "conv", "filters": 1, "padding": 3000}', "its padded input (1x6028x6028)"),
    ],
)
def test_an_arch_bomb_fails_fast_under_a_memory_limit(layer, part, tmp_path):
    """10^6 units reached 4.3 GB, a padding of 3,000 asked for 74 GB."""
    path = tmp_path / "bomb.json"
    flatten = '{"kind": "flatten"}'
    layers = [flatten, layer] if "dense" in layer else [layer, flatten]
    path.write_text('{"layers": [' + ", ".join(layers) + ', {"kind": "dense", "units": 10}]}')
    result = run_main_limited("train", "--arch", path, "--data", tmp_path, "--out", tmp_path / "m")
    clear_error(result, part)


@pytest.mark.parametrize("special", [kind for kind in SPECIAL_FILES if kind != "fifo"])
def test_special_files_as_model(special, tmp_path, main):
    path = special_file(special, tmp_path / "model.safetensors")
    clear_error(main("predict", "x.png", "--model", path), f"cannot read {path}: it is a")


def test_a_fifo_as_model_does_not_hang(tmp_path):
    fifo = special_file("fifo", tmp_path / "model.safetensors")
    clear_error(run("eval", "--model", fifo, check=False), "it is a device or a pipe")


def edge_model(path: Path) -> None:
    """Finite on the blank, full and noisy test inputs load_model tries, but a 7-pixel-tall
    vertical edge (ink left, paper 6 pixels right) fires its conv, and nine dense layers of
    weight 1e4 (each allowed) take that past float32: softmax gives NaN."""
    architecture = Architecture([Conv(1, 7), Activation("relu"), Flatten(), *[Dense(10)] * 9])
    model = Network(architecture)
    with torch.no_grad():
        conv = model.layers[0]
        conv.weight.zero_()
        conv.weight[0, 0, :, 0], conv.weight[0, 0, :, 6] = 500, -500
        conv.bias.fill_(-5.5 * 500 / 0.3081)  # only a near-perfect edge gets past this
        for dense in model.layers[3:]:
            dense.weight.fill_(1e4)
            dense.bias.zero_()
    save_model(path, model)


def test_predict_json_never_prints_nan_and_goes_on(tmp_path, main):
    model = tmp_path / "edge.safetensors"
    edge_model(model)
    files = []
    for name, (x0, y0, x1, y1) in [("flat", (10, 40, 90, 55)), ("edge", (40, 10, 60, 90))]:
        paper = np.full((100, 100), 255, np.uint8)
        paper[y0:y1, x0:x1] = 0
        files.append(tmp_path / f"{name}.png")
        Image.fromarray(paper).save(files[-1])
    result = run("predict", files[1], files[0], "--model", model, "--json", check=False)
    assert result.returncode == 1

    def no_constants(text):
        raise AssertionError(f"{text} in the output")

    lines = [json.loads(line, parse_constant=no_constants) for line in result.stdout.splitlines()]
    assert lines[0] == {
        "file": str(files[1]),
        "error": f"the model's output for {files[1].name} is not a number",
    }
    assert lines[1]["file"] == str(files[0]) and sum(lines[1]["probs"]) == pytest.approx(1)
    plain = main("predict", files[1], "--model", model)
    assert plain.returncode == 1 and "is not a number" in plain.stderr
