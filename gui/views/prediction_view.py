"""The verdict: the predicted digit in large type, and a bar for each digit's probability."""

from __future__ import annotations

import numpy as np
from convlens.gui.views.probability_bars import ProbabilityBars
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget


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
        self.bars = ProbabilityBars()
        self.bars.clicked.connect(self.clicked)
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
        layout.addWidget(self.bars, 1)
        self.probabilities = np.zeros(10, np.float32)

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
        self.bars.set_values(self.probabilities, winner)

    @property
    def digit(self) -> int | None:
        """The digit shown, or None when nothing is classified."""
        text = self.digit_label.text()
        return int(text) if text.isdigit() else None
