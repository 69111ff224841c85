"""Ten bars for the ten digits' probabilities, the digit under each and its share over it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QWidget

BAR = QColor("#8fa9c9")
WINNER = QColor("#c0392b")
TICKS = (0.0, 0.5, 1.0)
GRID = QColor(0, 0, 0, 30)
TEXT = QColor("#222")
BAR_SHARE = 0.7  # of each digit's slot


class ProbabilityBars(QWidget):
    """Painted by hand: it is repainted at every stroke, and a pyqtgraph plot of the same
    bars took 4x the time (its axes, bars and labels run Python at each update and paint).

    ``set_values(probabilities, winner)`` shows them; ``clicked`` on a left click.
    """

    clicked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.values = np.zeros(10, np.float32)
        self.winner: int | None = None
        self._background: QPixmap | None = None  # see _paint_background
        self.setMinimumHeight(96)
        self.setToolTip("Click to see how the softmax turns the logits into these probabilities")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # it fills all it covers

    def set_values(self, values: np.ndarray, winner: int | None) -> None:
        """(10,) probabilities in [0, 1]; ``winner``: the bar drawn in the winner's colour."""
        self.values, self.winner = np.asarray(values, np.float32), winner
        self.update()

    def plot_rect(self) -> QRectF:
        """Where the bars stand: room left for the scale, under for the digits, over for the
        shares (a full bar's label included)."""
        metrics = self.fontMetrics()
        line = metrics.height()
        left = metrics.horizontalAdvance("100%") + 8
        return QRectF(left, line + 4, self.width() - left - 6, self.height() - 2 * line - 10)

    def bar_rect(self, digit: int, area: QRectF | None = None) -> QRectF:
        """Digit ``digit``'s bar, as tall as its probability (``area``: the plot_rect)."""
        area = self.plot_rect() if area is None else area
        slot = area.width() / len(self.values)
        height = min(max(float(self.values[digit]), 0.0), 1.0) * area.height()
        x = area.left() + (digit + (1 - BAR_SHARE) / 2) * slot
        return QRectF(x, area.bottom() - height, BAR_SHARE * slot, height)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._background = None

    def _paint_background(self) -> QPixmap:
        """The page, the scale and its lines, and the digits: drawn once per size (laying out
        their text took most of a paint)."""
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(self.size() * ratio)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.white)
        painter = QPainter(pixmap)
        painter.setFont(self.font())
        area = self.plot_rect()
        line = self.fontMetrics().height()
        painter.setPen(QPen(GRID, 0))
        for tick in TICKS:  # faint lines across at the scale's ticks
            y = area.bottom() - tick * area.height()
            painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
        painter.setPen(TEXT)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for tick in TICKS:
            y = area.bottom() - tick * area.height()
            painter.drawText(QRectF(0, y - line / 2, area.left() - 5, line), right, f"{tick:.0%}")
        slot = area.width() / len(self.values)
        for digit in range(len(self.values)):
            x = area.left() + digit * slot
            where = QRectF(x, area.bottom() + 2, slot, line)
            painter.drawText(where, Qt.AlignmentFlag.AlignCenter, str(digit))
        painter.end()
        return pixmap

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if self._background is None:
            self._background = self._paint_background()
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._background)
        area = self.plot_rect()
        line = self.fontMetrics().height()
        slot = area.width() / len(self.values)
        painter.setPen(TEXT)
        for digit, value in enumerate(self.values.tolist()):
            bar = self.bar_rect(digit, area)
            painter.fillRect(bar, WINNER if digit == self.winner else BAR)
            if value >= 0.005:  # a share that rounds to 0% is left out
                x = area.left() + digit * slot
                share = QRectF(x, bar.top() - line - 1, slot, line)
                painter.drawText(share, Qt.AlignmentFlag.AlignCenter, f"{value:.0%}")

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.button() == Qt.MouseButton.LeftButton:
            event.accept()
            self.clicked.emit()
        else:
            super().mousePressEvent(event)
