"""The left column: the canvas and its tools, the test-set browser, the 28x28 input, the verdict."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from convlens.gui.views.canvas import DrawingCanvas
from convlens.gui.views.map_image import INK_TABLE, MapImage, colorize
from convlens.gui.views.prediction_view import PredictionView
from convlens.gui.views.repaint import repaint_in_one_rect
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)


class InputView(pg.GraphicsLayoutWidget):
    """The 28x28 image the network sees, enlarged with visible pixels."""

    def __init__(self, parent=None):
        super().__init__(parent)
        repaint_in_one_rect(self)
        self.setBackground("w")
        self.setFixedSize(84, 84)  # 3 screen pixels per input pixel
        self.ci.layout.setContentsMargins(0, 0, 0, 0)
        view = self.addViewBox(invertY=True, lockAspect=True, enableMenu=False)
        view.setMouseEnabled(x=False, y=False)
        self.item = MapImage()  # coloured here, once per image: lean to repaint
        view.addItem(self.item)
        view.setRange(xRange=(0, 28), yRange=(0, 28), padding=0.02)
        border = pg.QtWidgets.QGraphicsRectItem(0, 0, 28, 28)
        border.setPen(pg.mkPen("#999", width=1, cosmetic=True))
        view.addItem(border)
        self.set_image(np.zeros((28, 28), np.float32))

    def set_image(self, image: np.ndarray) -> None:
        self.item.show(image, (0.0, 1.0), colorize(image, (0.0, 1.0), INK_TABLE))


class InputPanel(QWidget):
    """Widgets only: the main window connects them to its actions and to the network."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.canvas = DrawingCanvas()
        self.brush_slider = QSlider(Qt.Orientation.Horizontal)
        self.brush_slider.setRange(6, 40)
        self.brush_slider.setValue(self.canvas.brush_size)
        self.brush_slider.setToolTip("Pen width in canvas pixels (the canvas is 280×280)")
        self.brush_slider.valueChanged.connect(self._on_brush_changed)
        self.eraser_button = QToolButton()
        self.eraser_button.setText("Eraser")
        self.eraser_button.setCheckable(True)
        self.eraser_button.setToolTip("Erase with the left button (the right button always erases)")
        self.eraser_button.toggled.connect(self._on_eraser_toggled)
        self.undo_button = QToolButton()
        self.redo_button = QToolButton()
        self.clear_button = QToolButton()
        tools = QHBoxLayout()
        tools.addWidget(QLabel("Pen"))
        tools.addWidget(self.brush_slider, 1)
        tools.addWidget(self.eraser_button)
        tools.addWidget(self.undo_button)
        tools.addWidget(self.redo_button)
        tools.addWidget(self.clear_button)

        self.input_view = InputView()
        self.input_view.setToolTip(
            "What the network sees: the ink cropped, scaled to 20×20 and centred in 28×28, "
            "as the MNIST digits were made"
        )
        seen = QWidget()
        seen_layout = QVBoxLayout(seen)
        seen_layout.setContentsMargins(0, 0, 0, 0)
        seen_layout.setSpacing(0)
        seen_layout.addWidget(self.input_view)
        seen_caption = QLabel("network input")
        seen_caption.setStyleSheet("color: #555")
        seen_caption.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        seen_layout.addWidget(seen_caption)
        self.steps_button = QToolButton()  # its action opens the steps that made the input
        self.steps_button.setAutoRaise(True)
        seen_layout.addWidget(self.steps_button, 0, Qt.AlignmentFlag.AlignHCenter)

        self.next_button = QPushButton("Next")
        self.random_button = QPushButton("Random")
        self.previous_mistake_button = QPushButton("◀ Mistake")
        self.previous_mistake_button.setToolTip("The previous test digit this model gets wrong")
        self.next_mistake_button = QPushButton("Mistake ▶")
        self.next_mistake_button.setToolTip("The next test digit this model gets wrong")
        self.sample_label = QLabel("")
        browse = QWidget()  # no group box: its frame and title cost a laptop screen 30 px
        rows = QVBoxLayout(browse)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(2)
        row = QHBoxLayout()
        for button in (self.next_button, self.random_button):
            row.addWidget(button)
        row.addStretch(1)
        for button in (self.previous_mistake_button, self.next_mistake_button):
            row.addWidget(button)
        rows.addLayout(row)
        named = QHBoxLayout()
        named.addWidget(QLabel("MNIST test set"))
        named.addWidget(self.sample_label, 1)
        rows.addLayout(named)

        self.prediction = PredictionView(beside=seen)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.canvas, 0, Qt.AlignmentFlag.AlignHCenter)
        self.hint = hint = QLabel("Draw a digit: left button draws, right button erases")
        hint.setStyleSheet("color: #555")
        hint.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(hint)
        layout.addLayout(tools)
        layout.addWidget(browse)
        layout.addWidget(self.prediction, 1)

    def show_test_digit(self, index: int | None, label: int = 0, read_as: int | None = None):
        """The test digit shown (None: the input is not one) and, if wrong, the verdict."""
        text = "" if index is None else f"#{index}: labelled {label}"
        if index is not None and read_as is not None and read_as != label:
            text += f' <span style="color:#c0392b">— read as {read_as}</span>'
        self.sample_label.setText(text)

    def _on_brush_changed(self, value: int) -> None:
        self.canvas.brush_size = value

    def _on_eraser_toggled(self, on: bool) -> None:
        self.canvas.eraser = on
