"""A worker's progress beside the button that started it: shown while the work goes on."""

from __future__ import annotations

from PySide6.QtWidgets import QProgressBar


class JobBar(QProgressBar):
    """Hidden until ``show_progress(done, total)`` reports work left; ``done()`` hides it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMaximumWidth(160)
        self.hide()

    def show_progress(self, done: int, total: int) -> None:
        """A worker's progress; ``done == total`` hides the bar."""
        self.setVisible(done < total)
        self.setRange(0, max(total, 1))
        self.setValue(done)
