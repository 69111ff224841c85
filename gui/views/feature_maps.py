"""Every layer of the network, top to bottom: kernels, feature maps and vectors, live.

A passive view: ``set_layers`` builds one ``LayerPanel`` per layer (only when the layers
change), ``set_weights`` and ``set_trace`` refresh the pictures in place.
"""

from __future__ import annotations

import math

import numpy as np
from convlens.engine import spec
from convlens.engine.network import Trace
from convlens.gui.views.layer_panel import KERNELS, LayerPanel, mosaic_cell
from convlens.gui.views.map_dialog import MapDialog
from convlens.gui.views.map_grid import MapGrid
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget


def wrap_vector(vector: np.ndarray) -> np.ndarray:
    """A vector laid out in a near-square (rows, width) image, NaN after its end."""
    width = math.ceil(math.sqrt(len(vector)))
    out = np.full(math.ceil(len(vector) / width) * width, np.nan, np.float32)
    out[: len(vector)] = vector
    return out.reshape(-1, width)


class FeatureMapView(QScrollArea):
    """A scrolling column of layer panels; hover reports values, a click on a value says which
    (``map_clicked``: explain mode), a double click enlarges the map, kernel or vector, in a
    dialog where a click says which value too."""

    map_clicked = Signal(int, int, int, int)  # layer, channel, row, col (vectors: 0, 0, unit)
    hovered = Signal(str)  # what is under the cursor, in words
    layers_built = Signal()  # new panels: views added to them (the filter galleries) follow

    def __init__(self, parent=None):
        super().__init__(parent)
        self.panels: list[LayerPanel] = []
        self.dialog: MapDialog | None = None
        self._key: list | None = None
        self._enlarged: tuple[int, str, int] | None = None  # layer, kind, index in the dialog
        self.shown: set[int] = set()  # the layers whose panels are shown
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._column = QVBoxLayout()
        self._column.setSpacing(6)
        self._column.addStretch(1)
        container = QWidget()
        container.setLayout(self._column)
        self.setWidget(container)

    def set_layers(self, infos: list[spec.LayerInfo]) -> None:
        """One panel per layer; nothing happens when the layers are the ones already shown."""
        key = [(repr(info.layer), info.in_shape, info.out_shape) for info in infos]
        if key == self._key:
            return
        self._key = key
        for panel in self.panels:
            panel.deleteLater()
        self.panels = []
        for info in infos:
            panel = LayerPanel(info, last=info.index == len(infos) - 1)
            panel.hovered.connect(self._on_hovered)
            panel.clicked.connect(self._on_clicked)
            panel.double_clicked.connect(self._on_double_clicked)
            self._column.insertWidget(len(self.panels), panel)
            self.panels.append(panel)
        if self.dialog is not None:
            self.dialog.close()
        self._enlarged = None
        self.show_layers(set(range(len(infos))))
        self.layers_built.emit()

    def set_weights(self, weights: dict[int, np.ndarray]) -> None:
        """Conv kernels by layer index (see ``engine.weights.conv_kernels``)."""
        for index, weight in weights.items():
            self.panels[index].set_kernels(weight)
        self._refresh_dialog()

    def show_layers(self, layers: set[int]) -> None:
        """Show the panels of these layers only (the others keep up, unseen)."""
        self.shown = set(layers)
        for i, panel in enumerate(self.panels):
            panel.setVisible(i in self.shown)

    def set_trace(self, trace: Trace | None) -> None:
        """Every layer's output for the current image; None (blank canvas) shows zeros."""
        for i, panel in enumerate(self.panels):
            if trace is not None:
                panel.set_output(trace.outputs[i])
            else:
                panel.set_output(np.zeros(panel.info.out_shape, np.float32))
        self._refresh_dialog()

    # --- hover and click ------------------------------------------------------------------
    def _describe(self, layer: int, kind: str, index: int, row: int, col: int, value: float):
        panel = self.panels[layer]
        where = f"Layer {layer} ({panel.info.layer.kind})"
        if kind == KERNELS:
            channels, k = panel.info.in_shape[0], panel.info.layer.size
            cell = mosaic_cell(channels, k, row, col)
            if cell is None:
                return None
            channel, kr, kc = cell
            return (
                f"{where} · filter {index} · input map {channel} · "
                f"weight [{kr}, {kc}] = {value:.4g}"
            )
        if isinstance(panel.output, MapGrid):
            return f"{where} · map {index} · row {row}, column {col}: {value:.4g}"
        return f"{where} · unit {col}: {value:.4g}"

    def _on_hovered(self, layer: int, kind: str, index: int, row: int, col: int, value: float):
        text = self._describe(layer, kind, index, row, col, value)
        if text:
            self.hovered.emit(text)

    def _on_clicked(self, layer: int, kind: str, index: int, row: int, col: int) -> None:
        if kind == KERNELS:  # a weight is not computed from anything
            self.hovered.emit("Double-click a kernel to enlarge it")
        else:  # a dialog now would cover the outlines that explain mode draws on the maps
            self.map_clicked.emit(layer, index, row, col)

    def _on_double_clicked(self, layer: int, kind: str, index: int, row: int, col: int) -> None:
        self.enlarge(layer, kind, index)

    def enlarge(self, layer: int, kind: str, index: int) -> None:
        """Show map (or filter) ``index`` of ``layer`` big, in a dialog that follows updates."""
        if self.dialog is None:
            self.dialog = MapDialog(self)
            self.dialog.clicked.connect(self._on_dialog_clicked)
        self._enlarged = (layer, kind, index)
        self._refresh_dialog()
        self.dialog.show()
        self.dialog.raise_()

    def _on_dialog_clicked(self, row: int, col: int) -> None:
        """A click on the enlarged map (or wrapped vector) explains exactly that value."""
        layer, kind, index = self._enlarged
        if kind == KERNELS:
            return  # a weight is not computed from anything
        view = self.panels[layer].output
        if isinstance(view, MapGrid):
            self.map_clicked.emit(layer, index, row, col)
            return
        unit = row * wrap_vector(view.data[0, 0]).shape[1] + col
        if unit < view.data.shape[2]:
            self.map_clicked.emit(layer, 0, 0, unit)

    def _refresh_dialog(self) -> None:
        if self.dialog is None or self._enlarged is None:
            return
        layer, kind, index = self._enlarged
        panel = self.panels[layer]
        view = panel.kernels if kind == KERNELS else panel.output
        title = f"Layer {layer} · "
        if isinstance(view, MapGrid):
            values = view.data[index]
            title += f"{'filter' if kind == KERNELS else 'map'} {index}"

            def describe(row, col, value):
                return self._describe(layer, kind, index, row, col, value)
        else:
            vector = view.data[0, 0]
            values = wrap_vector(vector)
            width = values.shape[1]
            title += f"{len(vector)} values, {width} per row"

            def describe(row, col, value):
                unit = row * width + col
                return (
                    self._describe(layer, kind, 0, 0, unit, value) if unit < len(vector) else None
                )

        self.dialog.show_map(title, values, view.levels(), describe)


def detail_of(infos: list[spec.LayerInfo], layer: int) -> set[int]:
    """The panels that show one layer in detail: the layer, what it reads, and (for a conv or
    dense layer) the activation after it: its maps before and after the activation."""
    shown = {layer} if 0 <= layer < len(infos) else {len(infos) - 1}
    first = min(shown)
    if first > 0:
        shown.add(first - 1)
    after = first + 1
    if (
        isinstance(infos[first].layer, spec.Conv | spec.Dense)
        and after < len(infos)
        and isinstance(infos[after].layer, spec.Activation)
    ):
        shown.add(after)
    return shown
