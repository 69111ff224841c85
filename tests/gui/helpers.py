"""Small helpers shared by the GUI tests."""

from __future__ import annotations

import numpy as np
from convlens.engine.model_file import ModelInfo
from convlens.engine.training import Evaluation, Progress, TrainConfig, TrainResult, build_model
from convlens.gui.session import ImageSource
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication


def show_image(window, image: np.ndarray | None) -> None:
    """Make ``image`` the window's input, as a drawing would."""
    window.session.set_image(image, ImageSource("drawing"))
    window.flush()


def finish_a_run(window, accuracy: float = 0.9):
    """Make the Session's model one 'trained here', as a run that just ended leaves it
    (a keep-or-go-back decision open): without the minute a real run takes."""
    session = window.session
    trained = build_model(session.model.architecture, seed=7)
    session.begin_run(session.model, TrainConfig(), "a run", "the test's")
    confusion = np.eye(10, dtype=np.int64) * 100
    confusion[3, 5] = 7
    evaluation = Evaluation(accuracy, [accuracy] * 10, confusion)
    report = Progress(1, 1, 1, 1, 0.5, 0.0, accuracy, 1000.0, 1.0, {0: 0.01})
    session.add_progress(report)
    info = ModelInfo("trained here", {"test_accuracy": accuracy})
    session.end_run(trained, TrainResult([report], False, 1.0), evaluation, info)
    return trained, evaluation


def hover(widget, pos) -> None:
    """A real mouse-move event at ``pos`` (widget coordinates), sent to ``widget`` as
    pyqtgraph's own tests do: QTest.mouseMove goes through the platform's cursor, which the
    offscreen platform moves only where the window has not been moved."""
    point = QPointF(pos)
    event = QMouseEvent(
        QEvent.Type.MouseMove,
        point,
        widget.mapToGlobal(point),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)
