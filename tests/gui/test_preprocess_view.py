"""How the input is made: the input panel's button opens the steps of the MNIST recipe, which
follow the drawing, and whose last step is exactly what the network sees."""

import numpy as np
from convlens.engine.preprocess import preprocess
from PySide6.QtCore import QRectF, Qt
from PySide6.QtTest import QTest


def open_steps(window):
    QTest.mouseClick(window.inputs.steps_button, Qt.MouseButton.LeftButton)
    dock = window.preprocess.dock
    assert dock.isVisible()
    return window.preprocess.view


def test_the_sample_digit_steps_end_in_the_network_input(first_start):
    view = open_steps(first_start)
    session = first_start.session
    steps = view.steps
    np.testing.assert_array_equal(steps.image, session.image)  # exactly the model's input
    np.testing.assert_array_equal(steps.ink, session.ink)
    ink, fit, centre, placed = view.pictures
    np.testing.assert_array_equal(ink.item.image, session.ink)
    top, left, bottom, right = steps.box
    assert ink.box.rect() == QRectF(left, top, right - left, bottom - top)
    np.testing.assert_array_equal(placed.item.image, session.image)
    row, col = steps.offset
    height, width = steps.fitted.shape
    assert placed.box.rect() == QRectF(col, row, width, height)
    cy, cx = steps.placed_centre
    assert (placed.centre.pos().x(), placed.centre.pos().y()) == (cx + 0.5, cy + 0.5)
    assert (placed.target.pos().x(), placed.target.pos().y()) == (14.5, 14.5)
    box_h, box_w = steps.box_size
    assert f"{box_w}×{box_h} px" in view.captions[0].text()
    assert f"scaled by {steps.scale:.3g}" in view.captions[1].text()
    assert f"row {steps.centre[0]:.2f}, column {steps.centre[1]:.2f}" in view.captions[2].text()
    assert f"row {row}, column {col}" in view.captions[3].text()


def test_the_steps_follow_the_drawing_and_wait_while_hidden(window, qtbot, draw, seven):
    view = open_steps(window)
    assert view.steps is None  # a blank canvas: nothing to prepare
    draw(window.canvas, seven)
    window.flush()
    np.testing.assert_array_equal(view.steps.image, window.session.image)
    np.testing.assert_array_equal(view.steps.ink, window.canvas.ink())
    np.testing.assert_array_equal(
        view.steps.fitted, preprocess(window.canvas.ink()).fitted
    )  # the engine's own steps

    window.preprocess.dock.hide()
    shown = view.steps
    draw(window.canvas, [(40, 200), (240, 210)])  # a line under the seven
    window.flush()
    assert view.steps is shown  # hidden: not redone at each stroke
    open_steps(window)
    np.testing.assert_array_equal(view.steps.image, window.session.image)
    assert view.steps.box_size != shown.box_size

    window.actions.clear.trigger()
    window.flush()
    assert view.steps is None and "Draw a digit" in view.captions[0].text()
