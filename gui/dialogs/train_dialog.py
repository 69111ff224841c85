"""The training settings dialog: every TrainConfig field, plus where the weights start from."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from convlens.engine.choices import LOSSES, OPTIMIZERS, SCHEDULES
from convlens.engine.training import TrainConfig
from convlens.gui.dialogs.dialog_size import grow_to_rows
from convlens.gui.dialogs.form_rows import row_of
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QRadioButton,
    QSpinBox,
    QWidget,
)

# The app's defaults: the engine's, with a validation split (MNIST's usual last 5,000).
DEFAULTS = TrainConfig(validation=5000)
RISKY_LR = {"adam": 0.05, "sgd": 1.0}  # above these, a run is likely to diverge (a rule of thumb)


@dataclass(frozen=True)
class DataFacts:
    """What the dialog says about the run's data and network."""

    train_count: int | None = None  # training images in the data set (None: not known yet)
    test_count: int | None = None
    has_dropout: bool = True  # the network has a dropout layer


def available_devices() -> list[str]:
    """'auto' and the devices PyTorch can use on this machine."""
    devices = ["auto", "cpu"]
    if torch.cuda.is_available():
        devices.append("cuda")
    if torch.backends.mps.is_available():
        devices.append("mps")
    return devices


def _combo(choices: dict[str, str]) -> QComboBox:
    box = QComboBox()
    for key, text in choices.items():
        box.addItem(text, key)
    return box


def _double(decimals: int, maximum: float, step: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(decimals)
    box.setRange(0.0, maximum)
    box.setSingleStep(step)
    return box


class TrainDialog(QDialog):
    """Shown with ``open()``; read ``config()`` and ``from_current()`` once accepted.

    ``warning`` is shown above the fields (the last run with these settings diverged).
    """

    def __init__(
        self,
        config: TrainConfig,
        from_current: bool = True,
        parent=None,
        facts: DataFacts | None = None,
        warning: str = "",
        more_rows=(),
    ):
        """``more_rows``: (label, widget) rows below the settings (my digits' choices)."""
        super().__init__(parent)
        self.setWindowTitle("Train the network")
        self.facts = facts or DataFacts()
        self.warning = QLabel(warning)
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b00020")
        self.warning.setVisible(bool(warning))
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 200)
        self.batch_size = QSpinBox()
        self.batch_size.setRange(1, 8192)
        self.lr = _double(5, 10.0, 0.0005)
        self.lr.setMinimum(0.00001)
        self.lr_note = QLabel()
        self.lr_note.setStyleSheet("color: #b00020")
        self.optimizer = _combo(OPTIMIZERS)
        self.momentum = _double(3, 0.999, 0.05)
        self.schedule = _combo(SCHEDULES)
        self.loss = _combo(LOSSES)
        self.l1 = _double(6, 1.0, 0.00001)
        self.l2 = _double(6, 1.0, 0.0001)
        self.dropout_on = QCheckBox("set every dropout layer to")
        self.dropout = _double(2, 0.95, 0.05)
        self.dropout_note = QLabel("this network has no dropout layer: the rate changes nothing")
        self.dropout_note.setVisible(not self.facts.has_dropout)
        self.device = QComboBox()
        self.device.addItems(available_devices())
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.augment = QCheckBox("random warps and pen widths")
        self.train_limit = QSpinBox()
        self.train_limit.setRange(0, 60000)
        self.train_limit.setSingleStep(1000)
        self.train_limit.setSpecialValueText("all")
        self.validation = QSpinBox()
        self.validation.setRange(0, 59000)
        self.validation.setSingleStep(1000)
        self.validation.setSpecialValueText("none")
        self.split = QLabel()
        self.split.setWordWrap(True)
        self.start_current = QRadioButton("the current model")
        self.start_random = QRadioButton("random weights")

        form = QFormLayout(self)
        form.addRow(self.warning)
        rows = (
            ("Epochs", self.epochs, "Passes over the training images"),
            ("Batch size", self.batch_size, "Images per gradient step"),
            ("Learning rate", row_of(self.lr, self.lr_note, stretch=True), "The peak step size"),
            ("Optimizer", self.optimizer, "Adam adapts each weight's step; SGD follows the "
             "gradient with momentum"),
            ("SGD momentum", self.momentum, "SGD only: the share of the last step kept in the "
             "next (Nesterov); Adam ignores it"),
            ("Learning-rate schedule", self.schedule, "One cycle warms up then anneals; cosine "
             "anneals; constant keeps the rate"),
            ("Loss", self.loss, "What the gradient descends"),
            ("L1 λ (Σ|w|)", self.l1, "Adds λ·Σ|w| over conv and dense weights: pushes weights "
             "to exactly 0"),
            ("L2 λ (Σw²)", self.l2, "Adds λ·Σw² over the same weights: keeps them small"),
            ("Dropout", row_of(self.dropout_on, self.dropout, self.dropout_note, stretch=True),
             "The rate of every dropout layer of the network while training"),
            ("Device", self.device, "Where the arithmetic runs; auto picks the fastest"),
            ("Seed", self.seed, "Weights, shuffling, dropout and warps follow it: the same "
             "seed, the same run"),
            ("Augmentation", self.augment, "Each batch randomly warped and its pen widened or "
             "thinned"),
            ("Training images", self.train_limit, "Train on the first N training images only "
             "(all: every one the validation split leaves)"),
            ("Validation images", self.validation, "Held out of the END of the training set, "
             "never trained on, measured 4 times an epoch: the dashed curves"),
            ("", self.split, "The final test accuracy is measured on the test set, apart"),
            ("Start from", row_of(self.start_current, self.start_random, stretch=True),
             "Go on learning from the shown weights, or start afresh"),
        )  # fmt: skip
        for text, widget, tip in rows:
            widget.setToolTip(tip)
            for child in widget.findChildren(QWidget):
                child.setToolTip(tip)
            if text:
                label = QLabel(text)
                label.setToolTip(tip)
                form.addRow(label, widget)
            else:
                form.addRow(widget)
        for text, widget in more_rows:
            form.addRow(text, widget)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Train")
        self.reset_button = self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        self.reset_button.setText("Reset to defaults")
        self.reset_button.setToolTip("The app's default settings, starting from the current model")
        self.reset_button.clicked.connect(self.reset)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        for signal in (self.train_limit.valueChanged, self.validation.valueChanged):
            signal.connect(self._show_split)
        self.optimizer.currentIndexChanged.connect(self._show_enabled)
        self.dropout_on.toggled.connect(self._show_enabled)
        self.lr.valueChanged.connect(self._show_enabled)
        self.set_config(config, from_current)

    def showEvent(self, event) -> None:
        grow_to_rows(self)  # before QDialog centres it on the window
        super().showEvent(event)

    def reset(self) -> None:
        """Back to the app's defaults (and the warning about the old settings goes)."""
        self.set_config(DEFAULTS, True)
        self.warning.hide()

    def set_config(self, config: TrainConfig, from_current: bool) -> None:
        self.epochs.setValue(config.epochs)
        self.batch_size.setValue(config.batch_size)
        self.lr.setValue(config.lr)
        self.optimizer.setCurrentIndex(max(0, self.optimizer.findData(config.optimizer)))
        self.momentum.setValue(config.momentum)
        self.schedule.setCurrentIndex(max(0, self.schedule.findData(config.schedule)))
        self.loss.setCurrentIndex(max(0, self.loss.findData(config.loss)))
        self.l1.setValue(config.l1)
        self.l2.setValue(config.l2)
        self.dropout_on.setChecked(config.dropout is not None)
        self.dropout.setValue(config.dropout if config.dropout is not None else 0.25)
        self.device.setCurrentIndex(max(0, self.device.findText(config.device)))
        self.seed.setValue(config.seed)
        self.augment.setChecked(config.augment)
        self.train_limit.setValue(config.train_limit or 0)
        self.validation.setValue(config.validation)
        (self.start_current if from_current else self.start_random).setChecked(True)
        self._show_enabled()
        self._show_split()

    def _show_enabled(self) -> None:
        """Fields that do nothing with the other settings are greyed, and a risky rate said."""
        optimizer = self.optimizer.currentData()
        self.momentum.setEnabled(optimizer == "sgd")
        self.dropout_on.setEnabled(self.facts.has_dropout)
        self.dropout.setEnabled(self.facts.has_dropout and self.dropout_on.isChecked())
        risky = self.lr.value() > RISKY_LR.get(optimizer, 1.0)
        self.lr_note.setText("this high, a run is likely to diverge" if risky else "")

    def _show_split(self) -> None:
        """Which images the run trains on, which it validates on, in words."""
        held, limit = self.validation.value(), self.train_limit.value()
        count, tests = self.facts.train_count, self.facts.test_count
        test = f"the {tests:,} test images" if tests else "the test set"
        if count is not None and held >= count:
            self.split.setText(
                f"The split would leave none of the {count:,} training images to train on: "
                "a tenth of them will validate instead."
            )
            return
        if count is not None:
            rest = count - held
            used = min(limit, rest) if limit else rest
            trains = f"Trains on images 0–{used - 1:,} of {count:,}"
            val = f"validates on {count - held:,}–{count - 1:,}" if held else "no validation"
        else:
            trains = f"Trains on the first {limit:,} images" if limit else "Trains on all images"
            val = f"validates on the last {held:,}" if held else "no validation"
        self.split.setText(f"{trains}; {val}; the test accuracy is on {test}.")

    def config(self) -> TrainConfig:
        """The settings as the engine takes them."""
        return TrainConfig(
            epochs=self.epochs.value(),
            batch_size=self.batch_size.value(),
            lr=self.lr.value(),
            optimizer=self.optimizer.currentData(),
            momentum=self.momentum.value(),
            schedule=self.schedule.currentData(),
            loss=self.loss.currentData(),
            l1=self.l1.value(),
            l2=self.l2.value(),
            dropout=self.dropout.value() if self.dropout.isEnabled() else None,
            augment=self.augment.isChecked(),
            device=self.device.currentText(),
            seed=self.seed.value(),
            train_limit=self.train_limit.value() or None,
            validation=self.validation.value(),
        )

    def from_current(self) -> bool:
        """True: continue from the current weights; False: fresh random ones."""
        return self.start_current.isChecked()
