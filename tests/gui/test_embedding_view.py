"""The embedding dock: the engine's projection of the test set, coloured by class, the
drawing as a live point, a hovered point's digit shown, a clicked one made the input."""

import numpy as np
import pytest
from convlens.engine import embedding as em
from convlens.engine.probe import weights_fingerprint
from convlens.engine.training import build_model
from convlens.gui.services.mnist_source import FOLDER_KEY
from convlens.gui.session import ImageSource
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from tests.gui.helpers import hover, show_image


@pytest.fixture
def shown(window, settings, small_mnist, qtbot):
    """The Embedding dock shown on the shipped subset of MNIST, its worker done."""
    settings.setValue(FOLDER_KEY, str(small_mnist))
    window.source.counts = None  # a subset: 2,000 and 1,000 images
    window.why.show_embedding()
    qtbot.waitUntil(lambda: window.why.embedding.embedding is not None, timeout=60_000)
    return window


def widget_point(view, x: float, y: float):
    """Where plot point (x, y) lies in the plot's viewport."""
    plot = view.plot
    scene = plot.getPlotItem().vb.mapViewToScene(QPointF(x, y))
    return plot.mapFromScene(scene)


def loneliest(points: np.ndarray) -> int:
    """The point farthest from all others: a click on it can hit no other."""
    distances = np.linalg.norm(points[:, None] - points[None], axis=-1)
    np.fill_diagonal(distances, np.inf)
    return int(distances.min(axis=1).argmax())


def test_the_scatter_is_the_engines_projection_coloured_by_class(shown, mnist_subset):
    window = shown
    expected = em.embed(window.session.model, mnist_subset.test_images, mnist_subset.test_labels)
    view = window.why.embedding_view
    for digit, item in enumerate(view.classes):
        chosen = np.flatnonzero(mnist_subset.test_labels == digit)
        x, y = item.getData()
        np.testing.assert_allclose(x, expected.points[chosen, 0])
        np.testing.assert_allclose(y, expected.points[chosen, 1])
        np.testing.assert_array_equal(item.data["data"], chosen)
    names = [label.text for _, label in view.legend.items]
    assert names == [str(d) for d in range(10)]
    assert [label.text for _, label in view.drawing_legend.items] == ["your drawing"]
    box = view.plot.getPlotItem().vb.sceneBoundingRect()
    digits, drawing = view.legend.sceneBoundingRect(), view.drawing_legend.sceneBoundingRect()
    assert box.contains(digits) and box.contains(drawing) and not digits.intersects(drawing)


def test_the_drawing_is_a_live_point(shown, digit):
    window = shown
    e = window.why.embedding.embedding
    x, y = window.why.embedding_view.current.getData()
    assert (x[0], y[0]) == e.project(window.session.model, digit)
    moved = np.roll(digit, 3, axis=0)
    show_image(window, moved)
    x, y = window.why.embedding_view.current.getData()
    assert (x[0], y[0]) == e.project(window.session.model, moved)
    show_image(window, None)
    assert len(window.why.embedding_view.current.getData()[0]) == 0


def test_hovering_shows_a_test_digit_and_a_click_makes_it_the_input(shown, mnist_subset):
    window = shown
    view = window.why.embedding_view
    e = window.why.embedding.embedding
    index = loneliest(e.points)
    pos = widget_point(view, *e.points[index])
    hover(view.plot.viewport(), pos)
    image = mnist_subset.test_images[index] / 255.0
    np.testing.assert_allclose(view.thumb_item.image, image)
    label = int(mnist_subset.test_labels[index])
    assert view.thumb_text.text() == f"Test digit #{index}, labelled {label}"
    QTest.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert window.session.source == ImageSource("test", index=index, label=label)
    np.testing.assert_allclose(window.session.image, image)
    assert window.inputs.sample_label.text() == f"#{index}: labelled {label}"
    window.input.next_digit()  # the browser goes on from it
    assert window.session.source.index == index + 1


def test_without_mnist_the_dock_says_so_and_offers_to_get_it(window, settings, tmp_path):
    settings.setValue(FOLDER_KEY, str(tmp_path))
    window.why.show_embedding()
    view = window.why.embedding_view
    assert str(tmp_path) in view.status.text() and view.get_data_button.isVisible()
    assert not window.why.embedding.job.busy()
    QTest.mouseClick(view.get_data_button, Qt.MouseButton.LeftButton)
    box = window.data.question
    assert box is not None and box.isVisible() and "The embedding needs" in box.text()
    box.reject()


def test_another_model_gets_its_own_embedding_and_the_old_one_is_kept(shown, qtbot):
    window = shown
    session, controller = window.session, window.why.embedding
    first, model, info = controller.embedding, session.model, session.info
    other = build_model(model.architecture, seed=3)
    session.set_model(other, info)
    assert controller.embedding is None  # not the old model's points for the new weights
    assert len(window.why.embedding_view.current.getData()[0]) == 0
    qtbot.waitUntil(lambda: controller.embedding is not None, timeout=60_000)
    assert controller.embedding.fingerprint == weights_fingerprint(other) != first.fingerprint
    qtbot.waitUntil(lambda: not controller.job.busy())
    session.set_model(model, info)
    assert controller.embedding is first  # kept: no second run for the same weights
    assert not controller.job.busy()
