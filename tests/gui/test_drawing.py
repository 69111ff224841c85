"""Drawing on the canvas with real mouse events drives the 28x28 input and the verdict."""

import numpy as np
from convlens.engine.images import center_digit
from convlens.engine.network import trace_image
from PySide6.QtCore import Qt


def test_a_drawn_digit_is_classified_and_clear_resets(window, qtbot, draw, seven):
    assert window.session.image is None and window.prediction.digit is None
    draw(window.canvas, seven)
    qtbot.waitUntil(lambda: window.session.image is not None)
    window.flush()  # the last stroke segments, if the throttle still holds them

    expected = center_digit(window.canvas.ink())
    np.testing.assert_array_equal(window.session.image, expected)
    np.testing.assert_array_equal(window.inputs.input_view.item.image, expected)
    trace = trace_image(window.session.model, expected)
    np.testing.assert_allclose(window.prediction.bars.values, trace.probabilities)
    assert window.prediction.digit == trace.digit == 7

    window.actions.clear.trigger()
    qtbot.waitUntil(lambda: window.session.image is None)
    assert window.prediction.digit is None
    assert not window.canvas.ink().any()
    assert not window.inputs.input_view.item.image.any()
    assert not np.any(window.prediction.bars.values)


def test_lifting_the_pen_shows_the_final_verdict_at_once(window, qtbot, draw, seven):
    """While drawing, the verdict follows at most every LIVE_INTERVAL_MS; the release brings
    it up to date in its own event handler, without waiting for the throttle."""
    draw(window.canvas, seven[:20])  # the top bar: the throttle is now cooling down
    qtbot.waitUntil(lambda: window.session.image is not None)
    draw(window.canvas, seven[19:])  # the stem, in one quick stroke
    expected = center_digit(window.canvas.ink())
    np.testing.assert_array_equal(window.session.image, expected)
    assert window.prediction.digit == trace_image(window.session.model, expected).digit == 7


def test_undo_and_the_right_button_eraser(window, qtbot, draw, seven):
    draw(window.canvas, seven)
    qtbot.waitUntil(lambda: window.session.image is not None)
    drawn = window.canvas.ink()
    draw(window.canvas, [(60, 200), (220, 200)])  # a bar under the 7
    assert (window.canvas.ink() > drawn).any()
    window.actions.undo.trigger()
    np.testing.assert_array_equal(window.canvas.ink(), drawn)

    draw(window.canvas, [(x, 60) for x in range(40, 240, 5)], Qt.MouseButton.RightButton)
    assert window.canvas.ink()[60, 70:210].max() == 0  # the 7's top bar is erased
    window.flush()
    qtbot.waitUntil(lambda: window.session.image is not None)
    np.testing.assert_array_equal(window.session.image, center_digit(window.canvas.ink()))


def test_brush_size_is_remembered(window, settings):
    window.inputs.brush_slider.setValue(31)
    assert window.canvas.brush_size == 31
    window.close()
    assert settings.value("canvas/brush", type=int) == 31
