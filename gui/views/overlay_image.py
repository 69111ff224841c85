"""A 28x28 input in grey with a signed map laid over it, and the map's colour bar.

The overlay is the app's diverging scale (blue negative, red positive) made see-through
towards 0, so the ink shows where the map says nothing. ``OverlayItem`` alone goes on any
other view of the input (the small network-input view of the left column).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from convlens.gui.views.map_image import INK_COLORMAP, colour_bar, symmetric_levels
from convlens.gui.views.repaint import repaint_in_one_rect
from PySide6.QtCore import QPointF, Signal

# The shared map colours, with an alpha that falls to 0 at the middle (value 0).
OVERLAY_COLORMAP = pg.ColorMap(
    [0.0, 0.25, 0.5, 0.75, 1.0],
    [
        (5, 48, 97, 235),
        (67, 147, 195, 170),
        (255, 255, 255, 0),
        (214, 96, 77, 170),
        (103, 0, 31, 235),
    ],
)
GREY_INK = pg.ColorMap([0.0, 1.0], [(255, 255, 255), (110, 110, 110)])  # the colours show on it


class OverlayItem(pg.ImageItem):
    """A (28, 28) signed map on OVERLAY_COLORMAP; ``image`` holds the values as given."""

    def __init__(self):
        super().__init__(axisOrder="row-major")
        self.setColorMap(OVERLAY_COLORMAP)
        self.setZValue(5)  # over the ink, under any outline

    def show_map(self, values: np.ndarray | None, levels: tuple[float, float]) -> None:
        """Show ``values`` on ``levels``; None hides the overlay."""
        if values is None:
            self.clear()
            self.setVisible(False)
            return
        self.setImage(values, autoLevels=False, levels=levels)
        self.setVisible(True)


class OverlayView(pg.GraphicsLayoutWidget):
    """The ink and its overlay, enlarged, beside a colour bar; a click or hover on a pixel
    says which (row, col) and the overlay's value there."""

    clicked = Signal(int, int)  # row, col
    hovered = Signal(int, int, float)  # row, col, the overlay's value (NaN: none shown)

    def __init__(self, label: str = "", side: int = 28, parent=None):
        super().__init__(parent)
        repaint_in_one_rect(self)
        self.setBackground("w")
        self.side = side
        self.view = self.addViewBox(row=0, col=0, invertY=True, lockAspect=True, enableMenu=False)
        self.view.setMouseEnabled(x=False, y=False)
        self.ink = pg.ImageItem(axisOrder="row-major")
        self.ink.setColorMap(GREY_INK)
        self.view.addItem(self.ink)
        self.overlay = OverlayItem()
        self.view.addItem(self.overlay)
        border = pg.QtWidgets.QGraphicsRectItem(0, 0, side, side)
        border.setPen(pg.mkPen("#999", width=1, cosmetic=True))
        self.view.addItem(border)
        self.view.setRange(xRange=(0, side), yRange=(0, side), padding=0.02)
        self.colorbar = colour_bar(OVERLAY_COLORMAP, label, width=12)
        self.addItem(self.colorbar, row=0, col=1)
        self.set_ink(None)
        self.scene().sigMouseClicked.connect(self._on_clicked)
        self.scene().sigMouseMoved.connect(self._on_moved)

    def set_ink(self, image: np.ndarray | None) -> None:
        """The input as grey ink (None: blank paper)."""
        image = np.zeros((self.side, self.side), np.float32) if image is None else image
        self.ink.setImage(image, autoLevels=False, levels=(0.0, 1.0))

    def set_ink_colors(self, dark: bool) -> None:
        """Black ink (the network input's own colours) or the default mid grey."""
        self.ink.setColorMap(INK_COLORMAP if dark else GREY_INK)

    def show_map(self, values: np.ndarray | None, levels: tuple[float, float] | None = None):
        """Lay ``values`` over the ink on ``levels`` (default: symmetric and round)."""
        if values is not None:
            levels = symmetric_levels(values) if levels is None else levels
            self.colorbar.setLevels(levels, update_items=False)
        self.overlay.show_map(values, levels)

    def levels(self) -> tuple[float, float]:
        return tuple(self.colorbar.levels())

    def pixel_at(self, scene_pos) -> tuple[int, int] | None:
        if not self.view.sceneBoundingRect().contains(scene_pos):
            return None
        point: QPointF = self.view.mapSceneToView(scene_pos)
        row, col = int(np.floor(point.y())), int(np.floor(point.x()))
        return (row, col) if 0 <= row < self.side and 0 <= col < self.side else None

    def _on_clicked(self, event) -> None:
        pixel = self.pixel_at(event.scenePos())
        if pixel is not None:
            event.accept()
            self.clicked.emit(*pixel)

    def _on_moved(self, scene_pos) -> None:
        pixel = self.pixel_at(scene_pos)
        if pixel is not None:
            values = self.overlay.image if self.overlay.isVisible() else None
            self.hovered.emit(*pixel, float("nan") if values is None else float(values[pixel]))
