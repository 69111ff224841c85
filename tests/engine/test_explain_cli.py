"""`main.py explain`: the map of an image file as JSON, text and a PNG overlay."""

import json
import subprocess
import sys

import numpy as np
import pytest
from convlens.engine import attribution, cli, images
from convlens.engine.model_file import load_model
from convlens.engine.network import trace_image
from convlens.engine.shipped import DEFAULT_MODEL
from PIL import Image

from tests.conftest import ROOT
from tests.engine.nets import ring


@pytest.fixture(scope="module")
def digit_file(tmp_path_factory):
    """A drawn 0 as a PNG file, dark ink on white paper as a scan would be."""
    path = tmp_path_factory.mktemp("explain") / "zero.png"
    Image.fromarray(np.round(255 * (1 - ring())).astype(np.uint8)).save(path)
    return path


def _json(capsys, *args) -> dict:
    assert cli.main(["explain", *map(str, args), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("flags", "compute"),
    [
        ((), lambda m, x: attribution.saliency(m, x).gradient),
        (("--method", "gradcam"), lambda m, x: attribution.gradcam(m, x).map),
        (("--method", "gradcam", "--layer", "0"), lambda m, x: attribution.gradcam(m, x, 0).map),
        (("--method", "occlusion"), lambda m, x: attribution.occlusion(m, x, 4, 2).map),
        (
            ("--method", "occlusion", "--patch", "6", "--stride", "3"),
            lambda m, x: attribution.occlusion(m, x, 6, 3).map,
        ),
    ],
)
def test_json_holds_the_engine_s_map(capsys, digit_file, flags, compute):
    model, _ = load_model(DEFAULT_MODEL)
    image = images.load_digit(digit_file)
    result = _json(capsys, digit_file, *flags)
    predicted = trace_image(model, image).digit
    assert result["file"] == str(digit_file) and result["digit"] == predicted == 0
    method = flags[1] if flags else "saliency"
    assert result["target"] == predicted and result["method"] == method
    default_layer = 3 if method == "gradcam" else None  # the last conv layer
    assert result["layer"] == (int(flags[3]) if "--layer" in flags else default_layer)
    values = np.array(result["map"])
    assert values.shape == (28, 28)
    np.testing.assert_allclose(values, compute(model, image), rtol=1e-5, atol=1e-12)


def test_another_target(capsys, digit_file):
    result = _json(capsys, digit_file, "--method", "occlusion", "--target", "6")
    assert result["target"] == 6 and result["digit"] == 0
    assert 0 < result["probability"] < 0.5


def test_the_png_overlay(capsys, digit_file, tmp_path):
    out = tmp_path / "map.png"
    assert cli.main(["explain", str(digit_file), "--method", "saliency", "--out", str(out)]) == 0
    assert "saliency for 0" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]  # no temporary file left
    with Image.open(out) as png:
        assert png.size == (280, 280) and png.mode == "RGB"
        pixels = np.asarray(png)
    model, _ = load_model(DEFAULT_MODEL)
    image = images.load_digit(digit_file)
    # saliency, not Grad-CAM: a confident model's Grad-CAM can be 0 everywhere (all its
    # channel weights negative), which would leave nothing red to find
    cam = attribution.saliency(model, image).gradient
    blank = np.argwhere((np.abs(cam) < 1e-3 * np.abs(cam).max()) & (image == 0))[0]
    assert (pixels[blank[0] * 10 + 5, blank[1] * 10 + 5] == 255).all()
    hot = np.unravel_index(cam.argmax(), cam.shape)  # the map's peak: mostly red
    red, green, blue = pixels[hot[0] * 10 + 5, hot[1] * 10 + 5].astype(int)
    assert red > 150 and red > 2 * green and red > 2 * blue


def test_text_output_through_main_py(digit_file):
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "explain",
            str(digit_file),
            "--method",
            "occlusion",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("zero.png: 0 (") and "occlusion for 0" in lines[0]
    assert len(lines) == 29 and all(len(line) == 28 for line in lines[1:])
    assert lines[1] == " " * 28  # covering blank paper changes nothing
    assert "@" in "".join(lines[1:])  # the largest drop


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.png"], "missing.png does not exist"),
        (["{file}", "--layer", "3"], "--layer is for --method gradcam only"),
        (["{file}", "--patch", "3"], "--patch and --stride are for --method occlusion only"),
        (["{file}", "--method", "gradcam", "--layer", "8"], "layer 8 (dense) is not a layer"),
        (["{file}", "--target", "12"], "the target must be a digit 0-9, not 12"),
        (["{file}", "--method", "occlusion", "--patch", "30"], "patch size must be"),
        (["{file}", "--out", "/no/such/folder/map.png"], "cannot write /no/such/folder/map.png"),
    ],
)
def test_errors_are_one_line(capsys, digit_file, args, message):
    assert cli.main(["explain", *(a.format(file=digit_file) for a in args)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
