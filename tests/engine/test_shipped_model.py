"""The model shipped in resources/: small, made by the recorded recipe, 99.6+% on MNIST, and
calibrated: its confidence means what it says."""

import re
from dataclasses import asdict

import numpy as np
import pytest
import torch
from convlens.engine import augment, mnist, recipes
from convlens.engine.calibration import expected_calibration_error
from convlens.engine.images import center_digit
from convlens.engine.model_file import load_model
from convlens.engine.network import predict, trace_image
from convlens.engine.shipped import DEFAULT_MODEL as MODEL
from convlens.engine.training import TrainConfig, evaluate
from PIL import Image, ImageDraw

MIN_ACCURACY = 0.996
MAX_ECE = 0.015


@pytest.fixture(scope="module")
def shipped():
    return load_model(MODEL)


def test_the_file_is_under_2_mb():
    assert MODEL.stat().st_size < 2 * 2**20


def test_its_facts_hold_the_default_recipe(shipped):
    model, info = shipped
    architecture, config = recipes.default_recipe()
    assert model.architecture == architecture
    recipe = dict(info.facts["recipe"])
    expected = asdict(config)
    recipe.pop("device"), expected.pop("device")  # where it ran does not change the recipe
    # Settings added to TrainConfig after the model was made must be at their defaults
    # (validation, max_steps, ...: the defaults train exactly as before they existed).
    newer = expected.keys() - recipe.keys()
    assert {key: expected.pop(key) for key in newer} == {
        key: getattr(TrainConfig(), key) for key in newer
    }
    assert recipe == expected
    assert info.facts["epochs"] == config.epochs
    assert info.facts["augment_shear"] == augment.SHEAR
    assert info.facts["test_accuracy"] >= MIN_ACCURACY
    assert info.facts["ece"] <= MAX_ECE


def test_its_facts_say_how_the_probabilities_are_made(shipped):
    model, info = shipped
    sentence = info.facts["probabilities"]
    stated = float(re.search(r"softmax\(logits / ([0-9.]+)\)", sentence).group(1))
    assert stated == pytest.approx(info.temperature, abs=5e-4)
    assert model.temperature == info.temperature
    assert "held out" in sentence


def test_test_accuracy_and_calibration(shipped, mnist_dir):
    model, _ = shipped
    images, labels = mnist.load_test_split(mnist_dir)
    images, labels = torch.from_numpy(images), torch.from_numpy(labels)
    assert evaluate(model, images, labels).accuracy >= MIN_ACCURACY
    assert expected_calibration_error(predict(model, images), labels) <= MAX_ECE


def _drawn(digit: int) -> np.ndarray:
    """A clean, well-drawn digit on the app's 280x280 canvas: a round pen, white on black."""
    im = Image.new("L", (280, 280), 0)
    draw = ImageDraw.Draw(im)
    if digit == 0:
        draw.ellipse((85, 40, 195, 240), outline=255, width=20)
    elif digit == 1:
        draw.line([(145, 40), (135, 240)], fill=255, width=20)
    else:  # 7
        draw.line([(80, 50), (200, 50), (120, 240)], fill=255, width=20, joint="curve")
    return center_digit(np.asarray(im, np.float32) / 255)


@pytest.mark.parametrize("digit", [0, 1, 7])
def test_a_clean_digit_is_read_with_confidence(shipped, digit):
    model, _ = shipped
    trace = trace_image(model, _drawn(digit))
    assert trace.digit == digit
    assert trace.probabilities.max() > 0.97
