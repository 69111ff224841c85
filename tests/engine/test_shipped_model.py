"""The model shipped in resources/: small, made by the recorded recipe, 99.4% on MNIST."""

from dataclasses import asdict

import torch
from convlens.engine import mnist, recipes
from convlens.engine.model_file import load_model
from convlens.engine.shipped import DEFAULT_MODEL as MODEL
from convlens.engine.training import TrainConfig, evaluate

MIN_ACCURACY = 0.994


def test_the_file_is_under_2_mb():
    assert MODEL.stat().st_size < 2 * 2**20


def test_its_facts_hold_the_default_recipe():
    model, info = load_model(MODEL)
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
    assert info.facts["test_accuracy"] >= MIN_ACCURACY


def test_test_accuracy_is_at_least_99_4_percent(mnist_dir):
    model, _ = load_model(MODEL)
    images, labels = mnist.load_test_split(mnist_dir)
    evaluation = evaluate(model, torch.from_numpy(images), torch.from_numpy(labels))
    assert evaluation.accuracy >= MIN_ACCURACY
