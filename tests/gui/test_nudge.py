"""'Make it a …' in the window: the nudge stays within epsilon, raises the target's probability,
every view shows the nudged image as it goes, and the original comes back."""

import numpy as np
import pytest
import torch
from convlens.engine.adversarial import nudge
from convlens.engine.network import trace_image
from convlens.gui.session import ImageSource
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.gui.helpers import show_image


def probabilities(model, image) -> np.ndarray:
    """softmax(logits / T) of one image, computed here (not by the app)."""
    with torch.no_grad():
        logits = model(torch.as_tensor(image).float().reshape(1, 1, 28, 28))[0].double()
    return torch.softmax(logits / model.temperature, dim=0).numpy()


@pytest.fixture
def dialog(window, digit):
    window.why.ask_nudge()
    return window.why.nudge_dialog


def test_a_nudge_stays_within_epsilon_raises_the_target_and_every_view_follows(
    window, digit, dialog
):
    session, nudger = window.session, window.why.nudge
    model = session.model
    assert dialog.isVisible()
    runner_up = int(probabilities(model, digit).argsort()[-2])
    assert dialog.target.value() == runner_up  # the digit it nearly read, to begin with
    dialog.target.setValue(8)
    dialog.epsilon.setValue(0.2)
    dialog.steps.setValue(6)
    start = probabilities(model, digit)[8]
    QTest.mouseClick(dialog.nudge_button, Qt.MouseButton.LeftButton)
    assert nudger.running() and not dialog.nudge_button.isEnabled()
    nudger.finish()
    assert not nudger.running() and len(nudger.steps) == 6
    expected = list(nudge(model, digit, 8, 0.2, 6, temperature=model.temperature))
    for step, reference in zip(nudger.steps, expected, strict=True):
        np.testing.assert_array_equal(step.image, reference.image)
        assert np.abs(step.image - digit).max() <= 0.2 + 1e-6
        assert 0 <= step.image.min() and step.image.max() <= 1
    last = nudger.steps[-1]
    assert probabilities(model, last.image)[8] > 2 * start
    assert session.source == ImageSource("nudged", label=8)
    np.testing.assert_array_equal(session.image, last.image)
    trace = trace_image(model, last.image)
    np.testing.assert_array_equal(window.overview.columns[0].values[0], last.image)
    for item, values in zip(window.maps.panels[0].output.items, trace.outputs[0], strict=True):
        np.testing.assert_array_equal(item.image, values)
    np.testing.assert_allclose(window.prediction.probabilities, trace.probabilities)
    canvas = window.canvas.ink()[5::10, 5::10]  # the canvas shows it, ten times as large
    assert np.abs(canvas - last.image).mean() < 0.05
    np.testing.assert_array_equal(dialog.view.overlay.image, last.perturbation)
    assert dialog.view.levels() == (-0.2, 0.2)
    l2 = float(np.sqrt((last.perturbation.astype(np.float64) ** 2).sum()))
    text = dialog.summary.text()
    assert f"L∞ {last.size:.3f}" in text and f"L2 {l2:.3f}" in text
    assert f"p(8) = {last.target_probability:.1%}, from {start:.1%}" in text


def test_restore_brings_the_drawing_back(window, dialog, draw, seven):
    window.canvas.clear()
    draw(window.canvas, seven)
    window.flush()
    drawn, sheet = window.session.image.copy(), window.canvas.ink()
    window.why.ask_nudge()
    dialog.target.setValue(1)
    QTest.mouseClick(dialog.nudge_button, Qt.MouseButton.LeftButton)
    window.why.nudge.finish()
    assert not np.array_equal(window.session.image, drawn)
    QTest.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert window.session.source.kind == "drawing"
    np.testing.assert_array_equal(window.session.image, drawn)
    np.testing.assert_array_equal(window.canvas.ink(), sheet)
    assert not dialog.restore_button.isEnabled()


def test_drawing_during_a_nudge_stops_it(window, digit, dialog, draw, seven):
    QTest.mouseClick(dialog.nudge_button, Qt.MouseButton.LeftButton)
    assert window.why.nudge.running()
    draw(window.canvas, seven)
    window.flush()
    assert not window.why.nudge.running() and window.why.nudge.original is None
    assert window.session.source.kind == "drawing"


def test_nothing_to_nudge_on_a_blank_canvas(window):
    show_image(window, None)
    window.why.ask_nudge()
    dialog = window.why.nudge_dialog
    QTest.mouseClick(dialog.nudge_button, Qt.MouseButton.LeftButton)
    assert not window.why.nudge.running()
    assert "Draw a digit first" in dialog.summary.text()
