"""One map on the shared diverging colour scale, drawn fast enough to redraw 100 per stroke."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFontMetricsF, QImage
from PySide6.QtWidgets import QGraphicsItem

# Blue for negative, red for positive, and 0 exactly white (the page), in every view: the 256
# bins put 0 in bin 128, so white spans the middle 2% of the scale.
COLORMAP = pg.ColorMap(
    [0.0, 0.25, 0.49, 0.51, 0.75, 1.0],
    [(5, 48, 97), (67, 147, 195), (255, 255, 255), (255, 255, 255), (214, 96, 77), (103, 0, 31)],
)
INK_COLORMAP = pg.ColorMap([0.0, 1.0], [(255, 255, 255), (0, 0, 0)])  # paper white, ink black
_NICE_STEPS = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (times a power of ten) >= ``value``."""
    if not value > 0 or not math.isfinite(value):
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(step * power for step in _NICE_STEPS if step * power >= value * (1 - 1e-9))


def symmetric_levels(values: np.ndarray) -> tuple[float, float]:
    """(-m, m), m the largest magnitude rounded up to a nice number: 0 is always the middle
    colour, and the scale stays put while a stroke changes the values a little."""
    largest = _largest_magnitude(values)
    m = 1.0 if largest is None else nice_ceiling(largest)
    return -m, m


def _largest_magnitude(values: np.ndarray) -> float | None:
    """The largest finite magnitude in ``values``, or None if none is finite."""
    if values.size:
        top = float(np.abs(values).max())  # one pass, no copy; only NaN or inf look closer
        if math.isfinite(top):
            return top
    finite = values[np.isfinite(values)]
    return float(np.abs(finite).max()) if finite.size else None


STEADY_SLACK = 2.0  # a scale stays while it is at most this many times wider than needed


def steady_levels(values: np.ndarray, current: tuple[float, float] | None) -> tuple[float, float]:
    """``current`` while it still suits ``values``: it holds their largest magnitude, and is
    no more than STEADY_SLACK times as wide; else (or with no ``current``)
    ``symmetric_levels(values)``. All zeros (a blank canvas) suit any scale. So the colours
    mean the same from one stroke, or digit, to the next, and the colour bar is not redrawn
    (the costly part of a repaint) on each."""
    if current is None:
        return symmetric_levels(values)
    need = _largest_magnitude(values) or 0.0
    top = current[1]
    if current[0] == -top and need <= top and (need == 0 or need * STEADY_SLACK >= top):
        return current
    return symmetric_levels(values)


def argb_table(colormap: pg.ColorMap) -> np.ndarray:
    """257 packed 0xAARRGGBB colours: the map's 256, then transparent (for NaN)."""
    rgba = colormap.getLookupTable(nPts=256, alpha=True).astype(np.uint32)
    packed = (rgba[:, 3] << 24) | (rgba[:, 0] << 16) | (rgba[:, 1] << 8) | rgba[:, 2]
    return np.append(packed, np.uint32(0)).astype(np.uint32)


def colorize(values: np.ndarray, levels: tuple[float, float], table: np.ndarray) -> np.ndarray:
    """Packed ARGB32 pixels for ``values`` of any shape (NaN -> the table's last entry)."""
    low, high = levels
    scale = 256.0 / (high - low) if high > low else 0.0  # 256 equal bins, as pyqtgraph
    index = np.clip((values - low) * scale, 0, 255)
    if np.isnan(index).any():  # kernel mosaics have NaN gaps
        index = np.where(np.isnan(index), 256, index)
    return np.ascontiguousarray(table[index.astype(np.intp)])


TABLE = argb_table(COLORMAP)
# Every colour here is opaque or wholly transparent, for which premultiplied ARGB is the same
# number; and it is the format Qt paints with, where plain ARGB32 is converted at every paint.
PIXEL_FORMAT = QImage.Format.Format_ARGB32_Premultiplied
INK_TABLE = argb_table(INK_COLORMAP)
SHARED_COLOURS = 64  # arrays whose colours are kept: every layer's output, twice over


class SharedColours:
    """``colorize`` that colours each array once: the overview and the layer detail show the
    same arrays of a trace on the same scale, and ask for their colours in turn.

    An array is known by identity, so it must not change in place once coloured (a trace's
    outputs never do); the last SHARED_COLOURS arrays are kept, with a reference each.
    """

    def __init__(self):
        self._kept: dict[int, tuple[np.ndarray, tuple, int, np.ndarray]] = {}

    def __call__(self, values: np.ndarray, levels: tuple[float, float], table: np.ndarray):
        levels = (float(levels[0]), float(levels[1]))
        kept = self._kept.get(id(values))
        if kept is not None and kept[0] is values and kept[1] == levels and kept[2] == id(table):
            return kept[3]
        pixels = colorize(values, levels, table)
        if len(self._kept) >= SHARED_COLOURS:
            self._kept.pop(next(iter(self._kept)))  # the oldest
        self._kept[id(values)] = (values, levels, id(table), pixels)
        return pixels


shared_colorize = SharedColours()


class MapImage(pg.ImageItem):
    """An ImageItem for small float maps (row-major; NaN transparent) on COLORMAP.

    ``image`` holds the values as given. Drawing is leaner than pyqtgraph's, which matters
    with a hundred maps redrawn per stroke: for an Indexed8 image pyqtgraph rebuilds a
    256-entry Qt colour table on every render (more work than colouring a 28x28 map), and
    its ``paint`` and ``boundingRect`` do more bookkeeping than a plain map needs. A grid
    colours all its maps in one NumPy operation and hands each its pixels (``show``).
    """

    def __init__(self):
        self._bounds = QRectF()
        self._pixels: np.ndarray | None = None  # keeps the QImage's memory alive
        super().__init__(axisOrder="row-major")

    def show(self, values: np.ndarray, levels: tuple[float, float], pixels=None) -> None:
        """Show (H, W) ``values`` on ``levels``; ``pixels``: their colours, if already made
        (else they are made when the map is next painted: never, while it is out of sight).

        A map of the same shape as before skips ``setImage``'s bookkeeping (level checks,
        geometry, signals that nothing here listens to): only its values and colours change.
        """
        if self.image is None or self.image.shape != values.shape:
            self.setImage(values, autoLevels=False, levels=levels)
        else:
            self.image, self.levels = values, levels
            self._renderRequired = True
        if pixels is not None:
            self._set_pixels(pixels)
        self.update()

    def setImage(self, image=None, **kwargs) -> None:
        if image is not None:
            bounds = QRectF(0, 0, image.shape[1], image.shape[0])
            if bounds != self._bounds:
                self.prepareGeometryChange()
                self._bounds = bounds
        super().setImage(image, **kwargs)

    def _set_pixels(self, pixels: np.ndarray) -> None:
        self._pixels = pixels
        height, width = pixels.shape
        self.qimage = QImage(pixels.data, width, height, 4 * width, PIXEL_FORMAT)
        self._renderRequired = False
        self._unrenderable = False

    def render(self) -> None:
        if self.image is None or self.image.size == 0 or self.levels is None:
            self._unrenderable = True
            return
        self._set_pixels(colorize(self.image, tuple(self.levels), TABLE))

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter, *args) -> None:
        if self.image is None:
            return
        if self._renderRequired:
            self.render()
        if not self._unrenderable:
            painter.drawImage(self._bounds, self.qimage)


class PixelImage(QGraphicsItem):
    """Ready-coloured ARGB32 pixels, one per scene unit: the least a picture can cost to
    refresh and to paint (no levels, no lookup, no signals)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._bounds = QRectF()
        self.pixels: np.ndarray | None = None  # keeps the QImage's memory alive
        self._qimage: QImage | None = None

    def set_pixels(self, pixels: np.ndarray) -> None:
        """Show (H, W) packed ARGB32 ``pixels`` (C-contiguous uint32)."""
        height, width = pixels.shape
        bounds = QRectF(0, 0, width, height)
        if bounds != self._bounds:
            self.prepareGeometryChange()
            self._bounds = bounds
        self.pixels = pixels
        self._qimage = QImage(pixels.data, width, height, 4 * width, PIXEL_FORMAT)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter, *args) -> None:
        if self._qimage is not None:
            painter.drawImage(self._bounds, self._qimage)


def mosaic(pixels: np.ndarray, rows: int, columns: int, gap: int) -> np.ndarray:
    """(count, H, W) pixels as one image: down each of ``columns`` columns of ``rows`` maps,
    ``gap`` transparent pixels between them."""
    count, height, width = pixels.shape
    out = np.zeros((columns * rows, height + gap, width + gap), pixels.dtype)
    out[:count, :height, :width] = pixels
    out = out.reshape(columns, rows, height + gap, width + gap).transpose(1, 2, 0, 3)
    whole = out.reshape(rows * (height + gap), columns * (width + gap))
    return np.ascontiguousarray(whole[: whole.shape[0] - gap, : whole.shape[1] - gap])


def colour_bar(colormap: pg.ColorMap, label: str, width: int) -> pg.ColorBarItem:
    """A fixed (not draggable) colour bar for a map view, without SI prefixes on its axis
    (re-rendering the prefixed label cost ~0.2 ms each time the levels changed)."""
    bar = pg.ColorBarItem(
        values=(-1, 1),
        colorMap=colormap,
        label=label,
        interactive=False,
        width=width,
        colorMapMenu=False,
    )
    bar.axis.enableAutoSIPrefix(False)
    return bar


def crowded_bar_ticks(bar: pg.ColorBarItem) -> list | None:
    """Ticks at the bar's two ends alone where the labels pyqtgraph gives it would not fit one
    above the other (it labels three ticks at least: on the 25 px bar of a squeezed row of
    maps they were drawn over each other), else None: pyqtgraph's own."""
    axis = bar.axis
    low, high = bar.levels()
    length = axis.geometry().height()
    ticks = axis.tickValues(low, high, length) if length > 0 else []
    labelled = len(ticks[0][1]) if ticks else 0  # its first level is always labelled
    if labelled * QFontMetricsF(axis.font()).height() <= length:
        return None
    return [[(low, f"{low:g}"), (high, f"{high:g}")]]
