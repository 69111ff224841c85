"""Why this digit? in the window: the attribution overlay is the engine's map for the current
input, follows the class, the method and the drawing, and a click on occlusion explains."""

import numpy as np
import pytest
from convlens.engine import attribution
from convlens.engine.preprocess import preprocess
from convlens.gui.controllers.attribution import describe_point
from convlens.gui.views.overlay_image import OVERLAY_COLORMAP
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from tests.gui.helpers import show_image


def click_pixel(view, row: int, col: int) -> None:
    """A real left click on pixel (row, col) of an OverlayView."""
    scene = view.view.mapViewToScene(QPointF(col + 0.5, row + 0.5))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(scene))


def choose(box, data) -> None:
    """Pick the item of a combo box that holds ``data``, as the user would."""
    box.setCurrentIndex(box.findData(data))


@pytest.fixture
def why(window, digit):
    """The Why dock shown, on the blocky '3'."""
    window.why.show_why()
    window.why.attribution.flush()
    return window.why


def shown(why) -> np.ndarray:
    """The map over the network input, checked to be the one in the dock too."""
    np.testing.assert_array_equal(why.overlay.image, why.view.map.overlay.image)
    assert why.overlay.isVisible() and why.overlay.parentItem() is not None
    return why.overlay.image


def test_the_why_tab_waits_behind_explain_until_chosen(window):
    assert window.why.dock in window.tabifiedDockWidgets(window.explain_dock)
    assert not window.why.attribution.active and not window.why.embedding.active
    assert window.why.menu.title() == "W&hy"
    titles = [action.text() for action in window.menuBar().actions()]
    assert titles.index("W&hy") == titles.index("&Help") - 1
    window.why.menu.actions()[0].trigger()  # Why ▸ Why this digit?
    assert window.why.attribution.active and window.why.attribution.result is None  # blank


def test_the_overlay_is_the_saliency_of_the_predicted_digit(window, why, digit):
    model = window.session.model
    expected = attribution.saliency(model, digit)
    assert expected.target == window.session.trace.digit
    np.testing.assert_array_equal(shown(why), expected.gradient)
    assert why.overlay.parentItem() is window.inputs.input_view.item
    assert why.view.target.itemText(0) == f"the predicted digit ({expected.target})"
    low, high = why.view.map.levels()
    assert -low == high >= np.abs(expected.gradient).max()  # the colour bar holds every value


def test_changing_the_class_or_the_method_recomputes_the_map(window, why, digit):
    model = window.session.model
    why.view.target.setCurrentIndex(1 + 5)  # the digit 5
    np.testing.assert_array_equal(shown(why), attribution.saliency(model, digit, 5).gradient)
    choose(why.view.method, "gradient_x_input")
    np.testing.assert_array_equal(
        shown(why), attribution.saliency(model, digit, 5).gradient_x_input
    )
    choose(why.view.method, "gradcam")
    assert why.view.layer.currentData() == 3  # the last conv by default
    np.testing.assert_array_equal(shown(why), attribution.gradcam(model, digit, 3, 5).map)
    why.view.layer.setCurrentIndex(0)
    np.testing.assert_array_equal(shown(why), attribution.gradcam(model, digit, 0, 5).map)
    assert why.attribution.result.layer == 0 and why.attribution.result.target == 5


def test_the_map_follows_the_drawing(window, why, draw, seven):
    window.canvas.clear()
    draw(window.canvas, seven)
    window.flush()
    why.attribution.flush()
    expected = attribution.saliency(window.session.model, window.session.image)
    np.testing.assert_array_equal(shown(why), expected.gradient)
    # on the canvas too: each input pixel over the ink it was made from
    overlay, target = window.canvas.overlay
    top, left, side = preprocess(window.canvas.ink()).frame_in_ink
    assert (target.top(), target.left(), target.width(), target.height()) == (top, left, side, side)
    low, high = why.view.map.levels()
    colours = OVERLAY_COLORMAP.map(np.clip((expected.gradient - low) / (high - low), 0, 1))
    strongest = np.unravel_index(np.abs(expected.gradient).argmax(), (28, 28))
    pixel = overlay.pixelColor(int(strongest[1]), int(strongest[0]))
    assert pixel.getRgb() == tuple(int(v) for v in colours[strongest])
    window.canvas.clear()
    window.flush()
    why.attribution.flush()
    assert not why.overlay.isVisible()  # nothing drawn, nothing to explain
    assert window.canvas.overlay is None


def test_occlusion_runs_off_the_gui_thread_and_a_click_explains_a_pixel(window, why, digit, qtbot):
    model = window.session.model
    why.view.size.setValue(5)
    why.view.stride.setValue(3)
    choose(why.view.method, "occlusion")
    qtbot.waitUntil(lambda: isinstance(why.attribution.result, attribution.Occlusion))
    qtbot.waitUntil(lambda: not why.attribution.occlusions.busy())
    expected = attribution.occlusion(model, digit, 5, 3, None, model.temperature)
    np.testing.assert_allclose(shown(why), expected.map, atol=1e-12)
    click_pixel(why.view.map, 7, 18)
    point = why.attribution.point
    assert point == expected.at(7, 18)
    assert point.probability == pytest.approx(float(window.session.trace.probabilities[3]))
    assert why.view.point.text() == describe_point(point, 3)
    assert f"{point.probability:.6f} as drawn" in why.view.point.text()
    for top, left, probability in point.patches:  # each patch: one forward pass, by hand
        covered = digit.copy()
        covered[top : top + 5, left : left + 5] = 0
        show_image(window, covered)
        assert probability == pytest.approx(float(window.session.trace.probabilities[3]))
    why.attribution.flush()
    qtbot.waitUntil(lambda: not why.attribution.occlusions.busy())  # no thread left behind


def test_a_click_on_another_map_says_what_clicks_are_for(why):
    click_pixel(why.view.map, 10, 10)
    assert why.attribution.point is None
    assert "Occlusion" in why.view.point.text()


def test_nothing_is_computed_while_the_dock_is_hidden(window, why, digit):
    before = why.attribution.result
    window.explain_dock.raise_()  # the Why tab goes behind Explain
    assert not why.attribution.active
    assert not why.overlay.isVisible()
    show_image(window, np.roll(digit, 2, axis=1))
    why.attribution.flush()
    assert why.attribution.result is before
    why.show_why()
    assert why.attribution.active
    expected = attribution.saliency(window.session.model, window.session.image)
    np.testing.assert_array_equal(shown(why), expected.gradient)
