"""The whole network at a glance: every layer's output for the current input, left to right,
from the input image to the softmax, with faint lines for which maps feed which.

One ViewBox holds each layer's maps as one picture (a ``PixelImage``, built once per
architecture, refreshed in place), so the whole network repaints as one scene of a few items.
Maps stack in columns no taller than ``COLUMN_HEIGHT`` (more maps: more sub-columns); a
vector is a vertical strip. Each layer has its own symmetric colour scale (0 is white, as in
every view), kept steady between strokes.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from convlens.engine import spec
from convlens.engine.network import Trace
from convlens.gui.views.map_grid import number_label
from convlens.gui.views.map_image import (
    INK_TABLE,
    TABLE,
    PixelImage,
    mosaic,
    shared_colorize,
    steady_levels,
)
from convlens.gui.views.overview_layout import (
    CELL,
    COLUMN_GAP,
    COLUMN_HEIGHT,
    MAP_GAP,
    SHORT,
    Column,
    layout_column,
    short_name,
)
from convlens.gui.views.plain_label import PlainLabel
from convlens.gui.views.repaint import repaint_in_one_rect
from PySide6.QtCore import QPointF, QRectF, Signal
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen, QTransform
from PySide6.QtWidgets import (
    QGraphicsRectItem,
)

MAX_LINES = 1200  # connection lines between two layers, at most
LINKS_INK = 1500  # the lines between two layers share this much opacity (255 = one opaque)
SELECTED = QColor(255, 220, 80, 110)  # translucent: the links in the background show through
HEADING_ROOM = 14.0  # scene units above the maps kept for the headings, at least
HEADING_GAP = 8  # pixels between two headings on one row
HEADINGS_SHARE = 0.35  # of the view's height, at most, for the rows of headings
# Where the rows cannot hold every heading, the ones of higher rank give way first.
HEADING_RANKS = {"conv": 0, "dense": 0, "pool": 1}  # the others (activations, ...): 2
LEFT = -4.0  # scene x where the view's range begins


class NetworkOverview(pg.GraphicsLayoutWidget):
    """``set_layers(infos)`` builds the columns; ``set_trace(image, trace)`` shows values.

    ``clicked(layer, channel, row, col)`` (vectors: 0, 0, unit; the softmax: len(layers)) and
    ``hovered(text)`` report the value under the cursor; ``layer_clicked(layer)`` asks for
    that layer's detail (-1: the input).
    """

    clicked = Signal(int, int, int, int)
    layer_clicked = Signal(int)
    hovered = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        repaint_in_one_rect(self)
        self.setBackground("w")
        self.setAntialiasing(False)
        self.ci.layout.setContentsMargins(4, 4, 4, 4)
        self.view = self.addViewBox(invertY=True, lockAspect=True, enableMenu=False)
        self.view.setMouseEnabled(x=False, y=False)
        self.columns: list[Column] = []
        self.infos: list[spec.LayerInfo] = []
        self._selection: QGraphicsRectItem | None = None
        self._selected: int | None = None  # the layer whose column is marked
        self.headings: list[tuple[PlainLabel, float, int]] = []  # each, its centre x, rank
        self.digits: list[PlainLabel] = []  # beside the logits and the probabilities
        self._top = -HEADING_ROOM  # the top of the view's range: room for the headings
        self._width = 0.0  # the scene's width
        self._links: list[tuple[QPainterPath, QPen]] = []  # drawn as the background
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.view.sigResized.connect(self.place_headings)
        self.view.sigTransformChanged.connect(self.resetCachedContent)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    # --- building --------------------------------------------------------------------------
    def set_layers(self, infos: list[spec.LayerInfo]) -> None:
        """One column per layer, plus the input and the softmax (rebuilt only for new layers)."""
        if spec.same_architecture(infos, self.infos) and self.columns:
            return
        self.view.clear()
        self.infos, self.columns, self._selection, self.headings = list(infos), [], None, []
        self.digits = []
        self._links = []
        shapes = [(1, 28, 28), *(info.out_shape for info in infos), (infos[-1].out_shape[0],)]
        x = 0.0
        for number, shape in enumerate(shapes):
            column = layout_column(shape, x)
            column.layer = number - 1
            self._add_items(column)
            self.columns.append(column)
            x += column.width + COLUMN_GAP
        for before, after in zip(self.columns, self.columns[1:], strict=False):
            self._link(before, after)
        self._width = x - COLUMN_GAP + 26  # room right of the last column for its digits
        self._set_range()
        self.place_headings()
        self.resetCachedContent()  # the new links

    def _set_range(self) -> None:
        bottom = COLUMN_HEIGHT + 8
        self.view.setRange(QRectF(LEFT, self._top, self._width, bottom - self._top), padding=0)

    def place_headings(self) -> None:
        """The headings in as few rows as keep them apart at the present zoom (narrow
        columns: more rows), the view's range grown to hold the rows. A short view (a laptop
        with the Training dock open) holds only so many rows: the headings that fit in them
        stay, the layers with weights first, then pooling; hovering still names a layer."""
        size = self.view.size()
        if not self.headings or size.width() < 1 or size.height() < 1:
            return
        line_px = self.headings[0][0].boundingRect().height() + 1  # rows 1 px apart
        most_rows = max(1, int(HEADINGS_SHARE * size.height() / line_px))
        order = sorted(range(len(self.headings)), key=lambda i: self.headings[i][2])
        for _ in range(4):  # the rows change the range, and so the zoom: this settles fast
            height = COLUMN_HEIGHT + 8 - self._top
            unit = max(self._width / size.width(), height / size.height())  # scene per pixel
            spans: list[list[tuple[float, float]]] = []  # each row's headings' extents
            places: dict[int, tuple[float, int | None]] = {}
            for i in order:
                heading, centre, _ = self.headings[i]
                half = heading.boundingRect().width() * unit / 2
                # the first and last headings stay inside the view, however narrow
                centre = min(max(centre, LEFT + half), LEFT + self._width - half)
                gap = HEADING_GAP * unit
                span = (centre - half - gap / 2, centre + half + gap / 2)
                row = next(
                    (r for r, taken in enumerate(spans) if not _overlaps(span, taken)),
                    len(spans) if len(spans) < most_rows else None,
                )
                if row == len(spans):
                    spans.append([])
                if row is not None:
                    spans[row].append(span)
                places[i] = (centre, row)
            line = line_px * unit
            for i, (centre, row) in places.items():
                heading = self.headings[i][0]
                heading.setVisible(row is not None)
                if row is not None:
                    heading.setPos(centre, -(row + 1) * line - 2)  # row 0 nearest the maps
            top = min(-len(spans) * line - 4, -HEADING_ROOM)
            if abs(top - self._top) < 0.25:
                break
            self._top = top
            self._set_range()
        if self._selection is not None:  # it reaches up to the headings
            self.select(self._selected)
        self._fit_digits()

    def _fit_digits(self) -> None:
        """The digits beside the short vectors only where their rows hold them (a laptop
        with the Training dock open leaves a row 5 px: they were drawn over each other);
        hovering a value still says its unit (the logits) or digit (the softmax)."""
        if not self.digits:
            return
        row = CELL / self.view.viewPixelSize()[1]  # pixels
        fits = row >= 0.6 * self.digits[0].boundingRect().height()  # a digit's ink, about
        for label in self.digits:
            label.setVisible(fits)

    def _add_items(self, column: Column) -> None:
        info = self.infos[column.layer] if 0 <= column.layer < len(self.infos) else None
        name = "softmax" if column.layer == len(self.infos) else short_name(info)
        centre = column.x + column.width / 2
        heading = PlainLabel(name, centre, -HEADING_ROOM)  # placed by place_headings
        self.view.addItem(heading)
        self.headings.append(
            (heading, centre, HEADING_RANKS.get(info.layer.kind, 2) if info else 0)
        )
        column.item = PixelImage()  # the maps' mosaic starts where the first map does
        column.item.setPos(*column.origins[0])
        if not column.is_maps:  # one value per row, stretched to the strip's cells
            column.item.setTransform(QTransform.fromScale(column.width, column.cell[1]))
        self.view.addItem(column.item)
        if not column.is_maps and column.shape[0] <= SHORT:  # digits beside the logits
            x, y = column.origins[0]
            for unit in range(column.shape[0]):
                label = number_label(unit, x + column.width + 6, y + unit * CELL)
                self.view.addItem(label)
                self.digits.append(label)

    def _link(self, before: Column, after: Column) -> None:
        """Faint lines from the maps a layer reads to the maps it makes."""
        info = self.infos[after.layer] if after.layer < len(self.infos) else None
        layer = info.layer if info is not None else None
        n_in = before.shape[0] if before.is_maps else min(before.shape[0], 8)
        n_out = after.shape[0] if after.is_maps else min(after.shape[0], 8)
        if isinstance(layer, spec.Flatten):
            per_map = math.prod(before.shape[1:])
            pairs = [(c, c * per_map + per_map // 2) for c in range(before.shape[0])]
        elif before.is_maps and after.is_maps and not isinstance(layer, spec.Conv):
            pairs = [(c, c) for c in range(n_in)]  # per map: pooling, activation, ...
        else:  # every input feeds every output: a conv, a dense layer, the softmax
            step_in = 1 if before.is_maps else before.shape[0] / n_in
            step_out = 1 if after.is_maps else after.shape[0] / n_out
            pairs = [
                (int(i * step_in), int(o * step_out)) for i in range(n_in) for o in range(n_out)
            ]
            pairs = pairs[:: max(1, len(pairs) // MAX_LINES)]
        path = QPainterPath()
        for i, o in pairs:
            path.moveTo(before.anchor(i, right=True))
            path.lineTo(after.anchor(o, right=False))
        alpha = int(min(90, max(6, LINKS_INK / len(pairs))))  # many lines: each fainter
        self._links.append((path, QPen(QColor(120, 120, 120, alpha), 0)))  # 0: a hairline

    def drawBackground(self, painter, rect) -> None:  # noqa: N802 (Qt's name)
        """The links, under every map: the background is drawn once into the view's cache
        (until the zoom changes), so a stroke's repaint only copies it where maps changed;
        stroked lines, or even the pixmaps of cached items, were blended in at every repaint."""
        super().drawBackground(painter, rect)
        painter.save()
        painter.setTransform(self.view.childGroup.sceneTransform(), combine=True)
        for path, pen in self._links:
            painter.setPen(pen)
            painter.drawPath(path)
        painter.restore()

    # --- values ----------------------------------------------------------------------------
    def set_trace(self, image: np.ndarray | None, trace: Trace | None, levels=None) -> None:
        """The input image (28, 28) and every layer's output; None: a blank input.
        ``levels``: each layer's colour scale, when another view of the same values has one
        (the same value then has the same colour in both)."""
        if not self.columns:
            return
        ink = np.zeros((28, 28), np.float32) if image is None else image
        self._show(self.columns[0], ink[None], (0.0, 1.0), INK_TABLE)
        for column in self.columns[1:]:
            if trace is None:
                values = np.zeros(column.shape, np.float32)
            elif column.layer < len(trace.outputs):
                values = trace.outputs[column.layer]
            else:
                values = trace.probabilities
            given = levels[column.layer] if levels and column.layer < len(levels) else None
            self._show(column, values, given)

    def _show(self, column: Column, values: np.ndarray, levels=None, table=TABLE) -> None:
        if column.layer == len(self.infos):
            levels = (-1.0, 1.0)  # probabilities: one fixed scale
        elif levels is None:
            levels = steady_levels(values, column.fitted)
            if values.any():
                column.fitted = levels
        column.values, column.levels = values, tuple(levels)
        # Coloured once, whichever view asks first (the detail shows some of these arrays)
        pixels = shared_colorize(values, levels, table)
        if column.is_maps:
            pixels = mosaic(pixels, *column.grid, gap=int(MAP_GAP))
        column.item.set_pixels(pixels.reshape(-1, 1) if pixels.ndim == 1 else pixels)

    # --- selection, hover, click -----------------------------------------------------------
    def select(self, layer: int | None) -> None:
        """Mark the column of ``layer`` as the one whose detail is shown (None: no mark)."""
        if self._selection is not None:
            self.view.removeItem(self._selection)
            self._selection = None
        self._selected = layer
        column = next((c for c in self.columns if c.layer == layer), None)
        if column is not None:
            top = self._top + 2
            rect = QRectF(column.x - 6, top, column.width + 12, COLUMN_HEIGHT + 6 - top)
            self._selection = QGraphicsRectItem(rect)
            self._selection.setBrush(QBrush(SELECTED))
            self._selection.setPen(QPen(QColor(0, 0, 0, 0)))
            self._selection.setZValue(-10)
            self.view.addItem(self._selection)

    def column_at(self, point: QPointF) -> Column | None:
        for column in self.columns:
            if column.x - COLUMN_GAP / 2 <= point.x() < column.x + column.width + COLUMN_GAP / 2:
                return column
        return None

    def _hit(self, scene_pos) -> tuple[Column, tuple[int, int, int] | None] | None:
        if not self.view.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.view.mapSceneToView(scene_pos)
        column = self.column_at(point)
        return None if column is None else (column, column.cell_at(point))

    def _on_mouse_moved(self, scene_pos) -> None:
        hit = self._hit(scene_pos)
        if hit is None or hit[1] is None:
            return
        column, (index, row, col) = hit
        if column.values is None:
            return
        value = float(column.values[index, row, col] if column.is_maps else column.values[row])
        if column.layer < 0:
            where = f"Input · row {row}, column {col}"
        elif column.layer == len(self.infos):
            where = f"Softmax · digit {row}"
        else:
            where = f"Layer {column.layer} ({self.infos[column.layer].layer.kind})"
            where += (
                f" · map {index} · row {row}, column {col}" if column.is_maps else f" · unit {row}"
            )
        self.hovered.emit(f"{where}: {value:.4g}")

    def _on_mouse_clicked(self, event) -> None:
        hit = self._hit(event.scenePos())
        if hit is None:
            return
        event.accept()
        column, cell = hit
        self.layer_clicked.emit(column.layer)
        if cell is not None and column.layer >= 0:
            index, row, col = cell if column.is_maps else (0, 0, cell[1])  # a strip: the unit
            self.clicked.emit(column.layer, index, row, col)


def _overlaps(span: tuple[float, float], taken: list[tuple[float, float]]) -> bool:
    return any(span[0] < right and left < span[1] for left, right in taken)
