"""Saliency, Grad-CAM and occlusion against independent computations, and on the shipped model."""

import numpy as np
import pytest
import torch
from convlens.engine import attribution as at
from convlens.engine import presets
from convlens.engine.probe import map_layers
from convlens.engine.receptive_field import receptive_field

from tests.engine.nets import dilate, noise, random_model, ring, same_state, shipped, small, state


@pytest.fixture(scope="module")
def model():
    return random_model(small())


@pytest.fixture(scope="module")
def digits(mnist_subset):
    images, labels = mnist_subset.test_images, mnist_subset.test_labels
    return images[:20].astype(np.float32) / 255, labels[:20]


def test_saliency_is_the_finite_difference_of_the_logit(model):
    image = noise()
    result = at.saliency(model, image, target=3)
    h = 1e-6
    steps = np.eye(28 * 28).reshape(-1, 1, 28, 28) * h
    x = torch.from_numpy(image).reshape(1, 1, 28, 28)
    with torch.no_grad():
        up = model(x + torch.from_numpy(steps))[:, 3]
        down = model(x - torch.from_numpy(steps))[:, 3]
        score = model(x)[0, 3]
    numeric = ((up - down) / (2 * h)).numpy().reshape(28, 28)
    np.testing.assert_allclose(result.gradient, numeric, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(result.gradient_x_input, numeric * image, rtol=1e-5, atol=1e-7)
    assert result.score == pytest.approx(float(score))
    assert np.abs(result.gradient).max() > 1e-3  # a real gradient, not zeros that agree


def test_default_target_is_the_predicted_digit_and_bad_targets_are_refused(model):
    image = ring()
    with torch.no_grad():
        predicted = int(model(torch.from_numpy(image).double().reshape(1, 1, 28, 28)).argmax())
    assert at.saliency(model, image).target == predicted
    assert at.gradcam(model, image).target == predicted
    assert at.occlusion(model, image).target == predicted
    for bad in (10, -1, 2.0, True):
        with pytest.raises(ValueError, match="digit 0-9"):
            at.saliency(model, image, target=bad)


def test_the_model_is_left_as_it_was(model):
    model.train()
    before = state(model)
    at.saliency(model, ring(), 1)
    at.gradcam(model, ring(), 0, 1)
    at.occlusion(model, ring(), 5, 3, 1)
    assert same_state(before, state(model))
    assert model.training
    model.eval()


def _bilinear(low: np.ndarray, side: int = 28) -> np.ndarray:
    """Resize as align_corners=False does: sample at (i + 0.5) * scale - 0.5, edges clamped."""

    def weights(n: int) -> np.ndarray:
        src = np.clip((np.arange(side) + 0.5) * n / side - 0.5, 0, n - 1)
        first = np.floor(src).astype(int)
        second = np.minimum(first + 1, n - 1)
        matrix = np.zeros((side, n))
        matrix[np.arange(side), first] += 1 - (src - first)
        matrix[np.arange(side), second] += src - first
        return matrix

    return weights(low.shape[0]) @ low @ weights(low.shape[1]).T


def _maps_and_gradient(net, index: int, image: np.ndarray, target: int):
    """Layer ``index``'s output and the logit's gradient there, stored by hooks in a trace."""
    stored = {}

    def store_gradient(grad):
        stored["grad"] = grad

    def keep(module, inputs, output):
        stored["maps"] = output
        output.register_hook(store_gradient)

    handle = net.layers[index].register_forward_hook(keep)
    x = torch.from_numpy(image).double().reshape(1, 1, 28, 28).requires_grad_(True)
    net.trace(x)[-1][0, target].backward()
    handle.remove()
    net.zero_grad(set_to_none=True)
    return stored["maps"][0].detach().numpy(), stored["grad"][0].numpy()


@pytest.mark.parametrize("architecture", [small, presets.default, presets.lenet5])
def test_gradcam_equals_the_formula_on_stored_activations_and_gradients(architecture):
    net = random_model(architecture())
    image = ring()
    for layer in map_layers(net):
        largest = 0.0
        for target in range(10):
            result = at.gradcam(net, image, layer, target)
            maps, grad = _maps_and_gradient(net, result.source, image, target)
            weights = grad.mean(axis=(1, 2))
            low = np.maximum(np.tensordot(weights, maps, axes=1), 0)
            np.testing.assert_allclose(result.weights, weights, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(result.low, low, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(result.map, _bilinear(low), rtol=1e-9, atol=1e-12)
            largest = max(largest, low.max())
        assert largest > 0  # some map to compare, not only zeros that agree


def test_gradcam_takes_a_conv_after_its_activation_and_refuses_flat_layers(model):
    assert at.gradcam_source(model, 0) == 2  # conv, batch norm, relu; then the pool
    assert at.gradcam_source(model, 3) == 3  # a pool as it is
    assert at.gradcam(model, ring()).source == 5  # the last conv, after its tanh
    with pytest.raises(ValueError, match="layer 8 \\(dense\\) is not a layer with feature maps"):
        at.gradcam(model, ring(), 8)


@pytest.mark.parametrize(("size", "stride"), [(4, 2), (6, 3), (5, 5), (28, 1)])
def test_occlusion_equals_a_loop_of_single_forward_passes(model, size, stride):
    image = ring()
    result = at.occlusion(model, image, size, stride, target=2, temperature=2.0)

    def probability(x):
        with torch.no_grad():
            logits = model(torch.from_numpy(x).double().reshape(1, 1, 28, 28))
        return float(torch.softmax(logits / 2.0, 1)[0, 2])

    starts = sorted(set(range(0, 29 - size, stride)) | {28 - size})
    assert result.tops.tolist() == starts and result.lefts.tolist() == starts
    drops, counts = np.zeros((28, 28)), np.zeros((28, 28))
    base = probability(image)
    for r, top in enumerate(starts):
        for c, left in enumerate(starts):
            covered = image.copy()
            covered[top : top + size, left : left + size] = 0
            p = probability(covered)
            assert result.covered[r, c] == pytest.approx(p, abs=1e-12)
            drops[top : top + size, left : left + size] += base - p
            counts[top : top + size, left : left + size] += 1
    assert result.probability == pytest.approx(base, abs=1e-12)
    np.testing.assert_allclose(result.map, drops / counts, atol=1e-12)


def test_occlusion_explains_a_clicked_pixel(model):
    result = at.occlusion(model, ring(), 6, 3)
    point = result.at(27, 0)  # covered only by the patch flush with the bottom-left corner
    assert [(top, left) for top, left, _ in point.patches] == [(22, 0)]
    assert point.patches[0][2] == result.covered[-1, 0]
    assert point.drop == pytest.approx(result.probability - result.covered[-1, 0])
    point = result.at(4, 4)  # rows 3..8 and 0..5 cover row 4: two patch rows, two columns
    assert [(t, left) for t, left, _ in point.patches] == [(0, 0), (0, 3), (3, 0), (3, 3)]
    assert point.drop == pytest.approx(result.probability - np.mean([p[2] for p in point.patches]))
    with pytest.raises(ValueError, match="outside"):
        result.at(28, 0)


def test_occlusion_refuses_bad_patches(model):
    for size, stride in ((0, 1), (29, 1), (4, 0), (4.0, 2)):
        with pytest.raises(ValueError, match="patch"):
            at.occlusion(model, ring(), size, stride)


def _positive_share(values: np.ndarray, mask: np.ndarray) -> float:
    positive = np.clip(values, 0, None)
    return positive[mask].sum() / positive.sum()


def test_on_the_shipped_model_occlusion_lies_on_or_next_to_the_ink(digits):
    net = shipped()
    for image, label in zip(*digits, strict=True):
        result = at.occlusion(net, image, 4, 2, target=int(label))
        # A 4-px patch reaches 3 px off the ink; most of the mass is within 1 px of it.
        assert _positive_share(result.map, dilate(image > 0.1, 1)) > 0.75


def test_on_the_shipped_model_saliency_ranks_the_ink_that_matters(digits):
    """Erasing the 15 ink pixels of highest gradient x input lowers the digit's logit more
    than erasing 15 random ink pixels (a deletion test of faithfulness)."""
    net = shipped()
    rng = np.random.default_rng(0)
    for image, label in zip(*digits, strict=True):
        result = at.saliency(net, image, int(label))
        ink = np.flatnonzero(image > 0.1)
        ranked = ink[np.argsort(result.gradient_x_input.reshape(-1)[ink])[::-1][:15]]
        randoms = [rng.choice(ink, 15, replace=False) for _ in range(5)]
        batch = np.repeat(image.reshape(1, -1), 6, axis=0)
        for row, erased in enumerate([ranked, *randoms]):
            batch[row, erased] = 0
        with torch.no_grad():
            logits = net(torch.from_numpy(batch).reshape(-1, 1, 28, 28))[:, int(label)]
        assert logits[0] < logits[1:].mean()


def test_with_odd_same_convs_each_gradcam_cell_lands_on_its_receptive_field():
    """What GradCam.map's alignment note says: bilinear resizing (align_corners=False) samples
    cell i at (i + 0.5) * 28 / n - 0.5, the centre of the cell's receptive field."""
    net = presets.default()
    infos = net.validate()
    for index in map_layers(random_model(net)):
        size = infos[index].out_shape[1]
        for cell in range(size):
            top, _, bottom, _ = receptive_field(infos, index, cell, 0).unclipped
            assert (cell + 0.5) * 28 / size - 0.5 == (top + bottom - 1) / 2
