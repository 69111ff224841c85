"""The confusion matrix: true digit down, predicted digit across, a count in every cell.

Hovering a cell reports its count (``hovered(text)``); clicking it asks for its images
(``cell_clicked(true, predicted)``), once there is a matrix to click.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from convlens.gui.views.plain_label import PlainLabel
from convlens.gui.views.repaint import repaint_in_one_rect
from PySide6.QtCore import QPointF, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QGraphicsRectItem

COLORMAP = pg.ColorMap([0.0, 0.5, 1.0], [(255, 255, 255), (107, 174, 214), (8, 48, 107)])


def cell_text(true: int, predicted: int, count: int) -> str:
    """What hovering a cell says."""
    images = f"{count:,} test digit{'' if count == 1 else 's'}"
    verdict = "read correctly" if true == predicted else f"read as {predicted}"
    return f"Labelled {true}, {verdict}: {images} (click to see them)"


def _digit_ticks(step: int) -> list:
    """Ticks at the middle of every ``step``-th digit's cells, from 0."""
    return [[(d + 0.5, str(d)) for d in range(0, 10, step)]]


class ConfusionView(pg.PlotWidget):
    """Built once: a 10x10 ImageItem and 100 number labels, updated by ``set_matrix``."""

    cell_clicked = Signal(int, int)  # true digit, predicted digit
    hovered = Signal(str)  # the count of the cell under the cursor, in words

    def __init__(self, parent=None):
        super().__init__(parent, background="w")
        repaint_in_one_rect(self)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.invertY(True)
        self.setLabels(left="true digit", bottom="predicted digit")
        self.getAxis("bottom").setTicks(_digit_ticks(1))
        self._tick_step = 0  # of the true digits' ticks: set by _fit_text
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(COLORMAP)
        self.addItem(self.image)
        self.labels = []
        font = QFont(self.font())  # the app's family (a QFont made before the app is a serif)
        font.setPointSize(8)
        for true in range(10):
            for predicted in range(10):
                label = PlainLabel("", predicted + 0.5, true + 0.5, (0.5, 0.5), font=font)
                self.addItem(label)
                self.labels.append(label)
        self.outline = QGraphicsRectItem(0, 0, 1, 1)  # the cell whose images are listed
        self.outline.setPen(pg.mkPen("#d62728", width=2, cosmetic=True))
        self.outline.setVisible(False)
        self.addItem(self.outline)
        self.setRange(xRange=(0, 10), yRange=(0, 10), padding=0.02)
        self.matrix = np.zeros((10, 10), np.int64)
        self._metrics = QFontMetrics(font)
        self.getViewBox().sigResized.connect(self._fit_text)
        self._fit_text()
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    def clear_matrix(self) -> None:
        """No evaluation to show (not ``clear``: PlotWidget's own, which drops every item)."""
        self.set_matrix(np.zeros((10, 10), np.int64))

    def set_matrix(self, matrix: np.ndarray) -> None:
        """Counts (10, 10), row = true digit, column = predicted; shaded on a log scale so
        that a handful of mistakes still shows beside a diagonal of a thousand."""
        matrix = np.asarray(matrix)
        if self.image.image is not None and np.array_equal(matrix, self.matrix):
            return  # the counts shown (each report of a run clears them): nothing to redraw
        self.matrix = matrix.copy()  # its own: what the caller's array becomes is not shown
        shade = np.log1p(self.matrix.astype(np.float32))
        top = float(shade.max()) or 1.0
        self.image.setImage(shade, autoLevels=False, levels=(0, top))
        for label, count, value in zip(
            self.labels, self.matrix.ravel(), shade.ravel(), strict=True
        ):
            label.set_text(str(count) if count else "")
            label.set_color("white" if value > 0.6 * top else "black")
        self._fit_text()
        if not self.matrix.any():
            self.select_cell(None)

    def _labels_fit(self) -> bool:
        """Whether the cells hold their counts: a line of text, and the widest but for a
        little that spills over (a diagonal of 4-digit counts sits among 1-digit ones)."""
        width, height = (1 / size for size in self.getViewBox().viewPixelSize())
        widest = max(self._metrics.horizontalAdvance(label.text()) for label in self.labels)
        return width >= 0.75 * widest and height >= self._metrics.height()

    def _fit_text(self) -> None:
        """The counts where the cells hold them, else none, and the true digits' ticks that
        have room: a shaded matrix whose counts show on hover reads better than a hundred
        numbers drawn over each other (the Training dock of a 1366x768 screen leaves it
        ~50 px)."""
        fit = self._labels_fit()
        if fit != self.labels[0].isVisible():
            for label in self.labels:
                label.setVisible(fit)
        row = 1 / self.getViewBox().viewPixelSize()[1]
        step = min(9, math.ceil(self.fontMetrics().height() / row))
        if step != self._tick_step:
            self._tick_step = step
            self.getAxis("left").setTicks(_digit_ticks(step))

    def select_cell(self, cell: tuple[int, int] | None) -> None:
        """Outline the cell (true, predicted) whose images are shown; None: no outline."""
        self.outline.setVisible(cell is not None)
        if cell is not None:
            true, predicted = cell
            self.outline.setRect(predicted, true, 1, 1)

    def cell_at(self, scene_pos) -> tuple[int, int] | None:
        """The (true, predicted) cell at a scene position, if any."""
        point: QPointF = self.getPlotItem().vb.mapSceneToView(scene_pos)
        predicted, true = int(np.floor(point.x())), int(np.floor(point.y()))
        if 0 <= true < 10 and 0 <= predicted < 10:
            return true, predicted
        return None

    def _on_mouse_moved(self, scene_pos) -> None:
        cell = self.cell_at(scene_pos)
        if cell is not None and self.matrix.any():
            self.hovered.emit(cell_text(*cell, int(self.matrix[cell])))

    def _on_mouse_clicked(self, event) -> None:
        cell = self.cell_at(event.scenePos())
        if cell is not None and self.matrix.any():  # an empty matrix belongs to no model
            event.accept()
            self.cell_clicked.emit(*cell)
