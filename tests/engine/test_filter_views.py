"""Top patches against a brute-force search, the cache, and activation maximisation."""

import copy

import numpy as np
import pytest
import torch
from convlens.engine import filter_views as fv
from convlens.engine.probe import forward_to, weights_fingerprint
from convlens.engine.receptive_field import receptive_field

from tests.engine.nets import one_thread, random_model, same_state, shipped, small, state


@pytest.fixture(scope="module")
def model():
    """The small network, its batch norm turning filter 1 of conv 0 upside down."""
    net = random_model(small())
    with torch.no_grad():
        net.layers[1].weight[1] = -2.0
    return net


@pytest.fixture(scope="module")
def images():
    """150 uint8 images of sparse strokes (ink 0-255), made here: no data set needed."""
    rng = np.random.default_rng(5)
    ink = rng.integers(0, 256, (150, 28, 28)) * (rng.random((150, 28, 28)) < 0.2)
    return ink.astype(np.uint8)


@pytest.mark.parametrize(("layer", "output"), [(0, 1), (4, 4)])  # conv 0: after its batch norm
def test_top_patches_are_where_the_activation_is_highest(model, images, layer, output):
    assert fv.filter_output(model, layer) == output
    result = fv.top_patches(model, layer, images, count=9, batch_size=32)
    with torch.no_grad():
        x = torch.from_numpy(images).double().div(255).reshape(-1, 1, 28, 28)
        maps = forward_to(model, x, output).numpy()  # (N, F, H, W)
    per_image = maps.max(axis=(2, 3))  # (N, F)
    padded = np.pad(images / 255.0, ((0, 0), (20, 20), (20, 20)))
    for f in range(maps.shape[1]):
        np.testing.assert_allclose(result.activations[f], np.sort(per_image[:, f])[::-1][:9])
        assert len(set(result.images[f].tolist())) == 9
        for k in range(9):
            image, (row, col) = result.images[f, k], result.positions[f, k]
            assert maps[image, f, row, col] == result.activations[f, k] == per_image[image, f]
            field = receptive_field(model.infos, layer, row, col)
            assert tuple(result.fields[f, k]) == field.unclipped
            top, left, bottom, right = np.array(field.unclipped) + 20
            np.testing.assert_allclose(
                result.patches[f, k], padded[image, top:bottom, left:right], atol=1e-7
            )


def test_top_patches_report_progress_and_stop(model, images):
    calls = []
    fv.top_patches(model, 0, images, batch_size=64, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(64, 150), (128, 150), (150, 150)]
    polls = []
    stopped = fv.top_patches(
        model, 0, images, batch_size=64, should_stop=lambda: polls.append(1) or len(polls) > 1
    )
    assert stopped is None and len(polls) == 2


def test_fewer_images_than_patches_and_bad_layers(model, images):
    result = fv.top_patches(model, 0, images[:4], count=9)
    assert result.images.shape == (3, 4) and result.patches.shape == (3, 4, 3, 3)
    with pytest.raises(ValueError, match="layer 2 \\(activation\\) is not a conv layer"):
        fv.top_patches(model, 2, images)
    with pytest.raises(ValueError, match="no images"):
        fv.top_patches(model, 0, images[:0])


def test_the_fingerprint_follows_the_weights_and_the_cache_with_it(model, images):
    other = copy.deepcopy(model)
    assert weights_fingerprint(other) == weights_fingerprint(model)
    cache = fv.PatchCache()
    result = fv.top_patches(model, 0, images)
    cache.put(result)
    assert cache.get(weights_fingerprint(other), 0) is result
    assert cache.get(result.fingerprint, 4) is None
    with torch.no_grad():
        other.layers[4].weight[0, 0, 0, 0] += 1e-6
    changed = weights_fingerprint(other)
    assert changed != result.fingerprint and cache.get(changed, 0) is None
    cache.put(fv.top_patches(other, 4, images))
    assert cache.get(result.fingerprint, 0) is None  # the old weights' results are gone
    assert cache.get(changed, 4).fingerprint == changed
    state = {name: value + 1e-3 for name, value in model.state_dict().items()}
    other.load_state_dict(state)  # as a run's snapshot arrives: a new fingerprint, then kept
    assert weights_fingerprint(other) not in (changed, result.fingerprint)
    assert weights_fingerprint(other) == weights_fingerprint(copy.deepcopy(other))


@pytest.fixture(scope="module")
def test_images(mnist_subset):
    return mnist_subset.test_images


def test_activation_maximisation_beats_every_test_digit(test_images):
    """On the shipped model: the image made for a filter excites it (mean over its map) more
    than any of 1000 test digits does, and far more than the noise it started from."""
    net = shipped()
    x = torch.from_numpy(test_images).float().div(255).reshape(-1, 1, 28, 28)
    for layer, filters in ((0, (4, 9, 13)), (3, (0, 14, 47))):  # the hardest found, and others
        with torch.no_grad():
            best_digit = forward_to(net, x, layer).mean(dim=(2, 3)).max(dim=0).values
        for f in filters:
            with one_thread():
                result = fv.maximise_filter(net, layer, f)
            assert result.final > best_digit[f] and result.final > result.start + 0.05
            assert (
                result.image.shape == (28, 28)
                and 0 <= result.image.min() <= result.image.max() <= 1
            )


def test_activation_maximisation_is_seeded_stoppable_and_leaves_the_model(model):
    model.train()
    before = state(model)
    first = fv.maximise_filter(model, 0, 1, steps=12, seed=4)
    again = fv.maximise_filter(model, 0, 1, steps=12, seed=4)
    np.testing.assert_array_equal(first.image, again.image)
    assert same_state(before, state(model)) and model.training
    model.eval()
    calls = []
    stopped = fv.maximise_filter(
        model,
        0,
        1,
        steps=12,
        progress=lambda d, t: calls.append((d, t)),
        should_stop=lambda: len(calls) >= 5,
    )
    assert stopped.steps == 5 and calls[-1] == (5, 12)
    with pytest.raises(ValueError, match="filters 0 to 2, not 3"):
        fv.maximise_filter(model, 0, 3)
