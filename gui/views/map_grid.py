"""Pictures of numbers: a grid of equal maps, or a one-row strip, on one shared colour scale.

Each map is its own ``ImageItem``, placed side by side in a single ``ViewBox`` (far cheaper
than a ViewBox per map). Items are built once and refreshed with ``setImage``; the scale is
symmetric around 0 on a diverging colormap, so a negative number never looks like a positive
one and 0 is always the same pale colour, in every layer.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from convlens.gui.views.map_image import (
    COLORMAP,
    TABLE,
    MapImage,
    colour_bar,
    crowded_bar_ticks,
    shared_colorize,
    steady_levels,
)
from convlens.gui.views.plain_label import PlainLabel
from convlens.gui.views.repaint import repaint_in_one_rect
from PySide6.QtCore import QPointF, QRectF, QSize, Signal
from PySide6.QtWidgets import (
    QGraphicsRectItem,
    QSizePolicy,
)

FRAME_PEN = pg.mkPen("#9e9e9e", width=1, cosmetic=True)
MAP_PIXELS = 60  # on-screen side of every map, whatever its size: the grids line up
MAX_COLUMNS = 16
MAPS_LEAST_WIDTH = 360  # pixels the maps of one row keep, at least, however many
MAX_NUMBERED = 32  # strips this short get a number under each value (the logits: digits)


def number_label(number: int, x: float, y: float) -> PlainLabel:
    """A map's number, centred under (x, y)."""
    return PlainLabel(str(number), x, y)


class ScaledView(pg.GraphicsLayoutWidget):
    """A ViewBox of images beside a labelled colour bar; reports hovered and clicked cells.

    Subclasses place the images and say which (index, row, col) a view point falls on.
    """

    hovered = Signal(int, int, int, float)  # map index, row, col, value
    clicked = Signal(int, int, int)  # map index, row, col
    double_clicked = Signal(int, int, int)  # the same, after ``clicked`` for its first click

    def __init__(self, label: str, parent=None):
        super().__init__(parent)
        repaint_in_one_rect(self)
        self.setBackground("w")
        self.setAntialiasing(False)  # axis-aligned pixels and frames: nothing to smooth
        self.ci.layout.setContentsMargins(2, 7, 2, 7)  # room for the scale's end labels
        self.view = self.addViewBox(row=0, col=0, invertY=True, enableMenu=False)
        self.view.setMouseEnabled(x=False, y=False)
        self.colorbar = colour_bar(COLORMAP, label, width=10)
        self.addItem(self.colorbar, row=0, col=1)
        self.data = np.zeros((0, 1, 1), np.float32)
        self._levels = (-1.0, 1.0)  # the scale of ``data``
        self._fitted: tuple[float, float] | None = None  # the scale last fitted to values
        self._stale = False  # ``data`` waits to be drawn until the view is shown
        self._bar_ticks: list | None = None  # the bar's own ticks, where pyqtgraph's crowd it
        self.sigDeviceRangeChanged.connect(self._fit_bar_ticks)  # resized: the bar laid out
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    def levels(self) -> tuple[float, float]:
        """The colour scale of the values held (drawn or not yet)."""
        return self._levels

    def _hold(self, data: np.ndarray, levels: tuple[float, float]) -> None:
        """Keep ``data`` on ``levels``, and draw it now if in sight, else once shown: a
        layer whose detail is not open costs nothing per stroke."""
        self.data, self._levels = data, tuple(levels)
        self._stale = not self.isVisible()
        if not self._stale:
            self._draw()

    def _draw(self) -> None:
        """Colour ``data`` into the images, and the bar's scale."""
        raise NotImplementedError

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self._draw()

    def _steady_levels(self, values: np.ndarray) -> tuple[float, float]:
        """``steady_levels`` against the scale of the last values that were not all zeros
        (none at first: the bar's placeholder scale is not kept for the first real values)."""
        levels = steady_levels(values, self._fitted)
        if values.any():
            self._fitted = levels
        return levels

    def _show_levels(self) -> None:
        if self._levels != tuple(self.colorbar.levels()):  # redrawing the bar's axis is costly
            self.colorbar.setLevels(self._levels, update_items=False)
            self._fit_bar_ticks()

    def _fit_bar_ticks(self, *_) -> None:
        ticks = crowded_bar_ticks(self.colorbar)
        if ticks != self._bar_ticks:
            self._bar_ticks = ticks
            self.colorbar.axis.setTicks(ticks)

    def cell_at(self, point: QPointF) -> tuple[int, int, int] | None:
        """(map index, row, col) under a point in view coordinates, or None."""
        raise NotImplementedError

    def _cell_at_scene(self, scene_pos) -> tuple[int, int, int] | None:
        if not self.view.sceneBoundingRect().contains(scene_pos):
            return None
        return self.cell_at(self.view.mapSceneToView(scene_pos))

    def _on_mouse_moved(self, scene_pos) -> None:
        cell = self._cell_at_scene(scene_pos)
        if cell is not None:
            index, row, col = cell
            self.hovered.emit(index, row, col, float(self.data[index, row, col]))

    def _on_mouse_clicked(self, event) -> None:
        cell = self._cell_at_scene(event.scenePos())
        if cell is not None:
            event.accept()
            (self.double_clicked if event.double() else self.clicked).emit(*cell)


class MapGrid(ScaledView):
    """``count`` maps of ``shape`` (H, W) in rows of up to MAX_COLUMNS, each numbered."""

    def __init__(self, count: int, shape: tuple[int, int], label: str, parent=None):
        super().__init__(label, parent=parent)
        height, width = shape
        self.shape = (height, width)
        self.columns = min(count, MAX_COLUMNS)
        self.rows = math.ceil(count / self.columns)
        self._pitch = (width * 1.15, height * 1.4)  # room between maps for the numbers
        self.items: list[MapImage] = []
        self.numbers: list[PlainLabel] = []
        for i in range(count):
            x, y = self._origin(i)
            item = MapImage()
            item.setPos(x, y)
            self.view.addItem(item)
            self.items.append(item)
            frame = QGraphicsRectItem(x, y, width, height)  # 0 is near white, like the page
            frame.setPen(FRAME_PEN)
            self.view.addItem(frame)
            number = number_label(i, x + width / 2, y + height)
            self.view.addItem(number)
            self.numbers.append(number)
        total = QRectF(
            -0.1 * width,
            -0.1 * height,
            self.columns * self._pitch[0] + 0.05 * width,
            self.rows * self._pitch[1] + 0.05 * height,
        )
        self.view.setRange(total, padding=0)
        self.view.setAspectLocked(True)
        # 16 maps of 22 px at least (and the scale's 90 px): a layer's detail then fits beside
        # an explanation at 1366x768, where 25 px ones needed a sideways scroll bar
        self.setMinimumWidth(min(self.columns * MAP_PIXELS, MAPS_LEAST_WIDTH) + 90)
        # As tall as MAP_PIXELS maps need, or down to 27% of that where the screen is short
        # (a laptop; about what the width leaves them there): the layer's detail then fits
        # without scrolling.
        tallest = int(self.rows * MAP_PIXELS * 1.4 * max(1.0, height / width)) + 26
        self.setMinimumHeight(int(0.27 * tallest) + 12)
        self.setMaximumHeight(tallest)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.view.sigResized.connect(self._fit_numbers)
        self.set_maps(np.zeros((count, height, width), np.float32))

    def _fit_numbers(self) -> None:
        """The maps' numbers only where the gap under each row holds them and the last row's
        stay in the view (squeezed onto a laptop they do not; hovering still names a map)."""
        scene_per_pixel = self.view.viewPixelSize()[1]
        if scene_per_pixel <= 0 or not self.numbers:
            return
        gap = (self._pitch[1] - self.shape[0]) / scene_per_pixel
        last = self.numbers[-1]  # the last row's may hang below the maps, not off the view
        height = last.boundingRect().height()
        bottom = self.view.mapViewToScene(last.pos()).y() + height
        fits = (self.rows == 1 or gap >= height) and bottom <= self.height()
        for number in self.numbers:
            number.setVisible(fits)

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.maximumHeight())

    def _origin(self, index: int) -> tuple[float, float]:
        row, col = divmod(index, self.columns)
        return col * self._pitch[0], row * self._pitch[1]

    def set_maps(self, maps: np.ndarray, levels: tuple[float, float] | None = None) -> None:
        """Show ``maps`` (count, H, W); the scale is symmetric around 0 unless ``levels``."""
        self._hold(maps, levels or self._steady_levels(maps))

    def _draw(self) -> None:
        pixels = shared_colorize(self.data, self._levels, TABLE)
        for item, values, colors in zip(self.items, self.data, pixels, strict=True):
            item.show(values, self._levels, colors)
        self._show_levels()

    def cell_at(self, point: QPointF) -> tuple[int, int, int] | None:
        col_f, row_f = point.x() / self._pitch[0], point.y() / self._pitch[1]
        if col_f < 0 or row_f < 0 or col_f >= self.columns:
            return None
        index = int(row_f) * self.columns + int(col_f)
        if index >= len(self.items):
            return None
        x, y = self._origin(index)
        row, col = int(point.y() - y), int(point.x() - x)
        height, width = self.shape
        if 0 <= row < height and 0 <= col < width and point.y() >= y and point.x() >= x:
            return index, row, col
        return None


class StripView(ScaledView):
    """A vector as a one-row image: flattened maps, dense units, logits."""

    def __init__(self, length: int, label: str, parent=None):
        super().__init__(label, parent=parent)
        self.item = MapImage()
        self.view.addItem(self.item)
        numbered = length <= MAX_NUMBERED
        for i in range(length if numbered else 0):
            self.view.addItem(number_label(i, i + 0.5, 1.0))
        self.view.setRange(QRectF(0, 0, length, 1.6 if numbered else 1), padding=0)
        self.setFixedHeight(94 if numbered else 78)
        self.set_vector(np.zeros(length, np.float32))

    def set_vector(self, vector: np.ndarray) -> None:
        """Show ``vector`` (N,) with a symmetric scale."""
        self._vector = vector  # the array itself, whose colours the overview shares
        self._hold(vector.reshape(1, 1, -1), self._steady_levels(vector))

    def _draw(self) -> None:
        pixels = shared_colorize(self._vector, self._levels, TABLE)
        self.item.show(self.data[0], self._levels, pixels.reshape(1, -1))
        self._show_levels()

    def cell_at(self, point: QPointF) -> tuple[int, int, int] | None:
        col = math.floor(point.x())
        if 0 <= col < self.data.shape[2] and 0 <= point.y() < 1:
            return 0, 0, col
        return None
