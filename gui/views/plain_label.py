"""Text in a pyqtgraph view that costs nothing to repaint: a plain Qt item, its size fixed in
pixels whatever the zoom, drawn once into a pixmap, anchored like pyqtgraph's TextItem.

A pyqtgraph TextItem runs Python on every repaint and every view change (hundreds of
labels made the first paint of a window's plots take ~100 ms); this runs none.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSimpleTextItem


class PlainLabel(QGraphicsSimpleTextItem):
    """``text`` at view point (x, y); ``anchor`` (0..1, 0..1) is the point of the text put
    there: (0.5, 0) centres it under the point, (0.5, 0.5) on it."""

    def __init__(
        self,
        text: str,
        x: float,
        y: float,
        anchor: tuple[float, float] = (0.5, 0.0),
        color: str = "#333",
        font: QFont | None = None,
    ):
        super().__init__()
        self.anchor = anchor
        if font is not None:
            self.setFont(font)
        self.set_color(color)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        # Laid out and drawn once into a pixmap: text costs far more to draw than a map
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setPos(x, y)
        self.set_text(text)

    def set_text(self, text: str) -> None:
        if text == self.text():
            return
        self.setText(text)
        box = self.boundingRect()
        ax, ay = self.anchor
        self.setTransform(QTransform.fromTranslate(-ax * box.width(), -ay * box.height()))

    def set_color(self, color: str) -> None:
        self.setBrush(QColor(color))
