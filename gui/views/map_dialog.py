"""A big view of one map or kernel, with row and column numbers and the value under the cursor."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from convlens.gui.dialogs.dialog_size import resize_within_screen
from convlens.gui.views.map_image import COLORMAP, MapImage
from convlens.gui.views.repaint import repaint_in_one_rect
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout

Describe = Callable[[int, int, float], str | None]  # row, col, value -> readout (None: nothing)


class MapDialog(QDialog):
    """Non-modal; ``show_map`` replaces what it shows, so it can follow live updates.
    ``clicked(row, col)``: a left click on a value (the window explains it)."""

    clicked = Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        resize_within_screen(self, 620, 600)
        self.plot = repaint_in_one_rect(pg.PlotWidget(background="w"))
        self.plot.setAspectLocked(True)
        self.plot.invertY(True)
        self.plot.setMenuEnabled(False)
        self.plot.getPlotItem().setLabels(left="row", bottom="column")
        self.item = MapImage()
        self.item.setPos(-0.5, -0.5)  # pixel centres on whole numbers: ticks name rows and columns
        self.plot.addItem(self.item)
        self.colorbar = pg.ColorBarItem(
            values=(-1, 1), colorMap=COLORMAP, interactive=False, width=14, colorMapMenu=False
        )
        self.colorbar.setImageItem(self.item, insert_in=self.plot.getPlotItem())
        self.readout = QLabel(" ")
        layout = QVBoxLayout(self)
        layout.addWidget(self.plot)
        layout.addWidget(self.readout)
        self._describe: Describe | None = None
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.plot.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    def show_map(
        self, title: str, values: np.ndarray, levels: tuple[float, float], describe: Describe
    ) -> None:
        """Show (H, W) ``values`` on ``levels``; ``describe`` words the hover readout."""
        self.setWindowTitle(title)
        shape_changed = self.item.image is None or self.item.image.shape != values.shape
        self.item.setImage(values, autoLevels=False, levels=levels)
        self.colorbar.setLevels(levels)
        self._describe = describe
        if shape_changed:
            self.plot.autoRange(padding=0.02)

    def cell_at(self, scene_pos) -> tuple[int, int] | None:
        """(row, col) of the value under a scene point, or None."""
        image = self.item.image
        if image is None:
            return None
        point = self.item.mapFromScene(scene_pos)
        row, col = int(np.floor(point.y())), int(np.floor(point.x()))
        inside = 0 <= row < image.shape[0] and 0 <= col < image.shape[1]
        return (row, col) if inside else None

    def _on_mouse_moved(self, scene_pos) -> None:
        cell = self.cell_at(scene_pos)
        if cell is not None and self._describe is not None:
            text = self._describe(*cell, float(self.item.image[cell]))
            if text:
                self.readout.setText(text)

    def _on_mouse_clicked(self, event) -> None:
        cell = self.cell_at(event.scenePos())
        if cell is not None and event.button() == Qt.MouseButton.LeftButton:
            event.accept()
            self.clicked.emit(*cell)
