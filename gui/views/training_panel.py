"""Live training curves, earlier runs faded behind them, and the verdict on the test set."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from convlens.engine.training import Evaluation, Progress, TrainConfig
from convlens.gui.views.confusion_view import ConfusionView
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsItem,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

CURVES = {  # Progress field -> (plot, legend name, colour)
    "data_loss": ("loss", "data loss", "#1f77b4"),
    "reg_loss": ("loss", "regularization", "#ff7f0e"),
    "accuracy": ("accuracy", "accuracy (running)", "#2ca02c"),
}
FADED_ALPHA = 110
# Earlier runs, one colour each (none of the live curves' colours), data loss and accuracy solid,
# the regularization term dashed.
RUN_COLORS = ("#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def run_label(config: TrainConfig, architecture: str = "") -> str:
    """A run's key hyperparameters in a few words, for the legend of the earlier runs."""
    parts = [architecture] if architecture else []
    parts += [f"{config.optimizer} lr {config.lr:g}", f"batch {config.batch_size}"]
    if config.loss != "ce":
        parts.append(f"loss {config.loss}")
    if config.l1:
        parts.append(f"L1 {config.l1:g}")
    if config.l2:
        parts.append(f"L2 {config.l2:g}")
    if config.dropout is not None:
        parts.append(f"dropout {config.dropout:g}")
    if config.augment:
        parts.append("augmented")
    return ", ".join(parts)


def _plot(title: str, legend_offset: tuple[int, int]) -> pg.PlotWidget:
    """A plot with its legend in the corner its curves leave free (negative: from the right or
    the bottom)."""
    plot = pg.PlotWidget(background="w", title=title)
    plot.setMenuEnabled(False)
    plot.showGrid(x=True, y=True, alpha=0.25)
    plot.setLabel("bottom", "epoch")
    plot.addLegend(offset=legend_offset)
    for side in ("left", "bottom"):  # redrawn from a cache, not at every new point
        plot.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    return plot


class TrainingPanel(QWidget):
    """Passive: ``start_run``, ``add_progress``, ``show_result``; asks keep or go back."""

    keep_clicked = Signal()
    revert_clicked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plots = {  # losses fall to the bottom right, accuracy rises to the top right
            "loss": _plot("Loss", (-10, 10)),
            "accuracy": _plot("Accuracy on the batches", (-10, -10)),
        }
        self.plots["accuracy"].setYRange(0, 1)
        self.curves: dict[str, pg.PlotDataItem] = {}
        for key, (plot, name, color) in CURVES.items():
            self.curves[key] = self.plots[plot].plot(pen=pg.mkPen(color, width=2), name=name)
        self.earlier: list[pg.PlotDataItem] = []
        self._legends: dict[pg.PlotDataItem, tuple[pg.LegendItem, str]] = {}  # earlier, named
        self.runs = 0  # runs started since the app started
        self.label = ""  # the current run's name in the legend, once it is an earlier run
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

    def start_run(self, title: str, label: str = "", epochs: int = 0) -> None:
        """Fade the current curves into the earlier runs and start empty ones.

        ``label`` names the run's key hyperparameters (see ``run_label``) in the legend.
        ``epochs`` fixes the x range to the whole run, so the axes and grid are not redrawn
        at every point (0: the x range follows the curves).
        """
        for plot in self.plots.values():
            if epochs > 0:
                plot.setXRange(0, epochs, padding=0.02)
                plot.enableAutoRange(x=False)
            else:
                plot.enableAutoRange(x=True)
        if self._data["x"]:
            self._fade_current()
        self.runs += 1
        self.label = f"run {self.runs}" + (f": {label}" if label else "")
        self._data = {key: [] for key in self._data}
        for curve in self.curves.values():
            curve.setData([], [])
        self.status.setText(title)
        self.set_decision_visible(False)

    def _fade_current(self) -> None:
        color = pg.mkColor(RUN_COLORS[(self.runs - 1) % len(RUN_COLORS)])
        color.setAlpha(FADED_ALPHA)
        for key, (plot, _, _) in CURVES.items():
            dashed = key == "reg_loss"
            style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
            pen = pg.mkPen(color, width=1.5, style=style)
            old = self.plots[plot].plot(self._data["x"], self._data[key], pen=pen)
            old.setZValue(-1)
            if not dashed:
                self._legends[old] = (self.plots[plot].getPlotItem().legend, self.label)
            self.earlier.append(old)
            self._on_show_earlier_item(old, self.show_earlier.isChecked())

    def add_progress(self, progress: Progress) -> None:
        """Extend the live curves by one report."""
        self._data["x"].append(progress.epoch - 1 + progress.step / progress.steps)
        for key in CURVES:
            self._data[key].append(getattr(progress, key))
        x = np.asarray(self._data["x"])
        for key, curve in self.curves.items():
            curve.setData(x, np.asarray(self._data[key]))

    def show_outcome(self, note: str, evaluation: Evaluation | None, decide: bool) -> None:
        """A run's outcome in words; ``evaluation`` (the shown model's, if known) under it and
        in the confusion matrix; ``decide``: ask whether to keep the new model."""
        text = note
        if evaluation is not None:
            worst = int(np.argmin(evaluation.per_class))
            text += (
                f"\nTest accuracy: {evaluation.accuracy:.2%} on "
                f"{int(evaluation.confusion.sum()):,} images; hardest digit: {worst} "
                f"({evaluation.per_class[worst]:.1%})."
            )
            self.confusion.set_matrix(evaluation.confusion)
        else:
            self.confusion.clear_matrix()
        self.status.setText(text)
        self.set_decision_visible(decide)

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
            self._on_show_earlier_item(item, on)

    def _on_show_earlier_item(self, item: pg.PlotDataItem, on: bool) -> None:
        item.setVisible(on)
        if item in self._legends:  # a hidden run leaves the legend too
            legend, name = self._legends[item]
            legend.removeItem(item)
            if on:
                legend.addItem(item, name)
