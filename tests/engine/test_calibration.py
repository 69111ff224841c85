"""Expected calibration error and temperature fitting, on hand-made numbers."""

import json
import math

import numpy as np
import pytest
import torch
from convlens.engine.calibration import expected_calibration_error, fit_temperature


def test_ece_of_a_hand_made_set():
    """Bins of width 1/15. Two answers at 0.9 (bin 13), one right: |0.5 - 0.9| x 2/4 = 0.2.
    One at 0.62 (bin 9), right: 0.38 x 1/4 = 0.095. One at 0.5 (bin 7), right: 0.125."""
    probabilities = [
        [0.9, 0.05, 0.05],
        [0.9, 0.1, 0.0],
        [0.2, 0.62, 0.18],
        [0.5, 0.3, 0.2],
    ]
    labels = [0, 1, 1, 0]
    assert expected_calibration_error(probabilities, labels) == pytest.approx(0.42, abs=1e-12)


def test_ece_is_zero_when_confidence_matches_accuracy():
    probabilities = np.tile([0.8, 0.2], (10, 1))
    labels = [0] * 8 + [1] * 2  # 80% right at 80% confidence
    assert expected_calibration_error(probabilities, labels) == pytest.approx(0.0, abs=1e-12)


def test_ece_against_a_plain_loop():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (500, 10))
    probabilities = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    labels = rng.integers(0, 10, 500)
    expected = 0.0
    confidence, predicted = probabilities.max(1), probabilities.argmax(1)
    for b in range(15):
        inside = (confidence > b / 15) & (confidence <= (b + 1) / 15)
        if inside.any():
            gap = (predicted[inside] == labels[inside]).mean() - confidence[inside].mean()
            expected += inside.mean() * abs(gap)
    assert expected_calibration_error(probabilities, labels) == pytest.approx(expected)


def test_ece_rejects_mismatched_input():
    with pytest.raises(ValueError):
        expected_calibration_error(np.ones((3, 2)) / 2, [0, 1])


def test_temperature_of_a_worked_example():
    """Two classes, logits (2, 0) for every image, 3 of 4 labelled 0: the best sigmoid(2 / T)
    is the share right, 0.75, so 2 / T = ln 3 and T = 2 / ln 3."""
    logits = torch.tensor([[2.0, 0.0]] * 4)
    labels = torch.tensor([0, 0, 0, 1])
    assert fit_temperature(logits, labels) == pytest.approx(2 / math.log(3), rel=1e-9)


def test_fitted_temperature_minimises_the_loss():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 10, 2000)
    logits = rng.normal(0, 1, (2000, 10))
    logits[np.arange(2000), labels] += 4.0  # confident and mostly right
    t = fit_temperature(logits, labels)

    def loss(temperature):
        z = torch.as_tensor(logits / temperature)
        return float(torch.nn.functional.cross_entropy(z, torch.as_tensor(labels)))

    assert loss(t) < loss(t * 1.01) and loss(t) < loss(t / 1.01)


def test_eval_json_reports_ece_beside_accuracy(mnist_dir, capsys):
    from convlens.engine import cli, mnist
    from convlens.engine.model_file import load_model
    from convlens.engine.network import predict
    from convlens.engine.shipped import DEFAULT_MODEL

    assert cli.main(["eval", "--json", "--data", str(mnist_dir)]) == 0
    report = json.loads(capsys.readouterr().out)
    model, _ = load_model(DEFAULT_MODEL)
    images, labels = mnist.load_test_split(mnist_dir)
    expected = expected_calibration_error(predict(model, torch.from_numpy(images)), labels)
    assert report["ece"] == pytest.approx(expected, abs=1e-9)
    assert 0 < report["ece"] < 0.015 and report["accuracy"] > 0.99
