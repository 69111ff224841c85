"""The headless commands on a folder of labelled digits made in the test, and a failing run."""

import json

import numpy as np
import pytest
from convlens.engine.model_file import load_model
from convlens.engine.my_digits import MyDigits

from tests.engine.drawn_digits import flagged_one, seven
from tests.engine.test_cli import run


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Four flagged 1s and two 7s, and a damaged file."""
    root = tmp_path_factory.mktemp("labelled")
    digits = MyDigits(root)
    for slant in (-8, 0, 8, 15):
        digits.add_drawing(flagged_one(slant), 1)
    for slant in (0, 10):
        digits.add_drawing(seven(slant), 7)
    (root / "7" / "broken.png").write_bytes(b"not a png")
    return root


def test_eval_on_a_folder(folder):
    result = run("eval", "--folder", folder, "--json")
    report = json.loads(result.stdout)
    confusion = np.array(report["confusion"])
    assert confusion.sum() == 6 and confusion[7, 7] == 2  # the shipped model reads 7s fine ...
    assert confusion[1, 7] >= 3  # ... and flagged 1s as 7s
    assert report["per_class"][7] == 1.0 and report["accuracy"] == np.trace(confusion) / 6
    assert "7/broken.png is not an image in a format ConvLens reads" in result.stderr
    plain = run("eval", "--folder", folder)
    assert f"accuracy on {folder}" in plain.stdout and "on 6 images" in plain.stdout


def test_train_on_the_folder_alone_from_the_shipped_model(folder, tmp_path):
    out = tmp_path / "mine.safetensors"
    result = run(
        "train", "--init", "default", "--extra", folder, "--finetune", "--max-steps", "20",
        "--out", out,
    )  # fmt: skip
    assert "7/broken.png is not an image in a format ConvLens reads" in result.stderr
    assert f"accuracy on {folder} (trained on it) " in result.stdout  # 6 images, 20 steps
    model, info = load_model(out)
    assert model.architecture.name == "default"
    assert info.history["start"] == "default" and info.history["config"]["max_steps"] == 20
    assert info.history["evaluation"]["images"] == 6


def test_train_on_mnist_and_the_folder_with_a_validation_split(folder, mnist_dir, tmp_path):
    out = tmp_path / "both.safetensors"
    run(
        "train", "--data", mnist_dir, "--arch", "tiny", "--extra", folder, "--extra-repeat", "3",
        "--limit", "2000", "--validation", "1000", "--epochs", "1", "--lr", "3e-3",
        "--out", out,
    )  # fmt: skip
    _, info = load_model(out)
    curves = info.history["curves"]
    assert info.history["config"]["extra_repeat"] == 3
    assert curves["seen"][-1] == 2000 + 3 * 6  # never the 1,000 held out
    assert curves["val_accuracy"][-1] > 0.5
    assert info.history["evaluation"]["images"] == 10_000  # the MNIST test split


def test_a_huge_learning_rate_is_an_error_and_saves_nothing(mnist_dir, tmp_path):
    out = tmp_path / "diverged.safetensors"
    args = ("--arch", "tiny", "--limit", "2000", "--epochs", "1", "--lr", "1e9", "--out", out)
    result = run("train", "--data", mnist_dir, *args, check=False)
    assert result.returncode == 2 and "the run is failing" in result.stderr
    assert not out.exists() and "Traceback" not in result.stderr
