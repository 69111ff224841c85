"""One layer's panel: its title, its kernels (conv layers) and its output maps or vector."""

from __future__ import annotations

import math

import numpy as np
from convlens.engine import spec
from convlens.gui.views.layer_text import panel_title
from convlens.gui.views.map_grid import MapGrid, StripView
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout

KERNELS, OUTPUT = "kernels", "output"


def mosaic_layout(channels: int) -> tuple[int, int]:
    """(rows, columns) of a near-square grid for one filter's input-channel slices."""
    columns = math.ceil(math.sqrt(channels))
    return math.ceil(channels / columns), columns


def kernel_mosaics(weights: np.ndarray) -> np.ndarray:
    """Each filter's (C, k, k) weights as one image, (F, C, k, k) -> (F, H, W): its slices in
    a near-square grid, NaN between them (one NumPy pass: a weight snapshot redraws them)."""
    filters, channels, k, _ = weights.shape
    rows, columns = mosaic_layout(channels)
    cells = np.full((filters, rows * columns, k + 1, k + 1), np.nan, np.float32)
    cells[:, :channels, :k, :k] = weights
    grid = cells.reshape(filters, rows, columns, k + 1, k + 1).transpose(0, 1, 3, 2, 4)
    whole = grid.reshape(filters, rows * (k + 1), columns * (k + 1))
    return np.ascontiguousarray(whole[:, :-1, :-1])


def mosaic_cell(channels: int, k: int, row: int, col: int) -> tuple[int, int, int] | None:
    """(input channel, kernel row, kernel col) at a pixel of ``kernel_mosaics``, or None (gap)."""
    _, columns = mosaic_layout(channels)
    (r, kr), (q, kc) = divmod(row, k + 1), divmod(col, k + 1)
    channel = r * columns + q
    if kr == k or kc == k or channel >= channels:
        return None
    return channel, kr, kc


class LayerPanel(QFrame):
    """Built from a LayerInfo; ``set_output`` and ``set_kernels`` refresh it in place."""

    hovered = Signal(int, str, int, int, int, float)  # layer, KERNELS/OUTPUT, index, row, col, v
    clicked = Signal(int, str, int, int, int)  # layer, KERNELS/OUTPUT, index, row, col
    double_clicked = Signal(int, str, int, int, int)

    def __init__(self, info: spec.LayerInfo, last: bool = False, parent=None):
        super().__init__(parent)
        self.info = info
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.setSpacing(1)
        title = QLabel(panel_title(info, last))
        title.setStyleSheet("font-weight: bold")
        # A narrow window cuts it (all of it in the tooltip) rather than scroll the detail
        # sideways; wrapped, a label in a scroll area asks for many lines of height.
        title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        title.setToolTip(title.text())
        title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(title)
        self.kernels: MapGrid | None = None
        if isinstance(info.layer, spec.Conv):
            channels, k = info.in_shape[0], info.layer.size
            rows, columns = mosaic_layout(channels)
            shape = (rows * (k + 1) - 1, columns * (k + 1) - 1)
            self.kernel_caption = QHBoxLayout()
            self.kernel_caption.addWidget(
                self._caption(f"Kernels: {info.layer.filters} × ({channels} × {k}×{k})")
            )
            self.kernel_caption.addStretch(1)
            layout.addLayout(self.kernel_caption)
            self.kernels = self._connect(MapGrid(info.layer.filters, shape, "weight"), KERNELS)
            layout.addWidget(self.kernels)
            layout.addWidget(self._caption("Output, before activation"))
        self.output: MapGrid | StripView
        if len(info.out_shape) == 3:
            count, height, width = info.out_shape
            self.output = MapGrid(count, (height, width), "value")
        else:
            self.output = StripView(info.out_shape[0], "value")
        layout.addWidget(self._connect(self.output, OUTPUT))

    @staticmethod
    def _caption(text: str) -> QLabel:
        label = QLabel(text)
        label.setStyleSheet("color: #555")
        return label

    def _connect(self, view, kind: str):
        layer = self.info.index
        view.hovered.connect(lambda i, r, c, v: self.hovered.emit(layer, kind, i, r, c, v))
        view.clicked.connect(lambda i, r, c: self.clicked.emit(layer, kind, i, r, c))
        view.double_clicked.connect(lambda i, r, c: self.double_clicked.emit(layer, kind, i, r, c))
        return view

    def add_below_kernels(self, widget, controls=None) -> None:
        """Another view of the filters (the filter gallery), placed under the kernels; its
        ``controls``, if any, at the right of the kernels' caption."""
        layout = self.layout()
        layout.insertWidget(layout.indexOf(self.kernels) + 1, widget)
        if controls is not None:
            self.kernel_caption.addWidget(controls)

    def set_output(self, values: np.ndarray) -> None:
        """The layer's output for the current image: (C, H, W) maps or (N,) vector."""
        if isinstance(self.output, MapGrid):
            self.output.set_maps(values)
        else:
            self.output.set_vector(values)

    def set_kernels(self, weight: np.ndarray) -> None:
        """A conv layer's weights (F, C, k, k), one mosaic per filter on one scale."""
        if self.kernels is not None:
            self.kernels.set_maps(kernel_mosaics(weight))
