"""How the input is made: the MNIST recipe's steps on the current ink, as four small pictures.

A passive view: ``show_steps`` takes an ``engine.preprocess.Preprocessing`` (or None and a
note: a blank canvas, an MNIST digit that needs no preparing) and draws the ink with its
bounding box, the 20x20 fit, its centre of mass, and the fit shifted into 28x28, each with
its numbers in a caption.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from convlens.engine.preprocess import DIGIT_BOX, FRAME, Preprocessing
from convlens.gui.views.map_image import INK_COLORMAP
from convlens.gui.views.repaint import repaint_in_one_rect
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import (
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGridLayout,
    QLabel,
    QWidget,
)

PICTURE = 130  # on-screen side of each step's picture, in pixels
BOX_PEN = pg.mkPen("#d50000", width=2, cosmetic=True)  # the ink's bounding box: red
FRAME_PEN = pg.mkPen("#9e9e9e", width=1, style=Qt.PenStyle.DashLine, cosmetic=True)
CENTRE_PEN = pg.mkPen("#00a0ff", width=2, cosmetic=True)  # the centre of mass: blue
TARGET_PEN = pg.mkPen("#00c853", width=2, cosmetic=True)  # the frame's centre: a green ring
TITLES = ("1 · The ink", "2 · Fit into 20×20", "3 · Centre of mass", "4 · Shifted into 28×28")


def _cross(size: float) -> QPainterPath:
    path = QPainterPath()
    path.moveTo(-size, 0)
    path.lineTo(size, 0)
    path.moveTo(0, -size)
    path.lineTo(0, size)
    return path


class StepPicture(pg.GraphicsLayoutWidget):
    """One step's image (ink black on white), with a box, a frame and crosses to place."""

    def __init__(self, parent=None):
        super().__init__(parent)
        repaint_in_one_rect(self)
        self.setBackground("w")
        self.setFixedSize(PICTURE, PICTURE)
        self.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.view = self.addViewBox(invertY=True, lockAspect=True, enableMenu=False)
        self.view.setMouseEnabled(x=False, y=False)
        self.item = pg.ImageItem(axisOrder="row-major")
        self.item.setColorMap(INK_COLORMAP)
        self.view.addItem(self.item)
        self.frame = self._add(QGraphicsRectItem(), FRAME_PEN)  # the area the step works in
        self.box = self._add(QGraphicsRectItem(), BOX_PEN)
        ring = QPainterPath()
        ring.addEllipse(QPointF(0, 0), 2.5, 2.5)
        self.target = self._add(QGraphicsPathItem(ring), TARGET_PEN)  # where it should be
        self.centre = self._add(QGraphicsPathItem(_cross(2)), CENTRE_PEN)

    def _add(self, item, pen):
        item.setPen(pen)
        item.setZValue(5)
        item.hide()
        self.view.addItem(item)
        return item

    def show_image(self, image: np.ndarray | None, frame: tuple[int, int] | None = None) -> None:
        """``image`` (H, W) in [0, 1] inside a ``frame`` (height, width) at least its size,
        centred in it (None: no image, and every mark hidden)."""
        for mark in (self.frame, self.box, self.target, self.centre):
            mark.hide()
        if image is None:
            self.item.clear()
            return
        height, width = frame or image.shape
        self.item.setImage(image, autoLevels=False, levels=(0.0, 1.0))
        self.item.setPos((width - image.shape[1]) / 2, (height - image.shape[0]) / 2)
        self.frame.setRect(QRectF(0, 0, width, height))
        self.frame.show()
        self.view.setRange(QRectF(0, 0, width, height), padding=0.04)

    def mark_box(self, top: float, left: float, bottom: float, right: float) -> None:
        """Outline rows top..bottom, columns left..right (exclusive) of the image."""
        origin = self.item.pos()
        self.box.setRect(QRectF(origin.x() + left, origin.y() + top, right - left, bottom - top))
        self.box.show()

    def mark_centre(self, row: float, col: float, target: tuple[float, float] | None = None):
        """A cross on pixel (row, col) of the image (fractions: between pixels), and one on
        ``target`` (row, col) if given."""
        origin = self.item.pos()
        for mark, where in ((self.centre, (row, col)), (self.target, target)):
            if where is not None:  # on the middle of pixel (row, col), as in index coordinates
                mark.setPos(QPointF(origin.x() + where[1] + 0.5, origin.y() + where[0] + 0.5))
                scale = max(self.frame.rect().height(), 1) / FRAME
                mark.setScale(scale)  # the same size on screen, whatever the image's size
                mark.show()


class PreprocessView(QWidget):
    """The four steps, two by two, a caption with the numbers under each."""

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QGridLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setHorizontalSpacing(12)
        self.pictures: list[StepPicture] = []
        self.captions: list[QLabel] = []
        for step, title in enumerate(TITLES):  # two by two: it fits a side dock
            row, column = 3 * (step // 2), step % 2
            heading = QLabel(title)
            heading.setStyleSheet("font-weight: bold")
            picture = StepPicture()
            caption = QLabel()
            caption.setWordWrap(True)
            caption.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            caption.setMinimumWidth(PICTURE)
            layout.addWidget(heading, row, column)
            layout.addWidget(picture, row + 1, column)
            layout.addWidget(caption, row + 2, column)
            layout.setColumnStretch(column, 1)
            self.pictures.append(picture)
            self.captions.append(caption)
        layout.setRowStretch(6, 1)  # the steps at the top, whatever the dock's height
        self.steps: Preprocessing | None = None
        self.show_steps(None)

    def show_steps(self, steps: Preprocessing | None, note: str = "", image=None) -> None:
        """Draw ``steps``; without them, only ``note`` (and ``image``, the network's input
        when it needed no preparing: an MNIST digit)."""
        self.steps = steps
        if steps is None:
            for picture, caption in zip(self.pictures, self.captions, strict=True):
                picture.show_image(None)
                caption.setText("")
            self.captions[0].setText(note or "Draw a digit: its steps appear here.")
            if image is not None:
                self.pictures[-1].show_image(image)
            return
        ink, fitted = steps.ink, steps.fitted
        (top, left, bottom, right), (box_h, box_w) = steps.box, steps.box_size
        ink_picture, fit_picture, centre_picture, placed_picture = self.pictures
        ink_picture.show_image(ink)
        ink_picture.mark_box(top, left, bottom, right)
        self.captions[0].setText(
            f"As drawn or loaded: {ink.shape[1]}×{ink.shape[0]} px. The ink's bounding box "
            f"(red): {box_w}×{box_h} px, rows {top}–{bottom - 1}, columns {left}–{right - 1}."
        )
        square = (DIGIT_BOX, DIGIT_BOX)
        fit_picture.show_image(fitted, square)
        fit_picture.mark_box(0, 0, *fitted.shape)
        self.captions[1].setText(
            f"The box scaled by {steps.scale:.3g} (20 / {max(box_h, box_w)}) to "
            f"{fitted.shape[1]}×{fitted.shape[0]} px, the aspect ratio kept, its darkest "
            "ink made 1."
        )
        row, col = steps.centre
        centre_picture.show_image(fitted, square)
        centre_picture.mark_centre(row, col)
        self.captions[2].setText(
            f"Centre of mass (blue): row {row:.2f}, column {col:.2f} of the fit: the average "
            "position of the ink, weighted by how dark it is."
        )
        (shift_r, shift_c), (off_r, off_c) = steps.offset, steps.off_centre
        placed_picture.show_image(steps.image)
        height, width = fitted.shape
        placed_picture.mark_box(shift_r, shift_c, shift_r + height, shift_c + width)
        placed_picture.mark_centre(*steps.placed_centre, target=(FRAME / 2, FRAME / 2))
        self.captions[3].setText(
            f"The fit shifted to row {shift_r}, column {shift_c}, so that its centre of mass "
            f"lands on the centre (14, 14: the green ring), off by {off_r:+.2f}, {off_c:+.2f} "
            "(whole pixels). This is the network's input."
        )
