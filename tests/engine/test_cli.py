"""The headless commands, run as a user runs them: `python main.py ...` in a subprocess."""

import json
import subprocess
import sys

import numpy as np
import pytest
from convlens.engine import mnist
from convlens.engine.model_file import load_model
from PIL import Image

from tests.conftest import ROOT


def run(*args, check=True):
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(result.stderr)
    return result


@pytest.fixture(scope="module")
def test_digits(mnist_dir, tmp_path_factory):
    """The first five MNIST test digits as PNG files, with their labels."""
    data = mnist.load_mnist(mnist_dir)
    folder = tmp_path_factory.mktemp("digits")
    files = []
    for i in range(5):
        path = folder / f"digit{i}.png"
        Image.fromarray(255 - data.test_images[i]).save(path)  # dark ink on white paper
        files.append(path)
    return files, data.test_labels[:5].tolist()


def test_train_saves_a_model_with_its_recipe(mnist_dir, tmp_path):
    out = tmp_path / "tiny.safetensors"
    result = run(
        "train",
        "--data",
        mnist_dir,
        "--arch",
        "tiny",
        "--epochs",
        "1",
        "--limit",
        "3000",
        "--lr",
        "3e-3",
        "--l2",
        "1e-4",
        "--seed",
        "3",
        "--out",
        out,
    )
    assert "test accuracy" in result.stdout and out.exists()
    model, info = load_model(out)
    assert model.architecture.name == "tiny"
    assert info.facts["recipe"]["l2"] == 1e-4 and info.facts["recipe"]["seed"] == 3
    assert info.facts["test_accuracy"] > 0.8
    assert "epoch 1/1" in result.stderr  # the progress bar


def test_eval_json(mnist_dir):
    result = run("eval", "--data", mnist_dir, "--json")
    report = json.loads(result.stdout)
    confusion = np.array(report["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == 10_000
    assert report["accuracy"] == pytest.approx(np.trace(confusion) / 10_000)
    assert len(report["per_class"]) == 10 and report["accuracy"] > 0.98


def test_predict_json_and_a_bad_file_does_not_stop_the_others(test_digits, tmp_path):
    files, labels = test_digits
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not an image at all")
    result = run("predict", files[0], bad, *files[1:], "--json", check=False)
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(f) for f in [files[0], bad, *files[1:]]]
    assert "error" in lines[1] and "broken.png" in lines[1]["error"]
    good = [line for line in lines if "digit" in line]
    assert [line["digit"] for line in good] == labels
    assert all(sum(line["probs"]) == pytest.approx(1, abs=1e-5) for line in good)


def test_plain_predict_output(test_digits):
    files, labels = test_digits
    result = run("predict", files[0])
    assert result.stdout.startswith(f"{files[0]}: {labels[0]} (")


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ("eval", "--data", "/nonexistent/mnist"),
            "MNIST folder /nonexistent/mnist does not exist",
        ),
        (("eval", "--data", ROOT / "engine"), "t10k-images-idx3-ubyte.gz is missing from"),
        (("predict", "x.png", "--model", "/nonexistent.safetensors"), "cannot read"),
        (("train", "--arch", "/nonexistent.json"), "cannot read"),
    ],
)
def test_bad_input_is_one_clear_line(args, message):
    result = run(*args, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.stderr
