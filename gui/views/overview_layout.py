"""Where the overview puts things: each layer's column of maps (or strip for a vector), in
scene units where one map pixel is one unit, and the heading it carries."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from convlens.engine import spec
from convlens.gui.views.map_image import PixelImage
from PySide6.QtCore import QPointF

COLUMN_HEIGHT = 260.0  # scene units; a 28x28 map is 28 units
MAP_GAP = 2.0
COLUMN_GAP = 24.0
STRIP = 6.0  # width of a long vector's strip
CELL = 12.0  # side of one value of a short vector (the logits, the probabilities)
SHORT = 32  # vectors this short get a cell per value


def short_name(info: spec.LayerInfo | None) -> str:
    """A column's heading: 'conv 16×5²', 'relu', 'max pool', 'dense 128'."""
    if info is None:
        return "input"
    layer = info.layer
    if isinstance(layer, spec.Conv):
        stride = f"/{layer.stride}" if layer.stride > 1 else ""
        return f"conv {layer.filters}×{layer.size}²{stride}"
    if isinstance(layer, spec.Activation):
        return layer.function.replace("leaky_relu", "leaky")
    if isinstance(layer, spec.Pool):
        return f"{layer.op} pool"
    if isinstance(layer, spec.Dense):
        return f"dense {layer.units}"
    return layer.kind


@dataclass
class Column:
    """One layer's output (``layer`` -1: the input image; len(layers): the softmax)."""

    layer: int
    shape: tuple[int, ...]
    x: float = 0.0
    width: float = 0.0
    origins: list[tuple[float, float]] = field(default_factory=list)  # each map's top left
    grid: tuple[int, int] = (1, 1)  # maps: (rows, columns) they are stacked in
    item: PixelImage | None = None  # every map of the layer in one picture, or the strip
    values: np.ndarray | None = None  # what it shows: (C, H, W) maps, (N,) a vector
    levels: tuple[float, float] | None = None  # their colour scale
    cell: tuple[float, float] = (1.0, 1.0)  # a vector value's (width, height) in scene units
    fitted: tuple[float, float] | None = None  # the colour scale last fitted

    @property
    def is_maps(self) -> bool:
        return len(self.shape) == 3

    def anchor(self, index: int, right: bool) -> QPointF:
        """Where a connection line meets map (or vector element) ``index``."""
        if self.is_maps:
            x, y = self.origins[index]
            _, h, w = self.shape
            return QPointF(x + (w if right else 0.0), y + h / 2)
        x, y = self.origins[0]
        return QPointF(x + (self.width if right else 0.0), y + (index + 0.5) * self.cell[1])

    def cell_at(self, point: QPointF) -> tuple[int, int, int] | None:
        if self.is_maps:
            _, h, w = self.shape
            for index, (x, y) in enumerate(self.origins):
                if x <= point.x() < x + w and y <= point.y() < y + h:
                    return index, int(point.y() - y), int(point.x() - x)
            return None
        x, y = self.origins[0]
        unit = math.floor((point.y() - y) / self.cell[1])
        if x <= point.x() < x + self.width and 0 <= unit < self.shape[0]:
            return 0, unit, 0  # a vector is shown as one value per row
        return None


def layout_column(shape: tuple[int, ...], x: float) -> Column:
    """Place a layer's maps in sub-columns (or its vector as a strip) starting at ``x``."""
    column = Column(-2, shape, x)
    if len(shape) == 3:
        count, h, w = shape
        per_column = max(1, int((COLUMN_HEIGHT + MAP_GAP) // (h + MAP_GAP)))
        columns = math.ceil(count / per_column)
        rows = math.ceil(count / columns)
        top = (COLUMN_HEIGHT - (rows * (h + MAP_GAP) - MAP_GAP)) / 2
        for i in range(count):
            c, r = divmod(i, rows)
            column.origins.append((x + c * (w + MAP_GAP), top + r * (h + MAP_GAP)))
        column.grid = (rows, columns)
        column.width = columns * (w + MAP_GAP) - MAP_GAP
        return column
    n = shape[0]
    width, height = (CELL, CELL) if n <= SHORT else (STRIP, min(COLUMN_HEIGHT, n) / n)
    column.cell, column.width = (width, height), width
    column.origins.append((x, (COLUMN_HEIGHT - n * height) / 2))
    return column
