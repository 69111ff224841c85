"""The verdict: the predicted digit in large type, and a bar for each digit's probability."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from convlens.gui.views.plain_label import PlainLabel
from convlens.gui.views.repaint import repaint_in_one_rect
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

BAR = "#8fa9c9"
WINNER = "#c0392b"


class WrappedLabel(QLabel):
    """Text wrapped into three lines kept for it. A word-wrapped QLabel has a height for its
    width, and then the whole input column's layout sizes each part by its preferred height,
    squeezing the canvas on a laptop; this one says it has none."""

    def __init__(self, text: str):
        super().__init__(text)
        self.setWordWrap(True)
        self.setMinimumHeight(3 * self.fontMetrics().lineSpacing())

    def hasHeightForWidth(self) -> bool:
        return False


class PredictionView(QWidget):
    """Built once; ``set_probabilities`` updates the bars and labels in place.

    ``clicked`` fires on a left click on the bars (the window explains the softmax then).
    """

    clicked = Signal()

    def __init__(self, beside: QWidget | None = None, parent=None):
        """``beside``: a widget shown left of the digit (the network's input)."""
        super().__init__(parent)
        self.digit_label = QLabel("–")
        font = QFont()
        font.setPointSize(44)
        font.setBold(True)
        self.digit_label.setFont(font)
        self.digit_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = WrappedLabel("Draw a digit")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.plot = repaint_in_one_rect(pg.PlotWidget(background="w"))
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setYRange(0, 1.25, padding=0)
        self.plot.setXRange(-0.6, 9.6, padding=0)
        self.plot.getAxis("bottom").setTicks([[(d, str(d)) for d in range(10)]])
        self.plot.getAxis("left").setTicks([[(v, f"{v:.0%}") for v in (0, 0.5, 1)]])
        self.plot.setMinimumHeight(96)
        self.plot.setToolTip(
            "Click to see how the softmax turns the logits into these probabilities"
        )
        self.plot.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.bars = pg.BarGraphItem(
            x=np.arange(10), height=np.zeros(10), width=0.7, brushes=[BAR] * 10, pen=None
        )
        self.plot.addItem(self.bars)
        self.value_labels = []
        for d in range(10):
            label = PlainLabel("", d, 0, (0.5, 1), color="#222")
            self.plot.addItem(label)
            self.value_labels.append(label)
        verdict = QVBoxLayout()
        verdict.addWidget(self.digit_label)
        verdict.addWidget(self.caption)
        top = QHBoxLayout()
        if beside is not None:
            top.addWidget(beside)
        top.addLayout(verdict, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        self.probabilities = np.zeros(10, np.float32)
        self._winner: int | None = None

    def set_probabilities(self, probabilities: np.ndarray | None, note: str = "") -> None:
        """Show the ten probabilities (None: nothing to classify, with ``note`` as the reason)."""
        shown = probabilities is not None
        self.probabilities = np.asarray(probabilities if shown else np.zeros(10), np.float32)
        winner = int(self.probabilities.argmax()) if shown else None
        self.digit_label.setText("–" if winner is None else str(winner))
        if winner is None:
            self.caption.setText(note or "Draw a digit")
        else:  # how sure, and where the input came from (a file, a test digit)
            sure = f"{self.probabilities[winner]:.1%} sure"
            self.caption.setText(f"{sure}\n{note}" if note else sure)
        if winner != self._winner:  # new brushes redraw every bar: only when the winner moves
            self._winner = winner
            brushes = [WINNER if d == winner else BAR for d in range(10)]
            self.bars.setOpts(height=self.probabilities, brushes=brushes)
        else:
            self.bars.setOpts(height=self.probabilities)
        for d, (label, p) in enumerate(zip(self.value_labels, self.probabilities, strict=True)):
            text = f"{p:.0%}" if shown and p >= 0.005 else ""
            label.set_text(text)
            if text:  # an empty label need not follow its bar (each move costs a relayout)
                label.setPos(d, float(p))

    def _on_mouse_clicked(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            event.accept()
            self.clicked.emit()

    @property
    def digit(self) -> int | None:
        """The digit shown, or None when nothing is classified."""
        text = self.digit_label.text()
        return int(text) if text.isdigit() else None
