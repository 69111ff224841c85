"""The Mistakes panel, checked against engine.training.evaluate on the shipped MNIST subset: a
confusion cell clicked lists exactly its test digits, a thumbnail clicked becomes the input,
the browser steps through the mistakes, and each model shows its own evaluation."""

import numpy as np
import pytest
import torch
from convlens.engine.model_file import ModelInfo, save_model
from convlens.engine.presets import tiny
from convlens.engine.training import TrainConfig, TrainResult, build_model, evaluate
from convlens.gui.controllers.mistakes import neighbour
from convlens.gui.services.mnist_source import FOLDER_KEY
from convlens.gui.session import Session
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from tests.gui.helpers import hover

WAIT_MS = 120_000  # an evaluation of 1,000 digits takes about a second; a busy machine, more


@pytest.fixture
def mnist_window(window, settings, small_mnist):
    """The shipped model's window, its MNIST folder the shipped subset (1,000 test digits)."""
    settings.setValue(FOLDER_KEY, str(small_mnist))
    window.source.counts = None  # a subset: 2,000 and 1,000 images
    return window


def reference(model, data):
    return evaluate(model, torch.from_numpy(data.test_images), torch.from_numpy(data.test_labels))


def evaluated(window, qtbot):
    """Open the Mistakes panel and wait for the model's evaluation."""
    window.mistakes.show_mistakes()
    qtbot.waitUntil(lambda: window.session.evaluation is not None, timeout=WAIT_MS)
    evaluator = window.mistakes.evaluator
    qtbot.waitUntil(lambda: not evaluator.job.is_running(), timeout=WAIT_MS)  # its thread too
    return window.session.evaluation


def cell_point(confusion, true: int, predicted: int):
    """Where the cell (true, predicted) is, in the confusion view's viewport."""
    scene = confusion.getPlotItem().vb.mapViewToScene(QPointF(predicted + 0.5, true + 0.5))
    return confusion.mapFromScene(scene)


def click_cell(confusion, true: int, predicted: int) -> None:
    point = cell_point(confusion, true, predicted)
    QTest.mouseClick(
        confusion.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
    )


def click_thumbnail(gallery, row: int) -> None:
    rect = gallery.list.visualRect(gallery.model.index(row))
    QTest.mouseClick(
        gallery.list.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        rect.center(),
    )


def expected_cell(ref, labels, true, predicted) -> list[int]:
    """The cell's images by an independent path, most confident first (ties: index order)."""
    found = np.flatnonzero((labels == true) & (ref.predicted == predicted))
    return sorted(found.tolist(), key=lambda i: (-ref.confidence[i], i))


def untrained_model_file(tmp_path, seed: int):
    """An untrained tiny network on disk: it reads most digits wrong, so its cells are full."""
    model = build_model(tiny(), seed=seed)
    path = tmp_path / f"tiny{seed}.safetensors"
    save_model(path, model, ModelInfo(f"tiny seed {seed}", {}))
    return path


def test_clicking_a_cell_lists_exactly_its_test_digits(mnist_window, mnist_subset, qtbot):
    window, data = mnist_window, mnist_subset
    evaluated(window, qtbot)
    ref = reference(window.session.model, data)
    np.testing.assert_array_equal(window.session.evaluation.confusion, ref.confusion)
    view = window.mistakes.view
    np.testing.assert_array_equal(view.confusion.matrix, ref.confusion)
    off_diagonal = np.argwhere(ref.confusion - np.diag(ref.confusion.diagonal()))
    for true, predicted in [(4, 4), *off_diagonal]:
        click_cell(view.confusion, int(true), int(predicted))
        shown = view.gallery.shown_indices()
        assert shown == expected_cell(ref, data.test_labels, true, predicted)
        assert len(shown) == ref.confusion[true, predicted] > 0
        assert view.gallery.title.text().startswith(f"Labelled {true}, ")
    first = shown[0]  # the last cell clicked: a mistake
    text = view.gallery.model.data(view.gallery.model.index(0))
    p = ref.confidence[first]
    assert text == f"#{first}\nread {predicted} ({p:.0%})\nlabelled {true}"
    thumb = view.gallery.model.data(view.gallery.model.index(0), Qt.ItemDataRole.DecorationRole)
    pixels = thumb.toImage()
    image = data.test_images[first]
    for row, col in [(14, 14), (10, 5), (0, 0), *np.argwhere(image)][:40]:
        # black ink on white paper, each pixel drawn as a 2x2 block
        assert pixels.pixelColor(2 * col + 1, 2 * row + 1).red() == 255 - image[row, col]
    assert view.confusion.outline.isVisible()
    assert view.confusion.outline.rect().topLeft() == QPointF(predicted, true)


def test_hovering_a_cell_shows_its_count(mnist_window, mnist_subset, qtbot):
    window = mnist_window
    evaluation = evaluated(window, qtbot)
    confusion = window.mistakes.view.confusion
    hover(confusion.viewport(), cell_point(confusion, 7, 7))
    count = int(evaluation.confusion[7, 7])
    assert window.status.currentMessage() == (
        f"Labelled 7, read correctly: {count:,} test digits (click to see them)"
    )


def test_every_mistake_and_a_thumbnail_clicked_becomes_the_input(mnist_window, mnist_subset, qtbot):
    window, data = mnist_window, mnist_subset
    evaluated(window, qtbot)
    ref = reference(window.session.model, data)
    gallery = window.mistakes.view.gallery
    wrong = np.flatnonzero(ref.predicted != data.test_labels)
    assert sorted(gallery.shown_indices()) == wrong.tolist() and len(wrong) >= 2
    assert np.all(np.diff(ref.confidence[gallery.shown_indices()]) <= 0)
    assert gallery.title.text().startswith(f"Every mistake: {len(wrong)} test digits")

    click_thumbnail(gallery, 1)
    index = gallery.shown_indices()[1]
    s = window.session
    assert (s.source.kind, s.source.index, s.source.label) == (
        "test",
        index,
        data.test_labels[index],
    )
    np.testing.assert_array_equal(s.image, data.test_images[index] / np.float32(255))
    verdict = int(np.argmax(s.trace.probabilities))
    assert verdict == ref.predicted[index] != data.test_labels[index]
    assert float(s.trace.probabilities.max()) == pytest.approx(ref.confidence[index], abs=1e-4)
    assert window.prediction.digit == verdict
    label = window.inputs.sample_label.text()
    assert label.startswith(f"#{index}: labelled {data.test_labels[index]} ")
    assert f"— read as {verdict}" in label
    assert gallery.list.currentIndex().row() == 1  # the input, marked in the gallery

    window.inputs.next_button.click()  # the browser goes on from the digit clicked
    assert s.source.index == index + 1
    if ref.predicted[index + 1] == data.test_labels[index + 1]:
        assert window.inputs.sample_label.text() == f"#{index + 1}: labelled {s.source.label}"


def test_next_and_previous_mistake_step_through_the_mistakes(mnist_window, mnist_subset, qtbot):
    window, data = mnist_window, mnist_subset
    inputs, s = window.inputs, window.session
    inputs.next_mistake_button.click()  # not evaluated yet: it waits for the evaluation
    qtbot.waitUntil(lambda: s.source.kind == "test", timeout=WAIT_MS)
    ref = reference(s.model, data)
    wrong = np.flatnonzero(ref.predicted != data.test_labels).tolist()
    assert s.source.index == wrong[0]
    inputs.next_mistake_button.click()
    assert s.source.index == wrong[1]
    inputs.previous_mistake_button.click()
    assert s.source.index == wrong[0]
    inputs.previous_mistake_button.click()  # before the first: around to the last
    assert s.source.index == wrong[-1]
    inputs.next_mistake_button.click()
    assert s.source.index == wrong[0]
    assert f"— read as {ref.predicted[wrong[0]]}" in inputs.sample_label.text()
    window.input.show_test_digit(wrong[1] + 1)  # from any digit: the mistake before it
    window.mistakes.previous_mistake()
    assert s.source.index == wrong[1]


def end_run_with(window, trained, evaluation) -> None:
    """A run ends with ``trained`` and its real evaluation, as the training controller ends one
    (without the minute a real run takes)."""
    s = window.session
    s.begin_run(s.model, TrainConfig(), "a run", "the test's")
    s.end_run(trained, TrainResult([], False, 1.0), evaluation, ModelInfo("trained here", {}))


def test_each_model_shows_its_own_evaluation(mnist_window, mnist_subset, qtbot, tmp_path):
    window, data, s = mnist_window, mnist_subset, mnist_window.session
    view = window.mistakes.view
    shipped = evaluated(window, qtbot)

    shown = []  # each evaluation the Session took, for which model, and the matrix then
    s.evaluation_changed.connect(
        lambda: shown.append((s.model, s.evaluation, view.confusion.matrix.copy()))
    )
    window.files.open_model(untrained_model_file(tmp_path, seed=1))
    assert window.mistakes.evaluator.busy_with(s.model)
    window.files.open_model(untrained_model_file(tmp_path, seed=2))  # before seed 1's is done
    assert s.evaluation is None and not view.confusion.matrix.any()
    assert view.gallery.shown_indices() == []  # never the shipped model's, meanwhile
    evaluator = window.mistakes.evaluator
    qtbot.waitUntil(lambda: s.evaluation is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not evaluator.job.is_running(), timeout=WAIT_MS)
    opened = s.model
    ref = reference(opened, data)
    assert len(shown) == 1  # seed 1's evaluation came too late for its model: not taken
    model, evaluation, matrix = shown[0]
    assert model is opened
    np.testing.assert_array_equal(evaluation.predicted, ref.predicted)
    np.testing.assert_array_equal(matrix, ref.confusion)
    np.testing.assert_array_equal(view.confusion.matrix, ref.confusion)
    assert (
        sorted(view.gallery.shown_indices())
        == np.flatnonzero(ref.predicted != data.test_labels).tolist()
    )
    assert view.summary.text().startswith("tiny seed 2: ")

    trained = build_model(tiny(), seed=3)
    trained_ref = reference(trained, data)
    end_run_with(window, trained, trained_ref)
    off_diagonal = trained_ref.confusion - np.diag(trained_ref.confusion.diagonal())
    cell = tuple(int(d) for d in np.unravel_index(np.argmax(off_diagonal), (10, 10)))
    click_cell(window.training_panel.confusion, *cell)  # the run's matrix opens the panel
    assert window.mistakes.cell == cell and window.mistakes.dock.isVisible()
    shown = view.gallery.shown_indices()
    assert shown == expected_cell(trained_ref, data.test_labels, *cell) and len(shown) > 10

    s.go_back()  # the opened model again, with its own evaluation, at once
    assert s.model is opened and s.evaluation is not None
    np.testing.assert_array_equal(view.confusion.matrix, ref.confusion)
    assert view.gallery.shown_indices() == expected_cell(
        ref, data.test_labels, *window.mistakes.cell
    )
    assert not np.array_equal(ref.confusion, shipped.confusion)


def test_without_mnist_the_gallery_says_so_and_offers_it(
    window, settings, small_mnist, tmp_path, qtbot, monkeypatch
):
    settings.setValue(FOLDER_KEY, str(tmp_path / "nothing here"))
    window.source.counts = None
    window.mistakes.show_mistakes()
    gallery = window.mistakes.view.gallery
    assert "MNIST is not in" in gallery.title.text() and gallery.get_data_button.isVisible()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(small_mnist))
    gallery.get_data_button.click()
    choose = next(b for b in window.data.question.buttons() if b.text() == "Choose folder…")
    choose.click()
    qtbot.waitUntil(lambda: window.session.evaluation is not None, timeout=WAIT_MS)
    assert not gallery.get_data_button.isVisible()
    assert len(gallery.shown_indices()) == len(window.session.evaluation.mistakes()) > 0


def test_the_session_takes_an_evaluation_only_for_its_own_model(qtbot, mnist_subset):
    shown, other = build_model(tiny(), seed=1), build_model(tiny(), seed=2)
    s = Session(shown, ModelInfo("shown", {}))
    changes = []
    s.evaluation_changed.connect(lambda: changes.append(s.evaluation))
    late = reference(other, mnist_subset)
    s.set_evaluation(other, late)  # another model's, arriving late
    assert s.evaluation is None and changes == []
    own = reference(shown, mnist_subset)
    s.set_evaluation(shown, own)
    assert s.evaluation is own and changes == [own]


def test_the_neighbouring_mistake_wraps_around():
    mistakes = np.array([3, 8, 20])
    assert [neighbour(mistakes, here, 1) for here in (-1, 3, 5, 8, 20, 99)] == [3, 8, 8, 20, 3, 3]
    assert [neighbour(mistakes, here, -1) for here in (-1, 3, 5, 8, 21)] == [20, 20, 3, 3, 20]
