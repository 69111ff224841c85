"""The buttons that steer a running training: pause, one step, speed, learning rate."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

FULL_SPEED = 0.0  # the speed box's special value: no limit
MAX_SPEED = 100.0  # steps per second; above it, full speed is as good


class TrainControls(QWidget):
    """Passive: ``set_running``, ``set_paused``, ``show_lr``; emits what the user asks."""

    pause_toggled = Signal(bool)  # True: pause, False: resume
    step_clicked = Signal()
    speed_changed = Signal(object)  # steps per second, or None for full speed
    lr_set = Signal(float)
    x_axis_changed = Signal(str)  # 'seen' or 'global_step'
    export_clicked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip("Hold the run before its next batch (the weights stay shown)")
        self.pause_button.toggled.connect(self._on_pause_toggled)
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("While paused: train on exactly one more batch, then pause")
        self.step_button.clicked.connect(self.step_clicked)
        self.speed = QDoubleSpinBox()
        self.speed.setRange(FULL_SPEED, MAX_SPEED)
        self.speed.setDecimals(1)
        self.speed.setSingleStep(0.5)
        self.speed.setSuffix(" steps/s")
        self.speed.setSpecialValueText("full speed")
        self.speed.setToolTip(
            "Slow the run down to watch kernels and maps change (they update at every step "
            "below 4 steps/s); 'full speed' (0) sets no limit"
        )
        self.speed.valueChanged.connect(self._on_speed)
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(6)
        self.lr.setRange(0.0, 10.0)
        self.lr.setSpecialValueText("—")  # 0: no step taken yet
        self.lr.setSingleStep(0.0005)
        self.lr.setToolTip(
            "The learning rate of the last step; while paused, type another and press Set: it "
            "holds from the next step on (the schedule then no longer steers it)"
        )
        self.lr_button = QPushButton("Set lr")
        self.lr_button.setToolTip(self.lr.toolTip())
        self.lr_button.clicked.connect(self._on_set_lr)
        self.x_axis = QComboBox()
        self.x_axis.addItem("images seen", "seen")
        self.x_axis.addItem("steps", "global_step")
        self.x_axis.setToolTip("The x axis of the curves: images seen compares runs of any batch")
        self.x_axis.currentIndexChanged.connect(
            lambda _: self.x_axis_changed.emit(self.x_axis.currentData())
        )
        self.export_button = QPushButton("Export run…")
        self.export_button.setToolTip(
            "Save the chosen run's curves and the confusion matrix as PNG and CSV"
        )
        self.export_button.clicked.connect(self.export_clicked)
        # four groups side by side, or one above the other where the panel is narrow
        self.groups = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.groups.setContentsMargins(0, 0, 0, 0)
        for widgets in (
            (self.pause_button, self.step_button),
            (QLabel("Speed"), self.speed),
            (QLabel("lr"), self.lr, self.lr_button),
            (QLabel("x axis"), self.x_axis, self.export_button),
        ):
            group = QHBoxLayout()
            for widget in widgets:
                group.addWidget(widget)
            group.addStretch(1)
            self.groups.addLayout(group)
        self.set_running(False)

    def set_stacked(self, stacked: bool) -> None:
        """The groups of buttons one above the other (True) or side by side."""
        direction = QBoxLayout.Direction
        self.groups.setDirection(direction.TopToBottom if stacked else direction.LeftToRight)

    def set_running(self, running: bool) -> None:
        """A run goes on (the run buttons work) or not (they rest, unpaused)."""
        self.pause_button.setEnabled(running)
        if not running:
            self.set_paused(False)

    def set_paused(self, paused: bool) -> None:
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(paused)
        self.pause_button.blockSignals(False)
        self.pause_button.setText("Resume" if paused else "Pause")
        self.step_button.setEnabled(paused)
        self.lr.setEnabled(paused)
        self.lr_button.setEnabled(paused)

    def show_lr(self, lr: float) -> None:
        """The learning rate of the last step (not while the user may be typing one)."""
        if not self.lr.isEnabled():
            self.lr.setValue(lr)

    def steps_per_s(self) -> float | None:
        value = self.speed.value()
        return None if value == FULL_SPEED else value

    def _on_set_lr(self) -> None:
        if self.lr.value() > 0:
            self.lr_set.emit(self.lr.value())

    def _on_pause_toggled(self, paused: bool) -> None:
        self.set_paused(paused)
        self.pause_toggled.emit(paused)

    def _on_speed(self, _value: float) -> None:
        self.speed_changed.emit(self.steps_per_s())
