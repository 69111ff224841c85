"""The main window's explain side: a click on a value explains it, on the maps themselves too.

A click on a map value (or on the probability bars, for the softmax) shows its arithmetic in the
Explain dock. On the maps, the receptive field is outlined on the layer's input (the network's
input image for layer 0, else the previous layer's maps) and the explained cell on the output
map; the step-through fills that output map cell by cell while the outline slides.
"""

from __future__ import annotations

import numpy as np
import shiboken6
from convlens.engine import explain as ex
from convlens.engine.network import Network
from convlens.gui.explain_view import ExplainView
from convlens.gui.map_grid import MapGrid
from convlens.gui.number_grid import FIELD_COLOR, field_item, padding_item
from convlens.gui.throttle import Throttle
from PySide6.QtWidgets import QDockWidget, QGraphicsItem, QGraphicsRectItem

CELL_COLOR = "#00c853"  # the explained output cell: green, apart from the yellow window
# A big conv explanation (16 channels of patch, kernel and products) takes ~20 ms to refill;
# while drawing it follows at this pace, the maps at the canvas's.
EXPLAIN_INTERVAL_MS = 150


def architecture_key(model: Network) -> list:
    """Equal for two models whose every value has the same position (same layers and shapes)."""
    return [(repr(info.layer), info.out_shape) for info in model.infos]


class ExplainMixin:
    """Mixed into MainWindow, which provides model, trace, maps, inputs, prediction, status and
    ``_live_model``. ``_build_explain`` before the menus; ``sync_explain`` after each trace,
    ``flush_explain`` where the explanation must be up to date at once."""

    def _build_explain(self) -> None:
        self.explain = ExplainView()
        self.explain_dock = QDockWidget("Explain", self)
        self.explain_dock.setObjectName("explain_dock")
        self.explain_dock.setWidget(self.explain)
        self.field_outlines: list[QGraphicsRectItem] = []  # on the explained layer's input
        self.cell_outline: QGraphicsRectItem | None = None  # on the explained value's map
        self._padding_outlines: list[QGraphicsRectItem] = []
        self._where: tuple[int, int, int, int] | None = None  # kept while the canvas is blank
        self._explained_key: list | None = None  # architecture_key of the model at _where
        self._filled: tuple[int, int] | None = None  # (layer, map) shown part-filled
        self._explain_throttle = Throttle(EXPLAIN_INTERVAL_MS, self._sync_explain_now, self)
        self.explain_dock.toggleViewAction().toggled.connect(self._on_explain_dock_toggled)
        self.maps.map_clicked.connect(self._on_map_clicked)
        self.prediction.clicked.connect(self.explain_softmax)
        self.explain.step_changed.connect(self._on_explain_step)

    # --- what to explain -------------------------------------------------------------------
    def explain_value(self, layer: int, channel: int, row: int = 0, col: int = 0) -> None:
        """Explain output (channel, row, col) of ``layer`` (vectors: channel is the unit;
        ``len(model.layers)``: the softmax) for the current image, and show the Explain dock."""
        if self.trace is None:
            self.status.showMessage("Draw a digit first: there is nothing to explain yet", 5000)
            return
        self.flush_explain()  # the view's source is the current trace
        self._restore_fill()
        self.explain.explain_at(layer, channel, row, col)
        self._where, self._explained_key = self.explain.where, architecture_key(self.model)
        self.explain_dock.show()
        self.explain_dock.raise_()
        self._mark(self.explain.explanation)

    def explain_softmax(self) -> None:
        """Explain the probabilities (the softmax after the last layer)."""
        self.explain_value(len(self.model.layers), 0)

    def _on_map_clicked(self, layer: int, channel: int, row: int, col: int) -> None:
        if len(self.model.infos[layer].out_shape) == 1:  # the map view says (0, 0, unit)
            channel, row, col = col, 0, 0
        self.explain_value(layer, channel, row, col)

    def sync_explain(self) -> None:
        """After a new trace (drawing, training, another model): explain the same value again,
        soon (see EXPLAIN_INTERVAL_MS)."""
        self._filled = None  # the maps were all redrawn in full
        self._explain_throttle.request()

    def flush_explain(self) -> None:
        """Bring the explanation up to date with the trace now."""
        self._explain_throttle.flush()

    def _sync_explain_now(self) -> None:
        model = self._live_model or self.model
        self.explain.set_source(model, self.trace)
        if self.explain.where is not None:
            self._where = self.explain.where
        elif self._where is not None and self.trace is not None:
            if architecture_key(model) == self._explained_key:
                self.explain.explain_at(*self._where)  # another model of the same shape
            else:
                self._where = None
        self._mark(self.explain.explanation)

    def _on_explain_dock_toggled(self, shown: bool) -> None:
        if not shown:  # closing the panel ends explain mode: no outlines left on the maps
            self.forget_explain_marks()
            self.explain.clear()
            self._where = None

    def forget_explain_marks(self) -> None:
        """Before the panels may be rebuilt: outlines go, no map stays part-filled."""
        self._restore_fill()
        self._clear_marks()

    # --- the step-through ------------------------------------------------------------------
    def _on_explain_step(self, layer: int, channel: int, step: ex.Step) -> None:
        """Fill the output map up to this cell, and move the outlines to its window."""
        self._where = self.explain.where
        view = self.maps.panels[layer].output
        values = np.array(view.data[channel], np.float32)  # a copy: the grid keeps the full map
        values.reshape(-1)[step.index + 1 :] = np.nan  # NaN is transparent: not computed yet
        view.items[channel].show(values, view.levels())
        self._filled = (layer, channel)
        self._mark(self.explain.explanation)

    def _restore_fill(self) -> None:
        if self._filled is not None:
            layer, channel = self._filled
            view = self.maps.panels[layer].output
            view.items[channel].show(view.data[channel], view.levels())
            self._filled = None

    # --- outlines --------------------------------------------------------------------------
    def _input_items(self, layer: int) -> list | None:
        """The ImageItems of what ``layer`` reads, one per channel (None for a vector)."""
        if layer == 0:
            return [self.inputs.input_view.item]
        view = self.maps.panels[layer - 1].output
        return view.items if isinstance(view, MapGrid) else None

    def _mark(self, e: ex.Explanation | None) -> None:
        self._clear_marks()
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
            self.field_outlines.append(self._cell_item(inputs[e.channel], e.row, e.col))
        elif hasattr(e, "position") and len(e.position) == 3 and inputs is not None:
            channel, row, col = e.position  # an element-wise layer: the same cell on its input
            self.field_outlines.append(self._cell_item(inputs[channel], row, col))
        output = self.maps.panels[layer].output
        if isinstance(output, MapGrid):
            channel, row, col = self._output_position(e)
            self.cell_outline = self._cell_item(output.items[channel], row, col, CELL_COLOR)
        else:
            unit = e.index if isinstance(e, ex.FlattenExplanation) else self._output_position(e)[0]
            self.cell_outline = self._cell_item(output.item, 0, unit, CELL_COLOR)

    @staticmethod
    def _output_position(e) -> tuple[int, ...]:
        if isinstance(e, ex.DenseExplanation):
            return (e.unit,)
        if hasattr(e, "position"):
            return e.position
        return e.channel, e.row, e.col

    @staticmethod
    def _cell_item(parent: QGraphicsItem, row: int, col: int, color: str = FIELD_COLOR):
        """An outline of one cell (row, col) of the map ``parent`` shows."""
        return field_item(ex.Field(row, col, 1, 1, (0, 0)), color, parent)

    def _clear_marks(self) -> None:
        items = [*self.field_outlines, *self._padding_outlines, self.cell_outline]
        for item in items:
            # An item whose map was rebuilt went with it; the others leave their scene.
            if item is not None and shiboken6.isValid(item) and item.scene() is not None:
                item.scene().removeItem(item)
        self.field_outlines, self._padding_outlines, self.cell_outline = [], [], None
