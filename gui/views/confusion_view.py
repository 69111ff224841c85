"""The confusion matrix: true digit down, predicted digit across, a count in every cell."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont

COLORMAP = pg.ColorMap([0.0, 0.5, 1.0], [(255, 255, 255), (107, 174, 214), (8, 48, 107)])
FONT = QFont()
FONT.setPointSize(8)


class ConfusionView(pg.PlotWidget):
    """Built once: a 10x10 ImageItem and 100 number labels, updated by ``set_matrix``."""

    def __init__(self, parent=None):
        super().__init__(parent, background="w")
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.invertY(True)
        self.setLabels(left="true digit", bottom="predicted digit")
        ticks = [[(d + 0.5, str(d)) for d in range(10)]]
        self.getAxis("left").setTicks(ticks)
        self.getAxis("bottom").setTicks(ticks)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(COLORMAP)
        self.addItem(self.image)
        self.labels = []
        for true in range(10):
            for predicted in range(10):
                label = pg.TextItem("", anchor=(0.5, 0.5))
                label.setFont(FONT)
                label.setPos(predicted + 0.5, true + 0.5)
                self.addItem(label)
                self.labels.append(label)
        self.setRange(xRange=(0, 10), yRange=(0, 10), padding=0.02)
        self.matrix = np.zeros((10, 10), np.int64)

    def clear_matrix(self) -> None:
        """No evaluation to show (not ``clear``: PlotWidget's own, which drops every item)."""
        self.set_matrix(np.zeros((10, 10), np.int64))

    def set_matrix(self, matrix: np.ndarray) -> None:
        """Counts (10, 10), row = true digit, column = predicted; shaded on a log scale so
        that a handful of mistakes still shows beside a diagonal of a thousand."""
        self.matrix = np.asarray(matrix)
        shade = np.log1p(self.matrix.astype(np.float32))
        top = float(shade.max()) or 1.0
        self.image.setImage(shade, autoLevels=False, levels=(0, top))
        for label, count, value in zip(
            self.labels, self.matrix.ravel(), shade.ravel(), strict=True
        ):
            label.setText(str(count) if count else "")
            label.setColor("w" if value > 0.6 * top else "k")
