"""The embedding against an independent PCA, and the live point against the batch."""

import numpy as np
import pytest
import torch
from convlens.engine import embedding as em
from convlens.engine.probe import forward_to

from tests.engine.nets import random_model, shipped, small


@pytest.fixture(scope="module")
def test_set(mnist_subset):
    return mnist_subset.test_images, mnist_subset.test_labels


@pytest.fixture(scope="module")
def embedding(test_set):
    return em.embed(shipped(), *test_set, batch_size=1000)


def test_the_projection_is_the_pca_of_the_last_hidden_layer(test_set, embedding):
    net = shipped()
    assert embedding.layer == 10  # the dropout before the final dense layer: its input
    with torch.no_grad():
        x = torch.from_numpy(test_set[0]).float().div(255).reshape(-1, 1, 28, 28)
        feats = forward_to(net, x, 10).double().numpy()  # (N, 128)
    centred = feats - feats.mean(axis=0)
    _, singular, rows = np.linalg.svd(centred, full_matrices=False)
    axes = rows[:2].T
    signs = np.sign((axes * embedding.components).sum(axis=0))  # PCA is defined up to sign
    np.testing.assert_allclose(embedding.components, axes * signs, atol=1e-8)
    np.testing.assert_allclose(embedding.points, centred @ axes * signs, atol=1e-6)
    np.testing.assert_allclose(embedding.mean, feats.mean(axis=0), atol=1e-9)
    np.testing.assert_allclose(embedding.explained, singular[:2] ** 2 / (centred**2).sum())
    np.testing.assert_array_equal(embedding.labels, test_set[1])


def test_a_digit_drawn_live_lands_on_its_own_point(test_set, embedding):
    net = shipped()
    for i in (0, 7, 999):
        x, y = embedding.project(net, test_set[0][i] / 255.0)
        np.testing.assert_allclose((x, y), embedding.points[i], atol=1e-4)


def test_the_axes_keep_their_sign_and_digits_separate(test_set, embedding):
    again = em.embed(shipped(), test_set[0][::-1].copy())  # the same images in another order
    np.testing.assert_allclose(again.components, embedding.components, atol=1e-8)
    # the ten classes' centres lie apart: more spread between them than inside one
    centres = np.array([embedding.points[test_set[1] == d].mean(axis=0) for d in range(10)])
    within = np.mean([embedding.points[test_set[1] == d].std(axis=0).mean() for d in range(10)])
    assert centres.std(axis=0).mean() > within


def test_progress_stop_and_too_few_features():
    model = random_model(small())
    images = np.random.default_rng(0).integers(0, 256, (50, 28, 28), dtype=np.uint8)
    calls = []
    result = em.embed(model, images, batch_size=20, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(20, 50), (40, 50), (50, 50)] and result.points.shape == (50, 2)
    assert result.labels is None
    assert em.embed(model, images, should_stop=lambda: True) is None
    with pytest.raises(ValueError, match="at least 2 images"):
        em.embed(model, images[:1])
