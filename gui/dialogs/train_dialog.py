"""The training settings dialog: every TrainConfig field, plus where the weights start from."""

from __future__ import annotations

import torch
from convlens.engine.choices import LOSSES, OPTIMIZERS, SCHEDULES
from convlens.engine.training import TrainConfig
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QRadioButton,
    QSpinBox,
    QWidget,
)


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
    """Shown with ``open()``; read ``config()`` and ``from_current()`` once accepted."""

    def __init__(self, config: TrainConfig, from_current: bool = True, parent=None, rows=()):
        """``rows``: more (label, widget) rows, above the buttons (my digits' choices)."""
        super().__init__(parent)
        self.setWindowTitle("Train the network")
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 200)
        self.batch_size = QSpinBox()
        self.batch_size.setRange(1, 8192)
        self.lr = _double(5, 10.0, 0.0005)
        self.lr.setMinimum(0.00001)
        self.optimizer = _combo(OPTIMIZERS)
        self.schedule = _combo(SCHEDULES)
        self.loss = _combo(LOSSES)
        self.l1 = _double(6, 1.0, 0.00001)
        self.l2 = _double(6, 1.0, 0.0001)
        self.dropout_on = QCheckBox("set every dropout layer to")
        self.dropout = _double(2, 0.95, 0.05)
        self.dropout_on.toggled.connect(self.dropout.setEnabled)
        self.device = QComboBox()
        self.device.addItems(available_devices())
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.augment = QCheckBox("random warps and pen widths")
        self.train_limit = QSpinBox()
        self.train_limit.setRange(0, 60000)
        self.train_limit.setSingleStep(1000)
        self.train_limit.setSpecialValueText("all 60,000")
        self.start_current = QRadioButton("the current model")
        self.start_random = QRadioButton("random weights")

        dropout_row = QHBoxLayout()
        dropout_row.setContentsMargins(0, 0, 0, 0)
        dropout_row.addWidget(self.dropout_on)
        dropout_row.addWidget(self.dropout)
        start_row = QHBoxLayout()
        start_row.setContentsMargins(0, 0, 0, 0)
        start_row.addWidget(self.start_current)
        start_row.addWidget(self.start_random)
        form = QFormLayout(self)
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Learning rate", self.lr)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Learning-rate schedule", self.schedule)
        form.addRow("Loss", self.loss)
        form.addRow("L1 λ (Σ|w|)", self.l1)
        form.addRow("L2 λ (Σw²)", self.l2)
        form.addRow("Dropout", _row_widget(dropout_row))
        form.addRow("Device", self.device)
        form.addRow("Seed", self.seed)
        form.addRow("Augmentation", self.augment)
        form.addRow("Training images", self.train_limit)
        form.addRow("Start from", _row_widget(start_row))
        for label, widget in rows:
            form.addRow(label, widget)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Train")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.set_config(config, from_current)

    def set_config(self, config: TrainConfig, from_current: bool) -> None:
        self.epochs.setValue(config.epochs)
        self.batch_size.setValue(config.batch_size)
        self.lr.setValue(config.lr)
        self.optimizer.setCurrentIndex(max(0, self.optimizer.findData(config.optimizer)))
        self.schedule.setCurrentIndex(max(0, self.schedule.findData(config.schedule)))
        self.loss.setCurrentIndex(max(0, self.loss.findData(config.loss)))
        self.l1.setValue(config.l1)
        self.l2.setValue(config.l2)
        self.dropout_on.setChecked(config.dropout is not None)
        self.dropout.setEnabled(config.dropout is not None)
        self.dropout.setValue(config.dropout if config.dropout is not None else 0.25)
        self.device.setCurrentIndex(max(0, self.device.findText(config.device)))
        self.seed.setValue(config.seed)
        self.augment.setChecked(config.augment)
        self.train_limit.setValue(config.train_limit or 0)
        (self.start_current if from_current else self.start_random).setChecked(True)

    def config(self) -> TrainConfig:
        """The settings as the engine takes them."""
        return TrainConfig(
            epochs=self.epochs.value(),
            batch_size=self.batch_size.value(),
            lr=self.lr.value(),
            optimizer=self.optimizer.currentData(),
            schedule=self.schedule.currentData(),
            loss=self.loss.currentData(),
            l1=self.l1.value(),
            l2=self.l2.value(),
            dropout=self.dropout.value() if self.dropout_on.isChecked() else None,
            augment=self.augment.isChecked(),
            device=self.device.currentText(),
            seed=self.seed.value(),
            train_limit=self.train_limit.value() or None,
        )

    def from_current(self) -> bool:
        """True: continue from the current weights; False: fresh random ones."""
        return self.start_current.isChecked()


def _row_widget(layout: QHBoxLayout) -> QWidget:
    widget = QWidget()
    widget.setLayout(layout)
    return widget
