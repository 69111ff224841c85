"""The input: what is drawn on the canvas, and the MNIST test digits, into the Session."""

from __future__ import annotations

import numpy as np
from convlens.engine.images import BlankImageError, center_digit
from convlens.engine.mnist import DatasetError
from convlens.engine.shipped import sample_ink
from convlens.gui.controllers.data import DataController
from convlens.gui.session import ImageSource, Session
from convlens.gui.throttle import Throttle
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QWidget

LIVE_INTERVAL_MS = 30  # at most ~33 network passes a second while drawing


class InputController(QObject):
    """``ink_changed(ink)`` from the canvas (throttled), ``stroke_ended()`` (at once), and
    the test-set browser's next / random."""

    def __init__(self, session: Session, data: DataController, parent: QWidget):
        super().__init__(parent)
        self._session = session
        self._data = data
        self._ink: np.ndarray | None = None
        self._throttle = Throttle(LIVE_INTERVAL_MS, self._on_ink_settled, self)

    def ink_changed(self, ink: np.ndarray) -> None:
        self._ink = ink
        self._throttle.request()

    def stroke_ended(self) -> None:
        """The pen was lifted: the final verdict at once, not after the throttle."""
        self._throttle.flush()

    def flush(self) -> None:
        """Bring the Session up to date with the canvas now."""
        self._throttle.flush()

    def _on_ink_settled(self) -> None:
        try:
            image = center_digit(self._ink)
        except BlankImageError:
            image = None
        self._session.set_image(image, ImageSource("drawing"), self._ink)  # its steps: the ink

    def show_sample(self, digit: int) -> None:
        """One of the sample digits the app ships, on the canvas as if drawn there."""
        ink = sample_ink(digit)
        self._session.set_image(center_digit(ink), ImageSource("sample", label=digit), ink)

    def next_digit(self) -> None:
        self._show_test_digit(lambda source: source.test_digit(1))

    def random_digit(self) -> None:
        self._show_test_digit(lambda source: source.test_digit(None))

    def show_test_digit(self, index: int) -> None:
        """Test digit ``index`` as the input (Next goes on from it)."""
        self._show_test_digit(lambda source: source.test_digit_at(index))

    def _show_test_digit(self, pick) -> None:
        """The test digit ``pick(source)`` gives, once MNIST is there."""
        source = self._data.source
        if not source.available():
            self._data.ensure(
                lambda: self._show_test_digit(pick), need="The test set browser needs"
            )
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            image, label, index = pick(source)
        except DatasetError as error:
            self._session.error.emit("MNIST is not available", str(error))
            return
        finally:
            QApplication.restoreOverrideCursor()
        self._session.set_image(image, ImageSource("test", index=index, label=label), image)
