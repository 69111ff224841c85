"""Per-image verdicts for the galleries: a confusion cell's images, and every mistake."""

import numpy as np
import pytest
import torch
from convlens.engine import presets
from convlens.engine.evaluation import Evaluation, evaluate
from convlens.engine.network import predict
from convlens.engine.training import TrainConfig, build_model, train


@pytest.fixture(scope="module")
def setting(mnist_subset):
    """A briefly trained tiny network (it makes plenty of mistakes) and 1,000 test images."""
    data = mnist_subset
    model = build_model(presets.tiny(), seed=4)
    x, y = torch.from_numpy(data.train_images), torch.from_numpy(data.train_labels)
    train(model, x, y, TrainConfig(epochs=1, train_limit=800, lr=3e-3))
    return model, torch.from_numpy(data.test_images[:1000]), data.test_labels[:1000]


def _reference(model, images, labels, true, predicted, temperature=1.0):
    """Image by image through network.predict (an independent path; it takes ink in [0, 1]),
    most confident first."""
    found = []
    for i in range(len(images)):
        with torch.no_grad():
            logits = torch.log(predict(model, images[i : i + 1] / 255)[0]) / temperature
        probs = torch.softmax(logits, 0)
        if labels[i] == true and int(probs.argmax()) == predicted:
            found.append((-float(probs.max()), i))
    return [i for _, i in sorted(found)], sorted(-c for c, _ in found)[::-1]


def test_a_cell_lists_exactly_its_images_most_confident_first(setting):
    model, images, labels = setting
    evaluation = evaluate(model, images, torch.from_numpy(labels))
    true, predicted = np.unravel_index(
        np.argmax(evaluation.confusion - np.diag(np.diag(evaluation.confusion))), (10, 10)
    )  # the worst confusion: a cell with several images
    cell = evaluation.cell(true, predicted)
    expected, confidences = _reference(model, images, labels, true, predicted)
    assert len(cell) == evaluation.confusion[true, predicted] >= 3
    assert sorted(cell) == sorted(expected)
    np.testing.assert_allclose(evaluation.confidence[cell], confidences, rtol=1e-5)
    assert all(labels[i] == true != predicted == evaluation.predicted[i] for i in cell)


def test_the_mistakes_are_every_off_diagonal_image(setting):
    model, images, labels = setting
    evaluation = evaluate(model, images, torch.from_numpy(labels))
    mistakes = evaluation.mistakes()
    reference = np.flatnonzero(predict(model, images / 255).argmax(1).numpy() != labels)
    assert sorted(mistakes) == reference.tolist()
    assert len(mistakes) == evaluation.confusion.sum() - np.trace(evaluation.confusion) > 10
    assert np.all(np.diff(evaluation.confidence[mistakes]) <= 0)
    diagonal = evaluation.cell(3, 3)
    assert len(diagonal) == evaluation.confusion[3, 3] and not set(diagonal) & set(mistakes)


def test_probabilities_follow_the_model_temperature(setting):
    model, images, labels = setting
    plain = evaluate(model, images[:50], torch.from_numpy(labels[:50]))
    model.temperature = 2.0
    try:
        warm = evaluate(model, images[:50], torch.from_numpy(labels[:50]))
    finally:
        del model.temperature
    logits = torch.log(predict(model, images[:50] / 255))
    expected = torch.softmax(logits / 2.0, 1).max(1).values.numpy()
    np.testing.assert_allclose(warm.confidence, expected, rtol=1e-5)
    assert np.array_equal(warm.predicted, plain.predicted)
    assert np.all(warm.confidence < plain.confidence)


def test_an_evaluation_put_together_from_parts_is_the_whole_one(setting):
    model, images, labels = setting
    whole = evaluate(model, images, torch.from_numpy(labels))
    halves = (slice(0, 300), slice(300, None))
    parts = [evaluate(model, images[s], torch.from_numpy(labels[s])) for s in halves]
    verdicts = ("labels", "predicted", "confidence")
    joined = Evaluation.of(*(np.concatenate([getattr(p, k) for p in parts]) for k in verdicts))
    np.testing.assert_array_equal(joined.confusion, whole.confusion)
    assert joined.accuracy == whole.accuracy and joined.per_class == whole.per_class
    np.testing.assert_array_equal(joined.predicted, whole.predicted)
    np.testing.assert_allclose(joined.confidence, whole.confidence, rtol=1e-6)
    assert whole.accuracy == np.mean(whole.predicted == labels)
    empty = Evaluation.of(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    assert empty.accuracy == 0.0 and empty.confusion.sum() == 0 and empty.mistakes().size == 0
