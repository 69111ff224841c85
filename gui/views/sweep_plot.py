"""An experiment's plot: final training and validation accuracy (and loss) against the value.

The gap between the two accuracy lines is overfitting; both lines low is underfitting. Points
arrive one per finished run. Names (pool op, activation) sit on a categorical axis, one
place each in the order given; numbers on a numeric one, logarithmic when they are all
positive and span a factor of 20 or more (units 4 to 1024, learning rates).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from convlens.gui.views.repaint import repaint_in_one_rect
from convlens.gui.views.sweep_table import show_value
from PySide6.QtWidgets import QHBoxLayout, QWidget

SERIES = {  # key -> (plot, legend name, colour)
    "train_accuracy": ("accuracy", "training", "#1f77b4"),
    "val_accuracy": ("accuracy", "validation", "#ff7f0e"),
    "train_loss": ("loss", "training", "#1f77b4"),
    "val_loss": ("loss", "validation", "#ff7f0e"),
}


def log_scale(values: list) -> bool:
    """Whether numeric ``values`` read best on a logarithmic axis."""
    numbers = [v for v in values if not isinstance(v, str)]
    return bool(numbers) and min(numbers) > 0 and max(numbers) / min(numbers) >= 20


class SweepPlot(QWidget):
    """Passive: ``start(setting, values)``, then ``add_run(value, numbers)`` per run."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plots = {
            "accuracy": repaint_in_one_rect(pg.PlotWidget(background="w", title="Final accuracy")),
            "loss": repaint_in_one_rect(pg.PlotWidget(background="w", title="Final loss")),
        }
        self.series: dict[str, pg.PlotDataItem] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for name, plot in self.plots.items():
            plot.setMenuEnabled(False)
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.addLegend(offset=(-10, 10) if name == "loss" else (-10, -10))
            layout.addWidget(plot)
        for key, (plot, name, colour) in SERIES.items():
            pen = pg.mkPen(colour, width=2)
            self.series[key] = self.plots[plot].plot(
                pen=pen, symbol="o", symbolBrush=colour, symbolPen=pen, name=name
            )
        self._values: list = []
        self._points: dict = {}  # value -> {key: number}
        self._categorical = False

    def start(self, setting: str, values: list) -> None:
        """An empty plot for a sweep of ``setting`` over ``values``."""
        self._values, self._points = list(values), {}
        self._categorical = any(isinstance(v, str) for v in values)
        log = not self._categorical and log_scale(values)
        for plot in self.plots.values():
            plot.setLabel("bottom", setting)
            plot.setLogMode(x=log, y=False)
            axis = plot.getAxis("bottom")
            numbers = [math.log10(v) if log else v for v in values] if not self._categorical else []
            if self._categorical:  # one place per name, in the order given
                axis.setTicks([[(i, str(v)) for i, v in enumerate(values)]])
                plot.setXRange(-0.5, len(values) - 0.5)
            else:  # a log axis marks the values themselves (4, 16, 64), not powers of 10
                ticks = list(zip(numbers, map(show_value, values), strict=True))
                axis.setTicks([ticks] if log else None)
                low, high = min(numbers), max(numbers)
                pad = 0.1 * (high - low) or 0.5  # room for the last tick's label
                plot.setXRange(low - pad, high + pad, padding=0)
        self.plots["accuracy"].setYRange(0, 1, padding=0.02)  # the plateau seen against 100%
        for series in self.series.values():
            series.setData([], [])

    def add_run(self, value, numbers: dict[str, float | None]) -> None:
        """The final numbers of ``value``'s run (``SERIES`` keys; None: not measured)."""
        self._points[value] = numbers
        order = [v for v in self._values if v in self._points]  # categories in their order
        if not self._categorical:
            order.sort()
        for key, series in self.series.items():
            kept = [v for v in order if self._points[v].get(key) is not None]
            x = [self._values.index(v) for v in kept] if self._categorical else kept
            series.setData(np.asarray(x, float), np.asarray([self._points[v][key] for v in kept]))

    def points(self, key: str) -> list[tuple[float, float]]:
        """The (x, y) points of one series, as plotted (what the tests check)."""
        series = self.series[key]
        if series.xData is None:
            return []
        return list(zip(series.xData.tolist(), series.yData.tolist(), strict=True))
