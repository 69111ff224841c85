"""The fast recipe's pieces on the shipped subset: its frozen whitened layer stays as it was
set, its run learns, and its shifted verdicts are the mean of five shifted images'."""

from dataclasses import replace

import numpy as np
import torch
from convlens.engine import recipes
from convlens.engine.evaluation import SHIFTS, shifted_probabilities
from convlens.engine.network import predict
from convlens.engine.training import build_model, evaluate, train
from convlens.engine.whitening import whiten_first_conv


def test_the_fast_recipe_learns_with_its_first_layer_frozen_as_whitened(mnist_subset):
    architecture, config = recipes.fast_recipe()
    assert config.whiten_first and config.max_steps == 282 and config.batch_size == 128
    images = torch.from_numpy(mnist_subset.train_images)
    labels = torch.from_numpy(mnist_subset.train_labels)
    expected = build_model(architecture, seed=3)
    whiten_first_conv(expected, images)
    model = build_model(architecture, seed=3)
    result = train(model, images, labels, replace(config, max_steps=40, device="cpu", seed=3))
    assert result.history[-1].global_step == 40 == result.history[-1].total_steps
    torch.testing.assert_close(model.layers[0].weight, expected.layers[0].weight, rtol=0, atol=0)
    assert model.layers[0].bias.abs().max() == 0
    test_x = torch.from_numpy(mnist_subset.test_images)
    test_y = torch.from_numpy(mnist_subset.test_labels)
    assert evaluate(model, test_x, test_y).accuracy > 0.9  # 5,120 images seen: ~94%
    assert evaluate(model, test_x, test_y, shifted=True).accuracy > 0.9


def test_shifted_verdicts_are_the_mean_over_the_images_moved_by_one_pixel(mnist_subset):
    model = build_model(recipes.fast_recipe()[0], seed=0).eval()
    model.temperature = 1.7
    images = mnist_subset.test_images[:20]
    expected = 0
    for rows, columns in SHIFTS:
        moved = np.zeros_like(images)  # moved by (rows, columns), blank paper coming in
        src = images[:, max(0, -rows) : 28 - max(0, rows), max(0, -columns) : 28 - max(0, columns)]
        moved[:, max(0, rows) : 28 - max(0, -rows), max(0, columns) : 28 - max(0, -columns)] = src
        expected = expected + predict(model, torch.from_numpy(moved).float() / 255)
    assert {(1, 0), (-1, 0), (0, 1), (0, -1), (0, 0)} == set(SHIFTS)
    found = shifted_probabilities(model, torch.from_numpy(images))
    torch.testing.assert_close(found, expected / 5, atol=1e-6, rtol=1e-5)


def test_runs_of_a_few_steps_have_a_one_cycle_schedule_too(mnist_subset):
    """OneCycleLR divides by its warm-up's length less one: 20% of 5 steps was 0."""
    images = torch.from_numpy(mnist_subset.train_images[:256])
    labels = torch.from_numpy(mnist_subset.train_labels[:256])
    architecture, config = recipes.fast_recipe()
    for steps in (1, 2, 5):
        model = build_model(architecture)
        result = train(model, images, labels, replace(config, max_steps=steps, device="cpu"))
        assert result.history[-1].global_step == steps
