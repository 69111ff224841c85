"""The embedding: the test digits as the last hidden layer sees them, projected to 2-D and
coloured by class, with the current drawing as a live star among them. Hovering a point shows
that test digit; clicking it asks for it as the input."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from convlens.gui.views.job_bar import JobBar
from convlens.gui.views.map_image import INK_COLORMAP
from convlens.gui.views.repaint import repaint_in_one_rect
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

# Matplotlib's tab10: ten colours told apart easily, the usual ones for MNIST plots.
CLASS_COLORS = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
]  # fmt: skip
POINT_SIZE = 5


class EmbeddingView(QWidget):
    """A passive view: ``set_points`` once per embedding, ``set_current`` per drawing."""

    point_hovered = Signal(int)  # the test digit's index
    point_clicked = Signal(int)
    compute_clicked = Signal()
    get_data_clicked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.progress = JobBar()
        self.compute_button = QPushButton("Compute")
        self.compute_button.setToolTip("Run the MNIST test digits through the network")
        self.get_data_button = QPushButton("Get MNIST…")
        self.get_data_button.hide()
        header = QHBoxLayout()
        header.addWidget(self.status, 1)
        header.addWidget(self.progress)
        header.addWidget(self.get_data_button)
        header.addWidget(self.compute_button)
        self.plot = repaint_in_one_rect(pg.PlotWidget(background="w"))
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        # The digits in two rows at the top, the drawing's star apart at the bottom right (on a
        # laptop's dock the two do not fit side by side): in one legend its wide label widened
        # the column it fell in, and pushed 3 and 7 away from the other digits.
        legend_style = dict(labelTextColor="#222", brush=pg.mkBrush(255, 255, 255, 170))
        self.legend = self.plot.addLegend(offset=(8, 8), colCount=5, **legend_style)
        self.drawing_legend = pg.LegendItem(offset=(-8, -8), **legend_style)
        self.drawing_legend.setParentItem(self.plot.getPlotItem().vb)
        self.classes: list[pg.ScatterPlotItem] = []
        for digit, color in enumerate(CLASS_COLORS):
            item = pg.ScatterPlotItem(
                size=POINT_SIZE,
                pen=None,
                brush=pg.mkBrush(color),
                hoverable=True,
                hoverSize=POINT_SIZE * 2.4,
                hoverPen=pg.mkPen("#000"),
                tip=None,
                name=str(digit),
            )
            item.sigHovered.connect(self._on_hovered)
            item.sigClicked.connect(self._on_clicked)
            self.plot.addItem(item)
            self.classes.append(item)
        self.current = pg.ScatterPlotItem(
            size=22, symbol="star", pen=pg.mkPen("#000", width=1.5), brush=pg.mkBrush("#ffeb3b")
        )
        self.current.setZValue(10)
        self.plot.addItem(self.current)
        self.drawing_legend.addItem(self.current, "your drawing")
        self.thumb = repaint_in_one_rect(pg.GraphicsLayoutWidget())
        self.thumb.setBackground("w")
        self.thumb.setFixedSize(84, 84)
        box = self.thumb.addViewBox(invertY=True, lockAspect=True, enableMenu=False)
        box.setMouseEnabled(x=False, y=False)
        self.thumb_item = pg.ImageItem(axisOrder="row-major")
        self.thumb_item.setColorMap(INK_COLORMAP)
        box.addItem(self.thumb_item)
        box.setRange(xRange=(0, 28), yRange=(0, 28), padding=0)
        self.thumb_text = QLabel(
            "Hover over a point to see its digit; click it to make it the input."
        )
        self.thumb_text.setWordWrap(True)
        below = QHBoxLayout()
        below.addWidget(self.thumb)
        below.addWidget(self.thumb_text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.plot, 1)
        layout.addLayout(below)
        self.compute_button.clicked.connect(self.compute_clicked)
        self.get_data_button.clicked.connect(self.get_data_clicked)
        self.hovered_index: int | None = None

    def set_points(self, points: np.ndarray | None, labels: np.ndarray | None, text: str = ""):
        """(N, 2) points and their (N,) labels (None: no embedding for these weights)."""
        for digit, item in enumerate(self.classes):
            if points is None:
                item.clear()
                continue
            chosen = np.flatnonzero(labels == digit)
            item.setData(x=points[chosen, 0], y=points[chosen, 1], data=chosen)
        if points is None:
            self.set_current(None)
        else:
            self.plot.autoRange()
        self.show_text(text)

    def set_current(self, point: tuple[float, float] | None) -> None:
        """Where the current drawing lands (None: no drawing, or no embedding)."""
        if point is None:
            self.current.clear()
        else:
            self.current.setData(x=[point[0]], y=[point[1]])

    def show_digit(self, image: np.ndarray, text: str) -> None:
        """The test digit under the cursor."""
        self.thumb_item.setImage(image, autoLevels=False, levels=(0.0, 1.0))
        self.thumb_text.setText(text)

    def show_text(self, text: str, missing_data: bool = False) -> None:
        self.status.setText(text)
        self.get_data_button.setVisible(missing_data)

    def show_progress(self, done: int, total: int) -> None:
        self.progress.show_progress(done, total)

    def set_busy(self, busy: bool) -> None:
        self.compute_button.setEnabled(not busy)
        if not busy:
            self.progress.hide()

    def _on_hovered(self, _item, points, _event) -> None:
        if len(points):
            index = int(points[0].data())
            if index != self.hovered_index:
                self.hovered_index = index
                self.point_hovered.emit(index)

    def _on_clicked(self, _item, points, _event) -> None:
        if len(points):
            self.point_clicked.emit(int(points[0].data()))
