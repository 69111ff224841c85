"""Small building blocks of explain mode: a grid of numbers, and the receptive-field outline.

Numbers are shown with 3 significant digits; each cell's tooltip and ``NumberGrid.values``
keep the unrounded value, which is what tests compare.
"""

from __future__ import annotations

import numpy as np
from convlens.engine.explain import Field
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPen
from PySide6.QtWidgets import QAbstractItemView, QGraphicsRectItem, QTableWidget, QTableWidgetItem

POSITIVE = QColor(230, 85, 13)  # orange: pushes the sum up
NEGATIVE = QColor(49, 130, 189)  # blue: pulls it down
PADDING = QBrush(QColor(150, 150, 150, 110), Qt.BrushStyle.BDiagPattern)
HIGHLIGHT = QColor(255, 215, 0)
FIELD_COLOR = "#ffcc00"


def fmt(value: float) -> str:
    """3 significant digits, and exact zeros as '0' (never '-0')."""
    return "0" if value == 0 else f"{value:.3g}"


class NumberGrid(QTableWidget):
    """A read-only table of a 2-D array, coloured by sign and size, padded cells hatched."""

    def __init__(self, values, padded=None, highlight=None, integers: bool = False, parent=None):
        super().__init__(parent)
        self.integers = integers  # show whole numbers in full (vector indices)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.horizontalHeader().hide()
        self.verticalHeader().hide()
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        font = self.font()
        font.setPointSizeF(max(font.pointSizeF() - 2, 7))  # many grids side by side
        self.setFont(font)
        self.values: np.ndarray | None = None  # unrounded, as shown
        self.padded: np.ndarray | None = None
        self.highlight: tuple[int, int] | None = None
        self.set_values(values, padded, highlight)

    def set_values(self, values, padded=None, highlight=None) -> None:
        """Show ``values`` (2-D); ``padded`` marks zero-padding cells, ``highlight`` one cell."""
        values = np.asarray(values)
        padded = np.zeros(values.shape, bool) if padded is None else np.asarray(padded)
        if self._showing(values, padded, highlight):
            return  # a kernel during a step-through: nothing to redraw
        self.values, self.padded = values, padded
        rows, cols = values.shape
        if self.highlight is not None and self.item(*self.highlight) is not None:
            self.item(*self.highlight).setFont(self.font())  # un-bold the last highlight
        self.highlight = highlight
        if (self.rowCount(), self.columnCount()) != (rows, cols):
            self.setRowCount(rows)
            self.setColumnCount(cols)
            for r in range(rows):
                for c in range(cols):
                    item = QTableWidgetItem()
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    self.setItem(r, c, item)
        real = np.abs(self.values[~self.padded]) if (~self.padded).any() else np.zeros(1)
        scale = float(real.max()) or 1.0
        for r in range(rows):
            for c in range(cols):
                self._paint(self.item(r, c), self.values[r, c], self.padded[r, c], scale)
        if highlight is not None:
            item = self.item(*highlight)
            item.setBackground(HIGHLIGHT)
            bold = QFont(self.font())
            bold.setBold(True)
            item.setFont(bold)
        self._fit()

    def _showing(self, values: np.ndarray, padded: np.ndarray, highlight) -> bool:
        return (
            self.values is not None
            and np.array_equal(self.values, values)
            and np.array_equal(self.padded, padded)
            and self.highlight == highlight
        )

    def text(self, row: int, col: int) -> str:
        return self.item(row, col).text()

    def _paint(self, item: QTableWidgetItem, value, padded: bool, scale: float) -> None:
        item.setText(str(int(value)) if self.integers else fmt(float(value)))
        if padded:
            item.setToolTip("zero padding: not part of the input")
            item.setBackground(PADDING)
            item.setForeground(QColor(120, 120, 120))
            return
        item.setToolTip(repr(float(value)))
        color = QColor(POSITIVE if value >= 0 else NEGATIVE)
        color.setAlpha(int(25 + 150 * min(abs(float(value)) / scale, 1.0)))
        item.setBackground(color if not self.integers else QColor(0, 0, 0, 0))
        item.setForeground(self.palette().text())  # undo a padded cell's grey

    def _fit(self) -> None:
        """Size every cell to the longest number, and the widget to its cells (no scrolling)."""
        metrics = self.fontMetrics()
        texts = [
            self.item(r, c).text()
            for r in range(self.rowCount())
            for c in range(self.columnCount())
        ]
        # As wide as the widest 3-digit number without exponent, so that grids line up.
        widest = max([*texts, "" if self.integers else "-0.000123"], key=metrics.horizontalAdvance)
        width = metrics.horizontalAdvance(widest) + 12  # the style's cell margins
        height = metrics.height() + 6
        for c in range(self.columnCount()):
            self.setColumnWidth(c, width)
        for r in range(self.rowCount()):
            self.setRowHeight(r, height)
        frame = 2 * self.frameWidth()
        self.setFixedSize(width * self.columnCount() + frame, height * self.rowCount() + frame)


def field_rect(field: Field) -> QRectF:
    """The window in the pixel coordinates of an ImageItem showing the input map.

    With pyqtgraph's row-major image axis order, pixel (row, col) covers x in [col, col + 1]
    and y in [row, row + 1], so the window's corner is (left, top); it reaches outside the
    image where it covers zero padding.
    """
    return QRectF(field.left, field.top, field.size, field.size)


def field_item(field: Field, color: str = FIELD_COLOR, parent=None) -> QGraphicsRectItem:
    """An outline of ``field``; parent it to the map's ImageItem so it shares its coordinates.

    Move it during a step-through with ``item.setRect(field_rect(step.field))``.
    """
    item = QGraphicsRectItem(field_rect(field), parent)
    pen = QPen(QColor(color), 2)
    pen.setCosmetic(True)  # 2 screen pixels wide at any zoom
    item.setPen(pen)
    item.setZValue(10)
    return item


def padding_item(field: Field, parent=None) -> QGraphicsRectItem:
    """A dashed outline of the zero-padded input (the area the window may slide over)."""
    left, right, top, bottom = field.padding
    h, w = field.in_size
    item = QGraphicsRectItem(QRectF(-left, -top, w + left + right, h + top + bottom), parent)
    pen = QPen(QColor(160, 160, 160), 1, Qt.PenStyle.DashLine)
    pen.setCosmetic(True)
    item.setPen(pen)
    item.setZValue(9)
    return item
