"""Regularization made visible: per weighted layer, a weight histogram and its share of
near-zero weights, and the mean gradient magnitude per layer while training.

L1 pulls weights to exactly zero (a spike at 0, a growing near-zero share); L2 shrinks them all
(a narrower histogram); with sigmoids the early layers' gradients are orders of magnitude
smaller than the late ones' (the vanishing gradient, on the log-scale plot).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from convlens.engine.training import Progress
from convlens.gui.views.repaint import repaint_in_one_rect
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

BINS = 41  # odd, so that one bin is centred on 0, where L1's spike is
# A weight is "near zero" below 1% of its layer's largest |w|. Relative, because layers differ
# in scale by 10x (init bound 1/sqrt(fan_in)); 1%, not less, because with Adam an L1-pulled
# weight jitters around 0 by about the learning rate instead of resting exactly at 0.
NEAR_ZERO = 0.01
LEGEND_ROWS = 6  # the gradient legend's names per column: a dock below the maps is low
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def near_zero_share(weights: np.ndarray, relative: float = NEAR_ZERO) -> float:
    """Share of weights with |w| below ``relative`` times the largest |w| (0 for all zeros)."""
    magnitude = np.abs(np.asarray(weights, dtype=np.float64)).ravel()
    largest = magnitude.max(initial=0.0)
    return float(np.mean(magnitude < relative * largest)) if largest > 0 else 1.0


class WeightsView(QWidget):
    """Histograms of the weights (``update_weights``) and gradient curves (``add_gradients``).

    Call ``update_weights`` on each training report (the numbers may be read mid-step, which a
    histogram does not mind), ``clear_gradients`` when a run starts.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plots = repaint_in_one_rect(pg.GraphicsLayoutWidget())
        self.plots.setBackground("w")  # like every other plot in the window
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plots)
        self.labels: dict[int, str] = {}
        self.histograms: dict[int, pg.PlotItem] = {}
        self.bars: dict[int, pg.BarGraphItem] = {}
        self.near_zero: dict[int, float] = {}  # layer index -> share of near-zero weights
        self.gradients: dict[int, list[float]] = {}  # layer index -> mean |grad| per report
        self.times: list[float] = []  # epochs done at each report
        self.curves: dict[int, pg.PlotDataItem] = {}
        self.gradient_plot: pg.PlotItem | None = None
        self.gradient_legend: pg.LegendItem | None = None

    def update_weights(self, weights: dict[int, tuple[str, np.ndarray]]) -> None:
        """Redraw every histogram from (label, weights) by layer index (see
        ``engine.weights.layer_weights``), rebuilding if the layers changed."""
        labels = {i: label for i, (label, _) in weights.items()}
        if labels != self.labels:
            self._build(labels)
        for i, (label, w) in weights.items():
            largest = float(np.abs(w).max()) or 1.0
            counts, edges = np.histogram(w, bins=BINS, range=(-largest, largest))
            self.bars[i].setOpts(x0=edges[:-1], width=np.diff(edges), height=counts)
            self.near_zero[i] = near_zero_share(w)
            self.histograms[i].setTitle(
                # two lines: a plot is at least as wide as its title, and one line made the
                # plots 1,044 px wide in an 862 px dock (a 1366x768 screen)
                f"{label}<br>{w.size:,} weights, {self.near_zero[i]:.0%} near 0",
                size="9pt",
            )

    def add_gradients(self, progress: Progress) -> None:
        """Append one report's mean |gradient| per layer to the log-scale curves."""
        grads = progress.grad_mean_abs
        if not grads:
            return
        if set(grads) != set(self.gradients):
            self.clear_gradients()
            self.gradients = {i: [] for i in sorted(grads)}
        self.times.append(progress.epoch - 1 + progress.step / progress.steps)
        for i, value in grads.items():
            self.gradients[i].append(value)
        if self.in_sight():  # else drawn once it is (draw_gradients)
            self.draw_gradients()

    def clear_gradients(self) -> None:
        self.times.clear()
        self.gradients = {i: [] for i in self.gradients}
        self.draw_gradients()

    def _build(self, labels: dict[int, str]) -> None:
        """One histogram per weighted layer in a grid of one to three rows, the gradient plot
        beside them: a dock below the maps is wide and low."""
        grid = self.plots.ci.layout
        for column in range(grid.columnCount()):  # the last network's grid
            grid.setColumnStretchFactor(column, 0)
        self.plots.clear()
        self.labels = labels
        self.histograms, self.bars, self.near_zero, self.curves = {}, {}, {}, {}
        if set(self.gradients) != set(labels):  # another network's curves must not carry over
            self.gradients = {}
            self.times.clear()
        # else they are of these layers: the run's reports from before its first build, when
        # the dock is first shown mid-run
        rows = 1 if len(labels) <= 3 else 2 if len(labels) <= 8 else 3
        columns = -(-len(labels) // rows)
        for n, i in enumerate(labels):
            plot = self.plots.addPlot(row=n // columns, col=n % columns)
            plot.getAxis("bottom").enableAutoSIPrefix(False)  # plain weights, not "w (x0.001)"
            plot.setMouseEnabled(x=False, y=False)
            bars = pg.BarGraphItem(x0=[0], width=[0], height=[0], brush=COLORS[n % len(COLORS)])
            plot.addItem(bars)
            self.histograms[i], self.bars[i] = plot, bars
        # The legend beside the plot, a column of at most LEGEND_ROWS names: inside it, the
        # legend hid the curves' upper right, where the last layers' gradients are; under it,
        # a row of names was wider than the plot.
        gradient_part = self.plots.addLayout(row=0, col=columns, rowspan=rows)
        self.gradient_plot = gradient_part.addPlot(row=0, col=0)
        legend_columns = -(-len(labels) // LEGEND_ROWS)
        self.gradient_legend = pg.LegendItem(colCount=legend_columns, labelTextColor="#333")
        gradient_part.addItem(self.gradient_legend, row=0, col=1)
        self.gradient_legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        gradient_part.layout.setAlignment(self.gradient_legend, Qt.AlignmentFlag.AlignTop)
        for column in range(columns):
            grid.setColumnStretchFactor(column, 1)
        grid.setColumnStretchFactor(columns, max(2, columns))  # about half the width
        self.gradient_plot.setTitle("mean |gradient| per layer<br>(log scale)", size="9pt")
        self.gradient_plot.setLogMode(y=True)
        self.gradient_plot.setLabel("bottom", "epochs")
        self.gradient_plot.getAxis("bottom").enableAutoSIPrefix(False)  # 0.7, not 700 (x0.001)
        self.gradient_plot.showGrid(y=True, alpha=0.25)
        for n, i in enumerate(labels):
            self.curves[i] = self.gradient_plot.plot(
                [], [], pen=pg.mkPen(COLORS[n % len(COLORS)], width=2)
            )
            self.gradient_legend.addItem(self.curves[i], labels[i])
        self.draw_gradients()

    def in_sight(self) -> bool:
        """Drawn on screen: a dock behind another's tab still counts as visible to Qt."""
        return not self.plots.viewport().visibleRegion().isEmpty()

    def draw_gradients(self) -> None:
        for i, curve in self.curves.items():
            values = self.gradients.get(i, [])
            curve.setData(self.times[: len(values)], values)
