"""The headless commands, run as a user runs them: `python main.py ...` in a subprocess."""

import json
import os
import platform
import subprocess
import sys
import tomllib
from importlib.metadata import version

import convlens
import numpy as np
import pytest
import torch
from convlens.engine import mnist
from convlens.engine.model_file import load_model
from convlens.engine.training import TrainConfig
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
    # The progress bar, piped: one line for the one epoch, no carriage-return redraws.
    assert [line[:9] for line in result.stderr.splitlines() if "epoch" in line] == ["epoch 1/1"]
    assert "\r" not in result.stderr


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


def test_missing_data_says_how_to_download_it(tmp_path):
    result = run("eval", "--data", tmp_path / "mnist", check=False)
    assert result.returncode == 2
    assert result.stderr.endswith(f"(to download it: convlens download --data {tmp_path}/mnist)\n")


# --- the front end, in one interpreter: what each command line prints, and what it imported ---

FRONT_END = """
import contextlib, io, json, sys
from convlens.main import main
results = []
for argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exit:
            status = exit.code
    results.append([status, out.getvalue(), err.getvalue()])
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "pyqtgraph"))
print(json.dumps({"results": results, "qt": qt + [m for m in sys.modules if ".gui" in m]}))
"""


def front_end(*argvs):
    """[(exit status, stdout, stderr)] of ``main(argv)`` for each argv, and the Qt modules
    (and convlens.gui modules) that they imported between them."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)  # were a window to open, it would have to try a real one
    result = subprocess.run(
        [sys.executable, "-c", FRONT_END, json.dumps([list(map(str, a)) for a in argvs])],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    return [tuple(r) for r in report["results"]], report["qt"]


def test_mistakes_are_usage_errors_that_open_no_window():
    results, qt = front_end(
        ["trian"],
        ["some.png"],
        ["--fast"],
        ["predict"],
        ["train", "--epochs", "many"],
        ["eval", "--bogus"],
        ["gui", "a.png", "b.png"],
    )
    for status, out, err in results:
        assert status == 2 and out == ""
        assert err.startswith("usage: convlens") and "error: " in err
    assert (
        "invalid choice: 'trian' (choose from 'train', 'sweep', 'eval', 'predict', 'download'"
        in (results[0][2])
    )
    assert "unrecognized arguments: --fast" in results[2][2]
    assert "the following arguments are required: files" in results[3][2]
    assert "argument --epochs: invalid int value: 'many'" in results[4][2]
    assert qt == []


def test_version_info_and_help():
    results, qt = front_end(["--version"], ["--info"], ["train", "--help"], ["--help"])
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert convlens.__version__ == pyproject["project"]["version"]
    assert results[0] == (0, f"ConvLens {convlens.__version__}\n", "")
    status, info, _ = results[1]
    cuda = "available" if torch.cuda.is_available() else "not available"
    mps = "available" if torch.backends.mps.is_available() else "not available"
    assert status == 0 and info.splitlines() == [
        f"ConvLens {convlens.__version__} ({ROOT})",
        f"Python {platform.python_version()} ({sys.executable})",
        f"torch {torch.__version__}: CUDA {cuda} (built for {torch.version.cuda or 'no CUDA'}), "
        f"MPS {mps}",
        f"Qt: PySide6-Essentials {version('PySide6-Essentials')}",
        f"pyqtgraph {version('pyqtgraph')}, numpy {np.__version__}",
        f"platform: {platform.platform()}",
    ]
    status, train_help, _ = results[2]
    flat = " ".join(train_help.split())  # argparse wraps to the terminal's width
    assert status == 0 and train_help.startswith("usage: convlens train ")
    assert f"passes over the data (default: {TrainConfig().epochs})" in flat
    assert "--optimizer {adam,sgd} adam, or sgd with momentum 0.9 (default: adam)" in flat
    assert "(default: None)" not in flat and "(default: False)" not in flat
    status, top_help, _ = results[3]
    assert status == 0 and "With no command, ConvLens opens its window" in " ".join(
        top_help.split()
    )
    assert qt == []


def test_no_command_opens_the_window_and_gui_opens_it_on_a_file():
    """Both go to the window, which stops at the preflight here (no display): exit 1."""
    results, qt = front_end([], ["gui", "digit.png"])
    for status, out, err in results:
        assert status == 1 and out == ""
        assert err.startswith("ConvLens cannot open its window: there is no display")
    assert "PySide6.QtWidgets" not in qt and "PySide6.QtGui" not in qt


FAST_MISUSES = [
    (["--epochs", "5", "--lr", "1", "--arch", "tiny"], "--arch, --epochs, --lr"),
    (["--epochs", "3"], "--epochs"),  # the default value, typed: ignored all the same
    (["--batch=64", "--aug"], "--augment, --batch-size"),  # abbreviations
    (["--limit", "100", "--l2", "0"], "--l2, --limit"),
]


def test_fast_rejects_the_options_it_would_ignore_and_takes_the_others(tmp_path):
    allowed = ["--seed", "2", "--device", "cpu", "--out", tmp_path / "m", "--data", tmp_path / "no"]
    argvs = [["train", "--fast", *args] for args, _ in (*FAST_MISUSES, (allowed, None))]
    results, _ = front_end(*argvs)
    for (status, out, err), (_, ignored) in zip(results[:-1], FAST_MISUSES, strict=True):
        assert status == 2 and out == "" and err.startswith("usage: convlens train")
        assert err.endswith(
            f"convlens train: error: --fast trains its own recipe and would ignore {ignored}\n"
        )
    status, _, err = results[-1]
    assert status == 2  # past the options, stopped by the missing data
    assert err.startswith(f"error: the MNIST folder {tmp_path}/no does not exist")
