"""What a filter looks for, under a conv layer's kernels: the nine test-set patches that
excite the chosen filter most (cut at its receptive field), and an image made to excite it."""

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
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

COLUMNS = 9  # the patches in one row, best first
GAP = 0.15  # between patches, as a share of a patch's side
PATCH_PIXELS = 44  # on-screen side of one patch
FIND_TIP = (
    "Run the MNIST test digits through the network and keep, for every filter, "
    "the 9 patches that excite it most"
)
MAXIMISE_TIP = (
    "Gradient ascent on the input from noise (jittered, blurred, decayed): "
    "an image this filter responds to strongly"
)
TRAINING_TIP = "The weights are changing: find what a filter looks for once training stops"


class FilterGallery(QWidget):
    """``FilterGallery(layer, filters)``; ``find_clicked`` asks for the top patches,
    ``maximise_clicked(filter)`` for an activation-maximisation image."""

    filter_changed = Signal(int)
    find_clicked = Signal()
    maximise_clicked = Signal(int)

    def __init__(self, layer: int, filters: int, parent=None):
        super().__init__(parent)
        self.layer = layer
        self.filter = QSpinBox()
        self.filter.setRange(0, filters - 1)
        self.filter.setPrefix("filter ")
        self.filter.setToolTip("The filter shown (a click on a kernel chooses it too)")
        self.find_button = QToolButton()
        self.find_button.setText("Top patches")
        self.maximise_button = QToolButton()
        self.maximise_button.setText("Image it likes")
        self.progress = JobBar()
        # The controls sit in the kernels' caption row (``header``, placed by the layer
        # panel): a row of their own would push a layer's maps behind a laptop's scroll bar.
        self.header = QWidget()
        header = QHBoxLayout(self.header)
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.filter)
        header.addWidget(self.find_button)
        header.addWidget(self.maximise_button)
        header.addWidget(self.progress)
        self.plot = repaint_in_one_rect(pg.GraphicsLayoutWidget())
        self.plot.setBackground("w")
        self.plot.setFixedHeight(PATCH_PIXELS + 8)
        self.plot.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.patch_box = self._box(col=0)
        self.made_box = self._box(col=1)
        self.plot.ci.layout.setColumnStretchFactor(0, COLUMNS)
        self.plot.ci.layout.setColumnStretchFactor(1, 1)
        self.patch_items: list[pg.ImageItem] = []
        self.made_item = self._image(self.made_box)
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: #555")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(2)
        layout.addWidget(self.plot)
        layout.addWidget(self.caption)
        self.filter.valueChanged.connect(self.filter_changed)
        self.find_button.clicked.connect(self.find_clicked)
        self.maximise_button.clicked.connect(
            lambda: self.maximise_clicked.emit(self.filter.value())
        )
        self._patch_text = ""  # the buttons' tooltips say what they do: no line of room spent
        self._made_text = ""
        self.show_patches(None)
        self.show_made(None)
        self._busy = False
        self.set_training(False)

    def set_training(self, training: bool) -> None:
        """While a run changes the weights there is nothing to find: the buttons rest and
        their tooltips say why (a line saying so grew the detail as a run began, and the
        whole window laid itself out again in the run's first second)."""
        self._training = training
        for button, tip in (self.find_button, FIND_TIP), (self.maximise_button, MAXIMISE_TIP):
            button.setToolTip(TRAINING_TIP if training else tip)
        self.maximise_button.setEnabled(not training)
        self.find_button.setEnabled(not training and not self._busy)

    def _box(self, col: int) -> pg.ViewBox:
        box = self.plot.addViewBox(row=0, col=col, invertY=True, lockAspect=True, enableMenu=False)
        box.setMouseEnabled(x=False, y=False)
        return box

    @staticmethod
    def _image(box: pg.ViewBox) -> pg.ImageItem:
        item = pg.ImageItem(axisOrder="row-major")
        item.setColorMap(INK_COLORMAP)
        box.addItem(item)
        frame = pg.QtWidgets.QGraphicsRectItem(0, 0, 1, 1, item)
        frame.setPen(pg.mkPen("#999", width=1, cosmetic=True))
        item.frame = frame
        return item

    def chosen(self) -> int:
        return self.filter.value()

    def choose(self, index: int) -> None:
        self.filter.setValue(index)

    def show_patches(self, patches: np.ndarray | None, text: str = "") -> None:
        """(count, h, w) ink patches, best first (None: none known for these weights)."""
        if patches is None:
            for item in self.patch_items:
                item.setVisible(False)
            self._patch_text = text
        else:
            count, height, width = patches.shape
            while len(self.patch_items) < count:
                self.patch_items.append(self._image(self.patch_box))
            for k, item in enumerate(self.patch_items):
                item.setVisible(k < count)
                if k < count:
                    item.setImage(patches[k], autoLevels=False, levels=(0.0, 1.0))
                    item.setPos(k * width * (1 + GAP), 0)
                    item.frame.setRect(0, 0, width, height)
            self.patch_box.setRange(
                xRange=(0, width * (count + (count - 1) * GAP)), yRange=(0, height), padding=0.02
            )
            self._patch_text = text
        self._show_caption()

    def show_made(self, image: np.ndarray | None, text: str = "") -> None:
        """The activation-maximisation image of the chosen filter (None: not made yet)."""
        self.made_item.setVisible(image is not None)
        if image is not None:
            self.made_item.setImage(image, autoLevels=False, levels=(0.0, 1.0))
            self.made_item.frame.setRect(0, 0, *image.shape[::-1])
            self.made_box.setRange(xRange=(0, image.shape[1]), yRange=(0, image.shape[0]))
        self._made_text = text
        self._show_caption()

    def show_progress(self, done: int, total: int) -> None:
        self.progress.show_progress(done, total)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.find_button.setEnabled(not busy and not self._training)
        if not busy:
            self.progress.hide()

    def _show_caption(self) -> None:
        # the pictures take room in the detail only once there is something to see
        self.plot.setVisible(
            self.made_item.isVisible() or any(item.isVisible() for item in self.patch_items)
        )
        self.caption.setText("\n".join(t for t in (self._patch_text, self._made_text) if t))
        self.caption.setVisible(bool(self.caption.text()))
