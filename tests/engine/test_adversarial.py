"""'Make it a ...': bounded by epsilon, kept in [0, 1], and it works on the shipped model."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from convlens.engine.adversarial import nudge

from tests.engine.nets import (
    one_thread,
    random_model,
    ring,
    same_state,
    shipped,
    small,
    state,
)


def test_one_step_is_fgsm():
    model = random_model(small())
    image = ring()
    (step,) = nudge(model, image, target=4, epsilon=0.1, steps=1, step_size=0.1)
    x = torch.from_numpy(image).double().reshape(1, 1, 28, 28).requires_grad_(True)
    F.cross_entropy(model(x), torch.tensor([4])).backward()
    expected = (x - 0.1 * x.grad.sign()).clamp(0, 1).detach()
    np.testing.assert_allclose(step.image, expected[0, 0].numpy(), atol=1e-12)
    np.testing.assert_allclose(step.perturbation, step.image - image, atol=1e-7)
    with torch.no_grad():
        probabilities = torch.softmax(model(expected), 1)[0].numpy()
    np.testing.assert_allclose(step.probabilities, probabilities, atol=1e-12)
    assert step.step == 1 and step.target == 4


def test_the_model_is_left_as_it_was_and_bad_settings_are_refused():
    model = random_model(small())
    model.train()
    before = state(model)
    list(nudge(model, ring(), 2, 0.05, 3))
    assert same_state(before, state(model)) and model.training
    for kwargs, match in (
        ({"target": 10}, "digit 0-9"),
        ({"target": 1, "epsilon": 0}, "epsilon"),
        ({"target": 1, "steps": 0}, "steps"),
    ):
        with pytest.raises(ValueError, match=match):
            next(nudge(model, ring(), **kwargs))


@pytest.fixture(scope="module")
def digits(mnist_subset):
    images, labels = mnist_subset.test_images, mnist_subset.test_labels
    return images[:4].astype(np.float32) / 255, labels[:4]


@pytest.mark.parametrize("epsilon", [0.05, 0.25])
def test_on_the_shipped_model_it_stays_within_epsilon_and_raises_the_target(digits, epsilon):
    net = shipped()
    for image, label in zip(*digits, strict=True):
        target = (int(label) + 3) % 10
        with torch.no_grad():
            start = torch.softmax(net(torch.from_numpy(image).reshape(1, 1, 28, 28)), 1)[0, target]
        with one_thread():
            steps = list(nudge(net, image, target, epsilon, steps=10))
        assert [s.step for s in steps] == list(range(1, 11))
        for s in steps:
            assert s.size <= epsilon + 1e-6  # float32 rounding of image - original
            assert 0 <= s.image.min() and s.image.max() <= 1
            np.testing.assert_allclose(s.perturbation, s.image - image, atol=1e-6)
        assert steps[-1].target_probability > 2 * float(start)
        if epsilon == 0.25:  # a change of at most 0.25 ink per pixel flips the verdict
            assert steps[-1].digit == target and steps[-1].target_probability > 0.5
