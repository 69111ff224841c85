"""Sweeping one setting on a small real subset: one result per value, all else equal."""

import json

import pytest
import torch
from convlens.engine.evaluation import evaluate
from convlens.engine.spec import Activation, Architecture, Conv, Dense, Flatten, Pool
from convlens.engine.sweep import apply, parse_value, sweep
from convlens.engine.training import TrainConfig

from tests.engine.test_cli import run as run_cli


@pytest.fixture(scope="module")
def subset(mnist_subset):
    data = mnist_subset
    return torch.from_numpy(data.train_images), torch.from_numpy(data.train_labels)


def _network(units=32):
    return Architecture(
        [Conv(4, 5), Activation("relu"), Pool("max", 2), Flatten(), Dense(units),
         Activation("relu"), Dense(10)]
    )  # fmt: skip


CONFIG = TrainConfig(epochs=3, lr=3e-3, train_limit=500, validation=500, seed=5)


def test_a_sweep_over_dense_units(subset):
    x, y = subset
    runs = list(sweep(_network(), CONFIG, "units", [4, 16, 64], x, y))
    assert [run.value for run in runs] == [4, 16, 64] and not any(run.error for run in runs)
    # conv 4 x (5x5 + 1); dense 576 -> u (+ u biases); dense u -> 10 (+ 10)
    assert [run.params for run in runs] == [104 + 577 * u + 10 * u + 10 for u in (4, 16, 64)]
    assert [run.params for run in runs] == [
        sum(weights.numel() for weights in run.model.parameters()) for run in runs
    ]  # the analysis agrees with the network built
    accuracies = [run.train_accuracy for run in runs]
    assert all(b >= a - 0.02 for a, b in zip(accuracies, accuracies[1:], strict=False))
    assert accuracies[-1] > accuracies[0]  # 4 units underfit
    for run in runs:  # the validation numbers are on the last 500 images, never trained on
        assert run.result.history[-1].seen == 3 * 500
        held = evaluate(run.model, x[-500:], y[-500:]).accuracy
        assert run.val_accuracy == pytest.approx(held)
        assert run.train_loss > 0 and run.val_loss > 0 and run.seconds > 0


def test_an_impossible_value_is_reported_and_the_others_run(subset):
    x, y = subset
    config = TrainConfig(epochs=1, train_limit=200, validation=200)
    runs = list(sweep(_network(), config, "size", [5, 30, 3], x, y, layer=0))
    assert [run.value for run in runs] == [5, 30, 3]
    assert "larger than its 28x28" in runs[1].error and runs[1].params is None
    assert runs[0].val_accuracy is not None and runs[2].val_accuracy is not None
    assert runs[2].params == 4 * 10 + 676 * 32 + 32 + 330  # 3x3: 26x26, pooled 13x13


def test_stopping_mid_sweep_keeps_the_finished_runs(subset):
    x, y = subset
    reports = []
    stop = lambda: any(index == 1 for index, _ in reports[2:])  # noqa: E731
    runs = list(
        sweep(_network(), CONFIG, "lr", [1e-3, 3e-3, 1e-2], x, y,
              progress=lambda i, p: reports.append((i, p)), should_stop=stop)
    )  # fmt: skip
    assert [run.value for run in runs] == [1e-3]
    assert {index for index, _ in reports} == {0, 1}  # the second run began, the third never


def test_settings_are_applied_to_copies_and_checked():
    arch, config = apply(_network(), CONFIG, "activation", "tanh")
    assert [layer.function for layer in arch.layers if layer.kind == "activation"] == ["tanh"] * 2
    assert _network().layers[1].function == "relu"  # the original is untouched
    _, changed = apply(_network(), CONFIG, "images", 100)
    assert changed.train_limit == 100 and CONFIG.train_limit == 500
    with pytest.raises(ValueError, match="no dropout layer"):
        apply(_network(), CONFIG, "dropout", 0.5)
    with pytest.raises(ValueError, match="layer 1 is not a conv layer"):
        apply(_network(), CONFIG, "filters", 8, layer=1)
    assert parse_value("units", "64") == 64 and parse_value("l2", "1e-3") == 1e-3
    with pytest.raises(ValueError, match="cannot sweep"):
        parse_value("colour", "red")


def test_the_sweep_command(mnist_dir):
    result = run_cli(
        "sweep", "--data", mnist_dir, "--arch", "tiny", "--param", "filters", "--values", "2,0",
        "--limit", "200", "--validation", "200", "--epochs", "1", "--json",
    )  # fmt: skip
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["value"] for row in rows] == [2, 0]
    assert rows[0]["params"] == 2 * 26 + 2 * 144 * 10 + 10 and 0 < rows[0]["val_accuracy"] <= 1
    assert "filters" in rows[1]["error"] and rows[1]["params"] is None
