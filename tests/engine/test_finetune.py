"""Fine-tuning the shipped model on the user's digits: it learns them and keeps MNIST."""

import pytest
import torch
from convlens.engine import mnist
from convlens.engine.finetune import extra_repeat, finetune_config, start_model
from convlens.engine.my_digits import MyDigits
from convlens.engine.training import evaluate, train

from tests.engine.drawn_digits import flagged_one


def test_the_users_digits_make_a_twentieth_of_the_mix():
    assert extra_repeat(10, 60_000) == 316  # 3,160 of 63,160 images: 5.0%
    assert extra_repeat(40, 60_000) == 79
    assert extra_repeat(10, 0) == 1 and extra_repeat(0, 60_000) == 1
    config = finetune_config(10, 60_000)
    assert config.extra_repeat == 316 and config.max_steps == 200 and config.lr == 1e-4


def test_a_finetune_minimises_what_the_starting_model_was_trained_for():
    assert finetune_config(10, 60_000).label_smoothing == 0.0
    recipe = {"label_smoothing": 0.1, "loss": "mse", "l2": 1e-4, "lr": 0.5, "l1": "a lot"}
    config = finetune_config(10, 60_000, recipe)
    assert (config.label_smoothing, config.loss, config.l2) == (0.1, "mse", 1e-4)
    assert config.lr == 1e-4 and config.l1 == 0.0  # the fine-tune's own rate; a bad value ignored


def test_a_short_finetune_teaches_the_flagged_one_and_keeps_mnist(mnist_dir, tmp_path):
    data = mnist.load_mnist(mnist_dir)
    test_x, test_y = torch.from_numpy(data.test_images), torch.from_numpy(data.test_labels)
    mine = MyDigits(tmp_path)
    for slant in (-8, 4, 15):
        for width, flag in ((12, 0.4), (28, 0.35)):
            mine.add_drawing(flagged_one(slant, width, flag), 1)
    MyDigits(tmp_path / "held").add_drawing(flagged_one(0, 20, 0.4), 1)
    held = MyDigits(tmp_path / "held").load()
    model, info = start_model("default")
    assert evaluate(model, torch.from_numpy(held.images), torch.ones(1)).predicted[0] == 7
    before = evaluate(model, test_x, test_y).accuracy

    users = mine.load()
    recipe = info.facts.get("recipe")  # the whole recipe, as train --init default --finetune
    config = finetune_config(len(users.images), len(data.train_images), recipe)
    extra = (torch.from_numpy(users.images), torch.from_numpy(users.labels))
    train_x, train_y = torch.from_numpy(data.train_images), torch.from_numpy(data.train_labels)
    train(model, train_x, train_y, config, extra=extra)

    assert evaluate(model, torch.from_numpy(held.images), torch.ones(1)).predicted[0] == 1
    after = evaluate(model, test_x, test_y).accuracy
    assert after >= before - 0.003, f"MNIST test accuracy {before:.2%} -> {after:.2%}"


def test_default_names_the_shipped_model():
    model, info = start_model("default")
    assert model.architecture.name == "default" and info.facts["test_accuracy"] > 0.99
    with pytest.raises(ValueError, match="cannot read"):
        start_model("/nonexistent.safetensors")
