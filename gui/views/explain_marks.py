"""Explain mode on the maps themselves: the receptive field outlined on the layer's input (the
network's input image for layer 0, else the previous layer's maps), the explained cell on the
output map, and during a step-through the output map filled cell by cell."""

from __future__ import annotations

import numpy as np
import shiboken6
from convlens.engine import explain as ex
from convlens.engine.receptive_field import receptive_field
from convlens.gui.views.feature_maps import FeatureMapView
from convlens.gui.views.map_grid import MapGrid
from convlens.gui.views.number_grid import FIELD_COLOR, field_item, padding_item
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem

CELL_COLOR = "#00c853"  # the explained output cell and its kernel: green
INPUT_FIELD_COLOR = "#ff6d00"  # what a deeper unit sees of the input image: orange


def _cell_item(parent: QGraphicsItem, row: int, col: int, color: str = FIELD_COLOR):
    """An outline of one cell (row, col) of the map ``parent`` shows."""
    return field_item(ex.Field(row, col, 1, 1, (0, 0)), color, parent)


def output_position(e: ex.Explanation) -> tuple[int, ...]:
    """Where the explained value sits in its layer's output."""
    if isinstance(e, ex.DenseExplanation):
        return (e.unit,)
    if isinstance(e, ex.FlattenExplanation):
        return (e.index,)
    if hasattr(e, "position"):
        return e.position
    return e.channel, e.row, e.col


class ExplainMarks:
    """Outlines over ``maps`` (and over ``input_item``, the input image, for layer 0)."""

    def __init__(self, maps: FeatureMapView, input_item: QGraphicsItem):
        self._maps = maps
        self._input_item = input_item
        self.field_outlines: list[QGraphicsRectItem] = []  # on the explained layer's input
        self.cell_outline: QGraphicsRectItem | None = None  # on the explained value's map
        self._padding_outlines: list[QGraphicsRectItem] = []
        # the input image's field of a deeper unit, the kernel in use among the kernels
        self.context_outlines: list[QGraphicsRectItem] = []
        self._filled: tuple[int, int] | None = None  # (layer, map) shown part-filled

    def _input_items(self, layer: int) -> list | None:
        """The ImageItems of what ``layer`` reads, one per channel (None for a vector)."""
        if layer == 0:
            return [self._input_item]
        view = self._maps.panels[layer - 1].output
        return view.items if isinstance(view, MapGrid) else None

    def show(self, e: ex.Explanation | None) -> None:
        """Outline what ``e`` explains (nothing for None or the softmax)."""
        self.clear()
        if e is None or isinstance(e, ex.SoftmaxExplanation):
            return
        layer = e.layer_index
        inputs = self._input_items(layer)
        if isinstance(e, ex.ConvExplanation | ex.PoolExplanation):
            channels = inputs if isinstance(e, ex.ConvExplanation) else [inputs[e.channel]]
            for item in channels:
                self.field_outlines.append(field_item(e.field, parent=item))
                if e.field.padded.any():  # the window is partly on the padding: show it
                    self._padding_outlines.append(padding_item(e.field, parent=item))
        elif isinstance(e, ex.FlattenExplanation):  # the map cell that lands in the vector
            self.field_outlines.append(_cell_item(inputs[e.channel], e.row, e.col))
        elif hasattr(e, "position") and len(e.position) == 3 and inputs is not None:
            channel, row, col = e.position  # an element-wise layer: the same cell on its input
            self.field_outlines.append(_cell_item(inputs[channel], row, col))
        position = output_position(e)
        if layer > 0 and len(position) == 3:  # a deeper unit: what it sees of the input image
            infos = [panel.info for panel in self._maps.panels]
            field = receptive_field(infos, layer, *position[1:])
            self.context_outlines.append(self._rect(self._input_item, field, INPUT_FIELD_COLOR))
        kernels = self._maps.panels[layer].kernels
        if isinstance(e, ex.ConvExplanation) and kernels is not None:  # the kernel in use
            item = kernels.items[e.channel]
            self.context_outlines.append(self._rect(item, None, CELL_COLOR))
        output = self._maps.panels[layer].output
        if isinstance(output, MapGrid):
            channel, row, col = position
            self.cell_outline = _cell_item(output.items[channel], row, col, CELL_COLOR)
        else:
            self.cell_outline = _cell_item(output.item, 0, position[0], CELL_COLOR)

    @staticmethod
    def _rect(parent: QGraphicsItem, field, color: str) -> QGraphicsRectItem:
        """An outline of ``field`` (top, left, bottom, right; None: all of ``parent``)."""
        rect = parent.boundingRect() if field is None else None
        if field is not None:
            rect = QRectF(field.left, field.top, field.right - field.left, field.bottom - field.top)
        item = QGraphicsRectItem(rect, parent)
        pen = QPen(QColor(color), 2)
        pen.setCosmetic(True)
        item.setPen(pen)
        item.setZValue(11)
        return item

    def clear(self) -> None:
        """No outline left; no map part-filled."""
        self.restore_fill()
        items = [
            *self.field_outlines,
            *self._padding_outlines,
            *self.context_outlines,
            self.cell_outline,
        ]
        for item in items:
            # An item whose map was rebuilt went with it; the others leave their scene.
            if item is not None and shiboken6.isValid(item) and item.scene() is not None:
                item.scene().removeItem(item)
        self.field_outlines, self._padding_outlines, self.context_outlines = [], [], []
        self.cell_outline = None

    def fill_until(self, layer: int, channel: int, index: int) -> None:
        """Show map ``channel`` of ``layer`` computed up to cell ``index`` (row-major)."""
        self.restore_fill()
        view = self._maps.panels[layer].output
        values = np.array(view.data[channel], np.float32)  # a copy: the grid keeps the full map
        values.reshape(-1)[index + 1 :] = np.nan  # NaN is transparent: not computed yet
        view.items[channel].show(values, view.levels())
        self._filled = (layer, channel)

    def restore_fill(self) -> None:
        if self._filled is not None:
            layer, channel = self._filled
            self._filled = None
            if layer < len(self._maps.panels):
                view = self._maps.panels[layer].output
                view.items[channel].show(view.data[channel], view.levels())
