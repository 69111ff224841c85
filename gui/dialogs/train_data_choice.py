"""The train dialog's rows for my digits: what to train on, and the short fine-tune."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QButtonGroup, QCheckBox, QHBoxLayout, QRadioButton, QWidget

CHOICES = ("mnist", "mine", "both")


class TrainDataChoice(QObject):
    """'Train on' MNIST, my digits or both, and 'a short fine-tune of the current model'
    (engine.finetune's recipe, instead of the dialog's settings): ``rows`` for the dialog's
    form; read ``choice()`` and ``fine_tune()``."""

    def __init__(self, count: int, repeat: int, steps: int, lr: float, parent=None):
        """``count`` digits of the user's; ``repeat``: how often 'both' shows each per pass."""
        super().__init__(parent)
        self.mnist = QRadioButton("MNIST")
        self.mine = QRadioButton(f"my digits ({count})")
        self.both = QRadioButton(f"both (my digits ×{repeat})")
        self.both.setToolTip(
            f"Each of my {count} digits is seen {repeat} times a pass, so that they make about "
            "a twentieth of the images and are not drowned out by MNIST's 60,000"
        )
        self.group = QButtonGroup(self)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for button in (self.mnist, self.mine, self.both):
            self.group.addButton(button)
            row.addWidget(button)
            button.setEnabled(count > 0 or button is self.mnist)
        self.mnist.setChecked(True)
        self.finetune = QCheckBox(f"short fine-tune of the current model ({steps} steps)")
        self.finetune.setToolTip(
            f"Adam at lr {lr:g} for {steps} steps from the current model, in place of the "
            "settings above: it teaches the network your digits while it keeps what it knows "
            "of MNIST (Start from is then the current model)"
        )
        self.mine.toggled.connect(lambda on: on and self.finetune.setChecked(True))
        self.both.toggled.connect(lambda on: on and self.finetune.setChecked(True))
        buttons = QWidget()
        buttons.setLayout(row)
        self.rows: list[tuple[str, QWidget]] = [("Train on", buttons), ("Recipe", self.finetune)]

    def choice(self) -> str:
        """'mnist', 'mine' or 'both'."""
        return CHOICES[[self.mnist, self.mine, self.both].index(self.group.checkedButton())]

    def fine_tune(self) -> bool:
        return self.finetune.isChecked()
