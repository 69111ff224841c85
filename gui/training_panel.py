"""Live training curves, earlier runs faded behind them, and the verdict on the test set."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.training import Evaluation, Progress
from gui.confusion_view import ConfusionView

CURVES = {  # Progress field -> (plot, legend name, colour)
    "data_loss": ("loss", "data loss", "#1f77b4"),
    "reg_loss": ("loss", "regularization", "#ff7f0e"),
    "accuracy": ("accuracy", "accuracy (running)", "#2ca02c"),
}
FADED_ALPHA = 70


def _plot(title: str) -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w", title=title)
    plot.setMenuEnabled(False)
    plot.showGrid(x=True, y=True, alpha=0.25)
    plot.setLabel("bottom", "epoch")
    plot.addLegend(offset=(-10, 10))
    return plot


class TrainingPanel(QWidget):
    """Passive: ``start_run``, ``add_progress``, ``show_result``; asks keep or go back."""

    keep_clicked = Signal()
    revert_clicked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plots = {"loss": _plot("Loss"), "accuracy": _plot("Accuracy on the batches")}
        self.plots["accuracy"].setYRange(0, 1)
        self.curves: dict[str, pg.PlotDataItem] = {}
        for key, (plot, name, color) in CURVES.items():
            self.curves[key] = self.plots[plot].plot(pen=pg.mkPen(color, width=2), name=name)
        self.earlier: list[pg.PlotDataItem] = []
        self.show_earlier = QCheckBox("Show earlier runs")
        self.show_earlier.setChecked(True)
        self.show_earlier.toggled.connect(self._on_show_earlier)
        self.status = QLabel("No training yet: Train ▸ Train… (Ctrl+T)")
        self.status.setWordWrap(True)
        self.confusion = ConfusionView()
        self.confusion.setMinimumSize(200, 180)
        self.keep_button = QPushButton("Keep the new model")
        self.revert_button = QPushButton("Go back to the previous one")
        self.keep_button.clicked.connect(self.keep_clicked)
        self.revert_button.clicked.connect(self.revert_clicked)
        self._data: dict[str, list[float]] = {key: [] for key in ["x", *CURVES]}

        buttons = QHBoxLayout()
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.revert_button)
        side = QVBoxLayout()
        side.addWidget(self.status)
        side.addLayout(buttons)
        side.addWidget(self.confusion, 1)
        curves = QGridLayout()
        curves.addWidget(self.plots["loss"], 0, 0)
        curves.addWidget(self.plots["accuracy"], 0, 1)
        curves.addWidget(self.show_earlier, 1, 0)
        layout = QHBoxLayout(self)
        layout.addLayout(curves, 3)
        layout.addLayout(side, 2)
        self.set_decision_visible(False)

    def start_run(self, title: str) -> None:
        """Fade the current curves into the earlier runs and start empty ones."""
        if self._data["x"]:
            for key, (plot, _, color) in CURVES.items():
                faded = pg.mkColor(color)
                faded.setAlpha(FADED_ALPHA)
                old = self.plots[plot].plot(self._data["x"], self._data[key], pen=pg.mkPen(faded))
                old.setZValue(-1)
                old.setVisible(self.show_earlier.isChecked())
                self.earlier.append(old)
        self._data = {key: [] for key in self._data}
        for curve in self.curves.values():
            curve.setData([], [])
        self.status.setText(title)
        self.set_decision_visible(False)

    def add_progress(self, progress: Progress) -> None:
        """Extend the live curves by one report."""
        self._data["x"].append(progress.epoch - 1 + progress.step / progress.steps)
        for key in CURVES:
            self._data[key].append(getattr(progress, key))
        x = np.asarray(self._data["x"])
        for key, curve in self.curves.items():
            curve.setData(x, np.asarray(self._data[key]))

    def show_result(self, evaluation: Evaluation | None, note: str) -> None:
        """The test-set verdict; with an evaluation, ask whether to keep the new model."""
        if evaluation is None:
            self.status.setText(note)
            return
        worst = int(np.argmin(evaluation.per_class))
        self.status.setText(
            f"{note}\nTest accuracy: {evaluation.accuracy:.2%} on "
            f"{int(evaluation.confusion.sum()):,} images; hardest digit: {worst} "
            f"({evaluation.per_class[worst]:.1%})."
        )
        self.confusion.set_matrix(evaluation.confusion)
        self.set_decision_visible(True)

    def set_decision_visible(self, visible: bool) -> None:
        self.keep_button.setVisible(visible)
        self.revert_button.setVisible(visible)

    def curve_lengths(self) -> dict[str, int]:
        """Points in each live curve (what the tests check)."""
        return {
            key: len(curve.xData if curve.xData is not None else [])
            for key, curve in self.curves.items()
        }

    def _on_show_earlier(self, on: bool) -> None:
        for item in self.earlier:
            item.setVisible(on)
