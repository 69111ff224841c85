"""The training loop on real MNIST images, and its loss and regularization terms."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from convlens.engine import presets
from convlens.engine.network import Network
from convlens.engine.spec import Architecture, Conv, Dense, Flatten
from convlens.engine.training import (
    TrainConfig,
    TrainingError,
    build_model,
    data_loss,
    evaluate,
    regularization,
    train,
)


@pytest.fixture(scope="module")
def subset(mnist_subset):
    """2,000 training and 1,000 test images, as tensors."""
    data = mnist_subset
    return (
        torch.from_numpy(data.train_images[:2000]),
        torch.from_numpy(data.train_labels[:2000]),
        torch.from_numpy(data.test_images[:1000]),
        torch.from_numpy(data.test_labels[:1000]),
    )


def test_training_lowers_the_loss_and_raises_accuracy(subset):
    x, y, test_x, test_y = subset
    model = build_model(presets.tiny(), seed=1)
    before = evaluate(model, test_x, test_y).accuracy
    reports = []
    result = train(model, x, y, TrainConfig(epochs=2, lr=3e-3), reports.append, report_every=0)
    after = evaluate(model, test_x, test_y)
    assert not result.stopped and len(reports) == 2 * math.ceil(2000 / 32)
    first = np.mean([r.data_loss for r in reports[:10]])
    last = np.mean([r.data_loss for r in reports[-10:]])
    assert last < 0.5 * first
    assert before < 0.3 and after.accuracy > 0.85
    assert after.confusion.sum() == 1000 and np.trace(after.confusion) == round(
        1000 * after.accuracy
    )
    assert after.per_class[1] == after.confusion[1, 1] / after.confusion[1].sum()


def test_should_stop_ends_the_run_between_steps(subset):
    x, y, test_x, test_y = subset
    model = build_model(presets.tiny())
    reports = []
    result = train(
        model,
        x,
        y,
        TrainConfig(epochs=3),
        reports.append,
        lambda: len(reports) >= 5,
        report_every=0,
    )
    assert result.stopped and len(reports) == 5
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert evaluate(model, test_x, test_y).confusion.sum() == len(test_y)  # still usable


def test_same_seed_same_weights(subset):
    x, y, *_ = subset
    config = TrainConfig(epochs=1, train_limit=256, augment=True, seed=7)
    models = [build_model(presets.tiny(), seed=7) for _ in range(2)]
    for model in models:
        train(model, x, y, config)
    for a, b in zip(models[0].parameters(), models[1].parameters(), strict=True):
        assert torch.equal(a, b)


def test_a_diverging_run_stops_with_a_clear_error(subset):
    x, y, *_ = subset
    config = TrainConfig(epochs=1, lr=1e12, optimizer="sgd", schedule="constant")
    with pytest.raises(TrainingError, match="lower learning rate"):
        train(build_model(presets.tiny()), x, y, config)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"epochs": 0}, "epochs"),
        ({"lr": 0}, "learning rate"),
        ({"l1": -1}, "lambdas"),
        ({"optimizer": "rmsprop"}, "optimizer"),
        ({"loss": "hinge"}, "loss"),
    ],
)
def test_bad_settings_are_refused(subset, change, message):
    x, y, *_ = subset
    with pytest.raises(ValueError, match=message):
        train(build_model(presets.tiny()), x, y, TrainConfig(train_limit=64, **change))


def test_regularization_terms_cover_conv_and_dense_weights_only():
    model = Network(Architecture([Conv(3, 3), Flatten(), Dense(10)]))
    conv_w, dense_w = model.layers[0].weight, model.layers[2].weight
    l1 = conv_w.abs().sum() + dense_w.abs().sum()
    l2 = conv_w.square().sum() + dense_w.square().sum()
    assert regularization(model, 0.01, 0).item() == pytest.approx(0.01 * l1.item(), rel=1e-6)
    assert regularization(model, 0, 0.02).item() == pytest.approx(0.02 * l2.item(), rel=1e-6)
    both = regularization(model, 0.01, 0.02).item()
    assert both == pytest.approx(0.01 * l1.item() + 0.02 * l2.item(), rel=1e-6)


def test_l1_drives_weights_towards_zero(subset):
    x, y, *_ = subset
    shares = []
    for l1 in (0.0, 1e-2):
        model = build_model(presets.tiny(), seed=3)
        train(model, x, y, TrainConfig(epochs=1, l1=l1, lr=3e-3))
        weights = torch.cat([p.flatten() for n, p in model.named_parameters() if "weight" in n])
        shares.append((weights.abs() < 1e-2).float().mean().item())
    assert shares[1] > shares[0] + 0.3  # seen: 0.20 without L1, 0.64 with


def test_total_error_is_half_the_squared_distance_to_one_hot():
    logits = torch.tensor([[2.0, 0.5, -1.0] + [0.0] * 7, [0.0] * 9 + [3.0]])
    labels = torch.tensor([0, 9])
    out = torch.softmax(logits, 1)
    target = F.one_hot(labels, 10).float()
    expected = (0.5 * (target - out) ** 2).sum(1).mean()
    assert data_loss(logits, labels, "mse").item() == pytest.approx(expected.item())
    assert data_loss(logits, labels, "ce").item() == pytest.approx(
        F.cross_entropy(logits, labels).item()
    )
