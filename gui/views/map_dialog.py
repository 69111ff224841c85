"""A big view of one map or kernel, with row and column numbers and the value under the cursor."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from convlens.gui.views.map_image import COLORMAP, MapImage
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout

Describe = Callable[[int, int, float], str | None]  # row, col, value -> readout (None: nothing)


class MapDialog(QDialog):
    """Non-modal; ``show_map`` replaces what it shows, so it can follow live updates."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.resize(620, 600)
        self.plot = pg.PlotWidget(background="w")
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

    def _on_mouse_moved(self, scene_pos) -> None:
        image = self.item.image
        if image is None or self._describe is None:
            return
        point = self.item.mapFromScene(scene_pos)
        row, col = int(np.floor(point.y())), int(np.floor(point.x()))
        if 0 <= row < image.shape[0] and 0 <= col < image.shape[1]:
            text = self._describe(row, col, float(image[row, col]))
            if text:
                self.readout.setText(text)
