"""'Make it a …': the target digit and the budget epsilon of an adversarial nudge, the
perturbation as it grows and its size, and the way back to the original drawing."""

from __future__ import annotations

import numpy as np
from convlens.gui.dialogs.dialog_size import resize_within_screen
from convlens.gui.views.overlay_image import OverlayView
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

DEFAULT_EPSILON = 0.25  # enough to flip most of the shipped model's verdicts in 10 steps
DEFAULT_STEPS = 10


class NudgeDialog(QDialog):
    """Non-modal: the maps behind it follow every step. ``nudge_clicked(target, epsilon,
    steps)``, ``stop_clicked``, ``restore_clicked``."""

    nudge_clicked = Signal(int, float, int)
    stop_clicked = Signal()
    restore_clicked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Make it a …")
        self.target = QSpinBox()
        self.target.setRange(0, 9)
        self.target.setToolTip("The digit the network should read")
        self.epsilon = QDoubleSpinBox()
        self.epsilon.setRange(0.01, 1.0)
        self.epsilon.setSingleStep(0.01)
        self.epsilon.setDecimals(2)
        self.epsilon.setValue(DEFAULT_EPSILON)
        self.epsilon.setToolTip(
            "No pixel's ink may change by more than this (ink runs from 0, paper, to 1)"
        )
        self.steps = QSpinBox()
        self.steps.setRange(1, 100)
        self.steps.setValue(DEFAULT_STEPS)
        self.steps.setToolTip("1 step: FGSM; more: projected gradient descent (PGD)")
        form = QFormLayout()
        form.addRow("Make it a", self.target)
        form.addRow("Largest change per pixel (ε)", self.epsilon)
        form.addRow("Steps", self.steps)
        self.view = OverlayView("change of ink")
        self.view.setMinimumSize(260, 220)
        self.view.setToolTip("The nudged input in grey, the change on top: red added, blue taken")
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.nudge_button = QPushButton("Nudge")
        self.nudge_button.setDefault(True)
        self.stop_button = QPushButton("Stop")
        self.restore_button = QPushButton("Restore the original")
        buttons = QHBoxLayout()
        for button in (self.nudge_button, self.stop_button, self.restore_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        self.nudge_button.clicked.connect(
            lambda: self.nudge_clicked.emit(
                self.target.value(), self.epsilon.value(), self.steps.value()
            )
        )
        self.stop_button.clicked.connect(self.stop_clicked)
        self.restore_button.clicked.connect(self.restore_clicked)
        self.set_running(False, can_restore=False)
        resize_within_screen(self, 440, 540)  # beside the maps it moves, not over most of them

    def set_running(self, running: bool, can_restore: bool) -> None:
        self.nudge_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.restore_button.setEnabled(can_restore)

    def show_change(self, image: np.ndarray | None, change: np.ndarray | None, epsilon: float):
        """The nudged input and its change from the original, on the scale +-epsilon."""
        self.view.set_ink(image)
        self.view.show_map(change, (-epsilon, epsilon))

    def show_text(self, text: str) -> None:
        self.summary.setText(text)
