"""The status bar: the compute device, the model and its test accuracy, training progress."""

from __future__ import annotations

import math

from convlens.engine.device import describe, pick_device
from convlens.engine.model_file import ModelInfo
from convlens.engine.training import Progress
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar


def duration_text(seconds: float) -> str:
    """'1:05' or '1:02:03'; '…' while unknown."""
    if not math.isfinite(seconds):
        return "…"
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class StatusBar(QStatusBar):
    """Temporary messages on the left; device, model and progress as permanent widgets."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.progress_label = QLabel()
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setMaximumWidth(180)
        self.progress_bar.setTextVisible(False)
        self._last: Progress | None = None  # the run's last report
        self._paused = False
        self.model_label = QLabel()
        self.device_label = QLabel(f"Device: {describe(pick_device('auto'))}")
        self.device_label.setToolTip("Where training runs by default (drawing runs on the CPU)")
        for widget in (self.progress_label, self.progress_bar, self.model_label, self.device_label):
            self.addPermanentWidget(widget)
        self.set_training(False)

    def set_model(self, info: ModelInfo, on_trial: bool = False) -> None:
        """The model shown; ``on_trial``: just trained, waiting for keep or go back."""
        accuracy = info.facts.get("test_accuracy")
        score = f"test accuracy {accuracy:.1%}" if accuracy is not None else "not tested"
        trial = " · on trial: keep it or go back" if on_trial else ""
        self.model_label.setText(f"Model: {info.name} · {score}{trial}")

    def set_training(self, running: bool) -> None:
        if running:  # before they show: a visible bar repaints the window at once (~100 ms)
            self._last, self._paused = None, False
            self.progress_bar.setValue(0)
            self.progress_label.setText("Loading the training images…")
        self.progress_label.setVisible(running)
        self.progress_bar.setVisible(running)

    def set_progress(self, p: Progress) -> None:
        # QProgressBar.setValue repaints at once whenever the bar grows by a chunk (1.3 ms a
        # report here, outside the window's next paint); with updates off it only schedules
        # the paint, which Qt then does with the rest of the frame.
        self.progress_bar.setUpdatesEnabled(False)
        self.progress_bar.setValue(int(1000 * p.fraction))
        self.progress_bar.setUpdatesEnabled(True)  # calls update()
        self._last = p
        self._show_progress_text()

    def set_paused(self, paused: bool) -> None:
        """Paused, the pace and the time left give way to 'paused' (a single step's pace is
        not the run's)."""
        self._paused = paused
        if self._last is not None:
            self._show_progress_text()

    def _show_progress_text(self) -> None:
        p = self._last
        pace = (
            "paused"
            if self._paused
            else f"{p.samples_per_s:,.0f} samples/s · {duration_text(p.eta)} left"
        )
        self.progress_label.setText(
            f"Epoch {p.epoch}/{p.epochs} · step {p.step}/{p.steps} · {pace}"
        )

    def show_hover(self, text: str) -> None:
        self.showMessage(text, 4000)
