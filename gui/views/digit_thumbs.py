"""Thumbnails of 28x28 digits, as the canvas shows ink (dark on white paper), framed in the
colour of the model's verdict: green when it reads the digit right, red when wrong."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem

SCALE = 2  # screen pixels per network pixel: 56x56 thumbnails
FRAME = 3  # the verdict's frame, in screen pixels
SIDE = 28 * SCALE + 2 * FRAME
RIGHT, WRONG, UNKNOWN = QColor("#2e7d32"), QColor("#c62828"), QColor("#bdbdbd")
PATH_ROLE = Qt.ItemDataRole.UserRole  # the item's key (a file path)


def thumbnail(image: np.ndarray, frame: QColor = UNKNOWN) -> QPixmap:
    """A (28, 28) uint8 digit (white ink on black) as dark ink on paper in a coloured frame."""
    paper = np.ascontiguousarray(255 - np.asarray(image, np.uint8))
    picture = QImage(paper.data, 28, 28, 28, QImage.Format.Format_Grayscale8)
    pixmap = QPixmap(SIDE, SIDE)
    pixmap.fill(frame)
    painter = QPainter(pixmap)
    painter.drawImage(FRAME, FRAME, picture.scaled(28 * SCALE, 28 * SCALE))  # sharp pixels
    painter.end()
    return pixmap


def dress(item: QListWidgetItem, image: np.ndarray, caption: str, frame: QColor, tip: str):
    """An item's thumbnail, caption and tooltip."""
    item.setIcon(QIcon(thumbnail(image, frame)))
    item.setText(caption)
    item.setToolTip(tip)


def verdict_colour(label: int, predicted: int | None) -> QColor:
    if predicted is None:
        return UNKNOWN
    return RIGHT if predicted == label else WRONG


class DigitStrip(QListWidget):
    """A row of digit thumbnails that wraps, each item keyed by ``PATH_ROLE`` and captioned."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setIconSize(QSize(SIDE, SIDE))
        self.setGridSize(QSize(SIDE + 10, SIDE + 22))
        self.setUniformItemSizes(True)
        self.setSelectionMode(QListWidget.SelectionMode.SingleSelection)

    def add(self, key: str, image: np.ndarray, caption: str, frame: QColor, tip: str):
        """A new thumbnail at the end; the item, to ``dress`` again later."""
        item = QListWidgetItem()
        item.setData(PATH_ROLE, key)
        dress(item, image, caption, frame, tip)
        self.addItem(item)
        return item

    def keys(self) -> list[str]:
        return [self.item(i).data(PATH_ROLE) for i in range(self.count())]

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit_height()

    def fit_height(self) -> None:
        """As tall as its rows need at the current width (the dock scrolls, not the strip)."""
        per_row = max(1, (self.viewport().width() or 1) // self.gridSize().width())
        rows = max(1, -(-self.count() // per_row))
        self.setFixedHeight(rows * self.gridSize().height() + 2 * self.frameWidth() + 4)
