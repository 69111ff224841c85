"""'Add to my digits': a row of ten buttons under the canvas, and the keys 0-9 on the canvas."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

DIGIT_KEYS = {getattr(Qt.Key, f"Key_{d}"): d for d in range(10)}


class AddDigitBar(QWidget):
    """``add_requested(label)``: store the current input as a digit of class ``label``."""

    add_requested = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        title = QLabel("Add to my digits as")
        title.setToolTip("Or press the digit's key while the canvas has the focus")
        layout.addWidget(title)
        self.buttons: list[QToolButton] = []
        for digit in range(10):
            button = QToolButton()
            button.setText(str(digit))
            button.setToolTip(f"Store this drawing as a {digit} in my digits (key {digit})")
            button.clicked.connect(lambda _=False, d=digit: self.add_requested.emit(d))
            layout.addWidget(button)
            self.buttons.append(button)
        layout.addStretch(1)


class DigitKeys(QObject):
    """An event filter: a digit key pressed (no Ctrl, Alt or Meta) on the watched widget
    emits ``pressed(digit)`` and goes no further."""

    pressed = Signal(int)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.KeyPress and event.key() in DIGIT_KEYS:
            held = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
            if not event.modifiers() & (held | Qt.KeyboardModifier.MetaModifier):
                self.pressed.emit(DIGIT_KEYS[event.key()])
                return True
        return False
