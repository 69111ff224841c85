"""The drawing canvas: a soft round pen on a 280x280 sheet, with an eraser and undo."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

SIDE = 280  # ten canvas pixels per MNIST pixel
UNDO_DEPTH = 50
# The pen is drawn as nested strokes, darkest and widest first, so the edge fades like
# MNIST's anti-aliased strokes. 'Lighten' keeps the brighter of old and new ink, so the
# overlapping segments of one stroke never build up darker blobs.
_PEN_PASSES = ((60, 1.0), (130, 0.88), (200, 0.76), (255, 0.64))  # (ink level, share of width)


class DrawingCanvas(QWidget):
    """Draw with the left button (or a tablet pen), erase with the right button or in eraser
    mode. The sheet stores ink as light on black; it is shown as dark ink on white paper.
    """

    changed = Signal(object)  # (SIDE, SIDE) float32 ink in [0, 1] (1 = ink)
    stroke_ended = Signal()  # the button or pen was lifted

    def __init__(self, parent=None):
        super().__init__(parent)
        self._sheet = QImage(SIDE, SIDE, QImage.Format.Format_RGB32)
        self._sheet.fill(Qt.GlobalColor.black)
        self._undo: list[QImage] = []
        self._redo: list[QImage] = []  # what undo took back, until the next change
        self._last: QPointF | None = None
        self._erasing = False
        self._hover: QPointF | None = None
        self.overlay: tuple[QImage, QRectF] | None = None  # painted over, not part of the ink
        self.brush_size = 20
        self.eraser = False
        self.setFixedSize(SIDE, SIDE)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def set_overlay(self, rgba: np.ndarray | None, rect=None) -> None:
        """A see-through picture (H, W, 4) uint8 RGBA stretched over ``rect`` (top, left,
        side) in canvas pixels, over the ink (an attribution map); None takes it away."""
        if rgba is None:
            self.overlay = None
        else:
            rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
            height, width = rgba.shape[:2]
            image = QImage(rgba.data, width, height, 4 * width, QImage.Format.Format_RGBA8888)
            top, left, side = rect
            self.overlay = (image.copy(), QRectF(left, top, side, side))
        self.update()

    # --- the ink -------------------------------------------------------------------------
    def ink(self) -> np.ndarray:
        """The sheet as float32 ink in [0, 1], (SIDE, SIDE)."""
        bits = np.frombuffer(self._sheet.constBits(), np.uint8)
        rows = bits.reshape(SIDE, self._sheet.bytesPerLine())
        return rows[:, 0 : SIDE * 4 : 4].astype(np.float32) / 255.0  # blue byte = grey level

    def set_ink(self, ink: np.ndarray, notify: bool = True) -> None:
        """Replace the sheet with an ink map of any size (scaled to fit), undoably."""
        self._push_undo()
        grey = np.ascontiguousarray(np.clip(ink, 0, 1) * 255, dtype=np.uint8)
        image = QImage(
            grey.data, grey.shape[1], grey.shape[0], grey.shape[1], QImage.Format.Format_Grayscale8
        )
        scaled = image.scaled(
            SIDE,
            SIDE,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self._sheet.fill(Qt.GlobalColor.black)
        painter = QPainter(self._sheet)
        painter.drawImage(
            QPointF((SIDE - scaled.width()) / 2, (SIDE - scaled.height()) / 2), scaled
        )
        painter.end()
        self._finish_change(notify)

    def clear(self) -> None:
        """Blank sheet (undoable)."""
        self._push_undo()
        self._sheet.fill(Qt.GlobalColor.black)
        self._finish_change(True)

    def undo(self) -> None:
        """Back to the sheet before the last stroke, clear or load."""
        if self._undo:
            self._redo.append(self._sheet)
            self._sheet = self._undo.pop()
            self._finish_change(True)

    def redo(self) -> None:
        """Forward again to the sheet the last undo took back."""
        if self._redo:
            self._undo.append(self._sheet)
            self._sheet = self._redo.pop()
            self._finish_change(True)

    def _push_undo(self) -> None:
        self._undo.append(self._sheet.copy())
        del self._undo[:-UNDO_DEPTH]
        self._redo.clear()

    def _finish_change(self, notify: bool) -> None:
        self.update()
        if notify:
            self.changed.emit(self.ink())

    # --- strokes -------------------------------------------------------------------------
    def _begin(self, pos: QPointF, erase: bool, width: float) -> None:
        self._push_undo()
        self._erasing = erase or self.eraser
        self._last = pos
        self._segment(pos, pos, width)

    def _extend(self, pos: QPointF, width: float) -> None:
        if self._last is not None:
            self._segment(self._last, pos, width)
            self._last = pos

    def _segment(self, start: QPointF, end: QPointF, width: float) -> None:
        painter = QPainter(self._sheet)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._erasing:
            passes = ((0, 1.5),)
        else:
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Lighten)
            passes = _PEN_PASSES
        for level, share in passes:
            pen = QPen(QColor(level, level, level), width * share)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            if start == end:
                painter.drawPoint(start)  # a click: a round dot (a zero-length line draws nothing)
            else:
                painter.drawLine(start, end)
        painter.end()
        margin = width + 2
        self.update(
            QRectF(start, end).normalized().adjusted(-margin, -margin, margin, margin).toRect()
        )
        self.changed.emit(self.ink())

    def _end(self) -> None:
        if self._last is not None:
            self._last = None
            self.stroke_ended.emit()

    # --- Qt events -----------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            erase = event.button() == Qt.MouseButton.RightButton
            self._begin(event.position(), erase, self.brush_size)

    def mouseMoveEvent(self, event) -> None:
        self._move_hover(event.position())
        if event.buttons() & (Qt.MouseButton.LeftButton | Qt.MouseButton.RightButton):
            self._extend(event.position(), self.brush_size)

    def mouseReleaseEvent(self, event) -> None:
        self._end()

    def leaveEvent(self, event) -> None:
        self._move_hover(None)

    def tabletEvent(self, event) -> None:
        """Pen pressure sets the width; accepting stops Qt from also sending mouse events."""
        width = self.brush_size * (0.4 + 0.6 * event.pressure())
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self._begin(event.position(), False, width)
        elif kind == QEvent.Type.TabletMove:
            self._move_hover(event.position())
            self._extend(event.position(), width)
        elif kind == QEvent.Type.TabletRelease:
            self._end()
        event.accept()

    def _move_hover(self, pos: QPointF | None) -> None:
        self._hover = pos
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        paper = self._sheet.copy(event.rect())
        paper.invertPixels()  # white ink on black -> dark ink on white paper
        painter.drawImage(event.rect().topLeft(), paper)
        if self.overlay is not None:
            overlay, target = self.overlay
            painter.drawImage(target, overlay)
        if self._hover is not None:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(QColor(0, 120, 215, 160), 1))
            radius = self.brush_size * (0.75 if self.eraser else 0.5)
            painter.drawEllipse(self._hover, radius, radius)
        painter.setPen(QPen(QColor(150, 150, 150), 1))
        painter.drawRect(0, 0, SIDE - 1, SIDE - 1)
