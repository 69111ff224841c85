"""A 'play' control that walks a kernel or pooling window over its input, cell by cell."""

from __future__ import annotations

from convlens.engine.explain import Step
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QStyle, QToolButton, QWidget


class StepPlayer(QWidget):
    """Plays a list of ``Step``s (row-major output cells) at a speed the user sets.

    ``step_changed(step)`` fires for every cell reached, by the timer or by the buttons; a
    receiver fills the output map up to ``step.index`` and outlines ``step.field``.
    """

    step_changed = Signal(object)  # engine.explain.Step

    SPEEDS = (1, 60)  # cells per second, slider range

    def __init__(self, parent=None):
        super().__init__(parent)
        self.steps: list[Step] = []
        self.position = -1  # index of the step shown; -1 before the first
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.advance)

        icon = self.style().standardIcon
        self.play_icons = (
            icon(QStyle.StandardPixmap.SP_MediaPlay),
            icon(QStyle.StandardPixmap.SP_MediaPause),
        )
        self.play_button = QToolButton(text="Play")
        self.play_button.setIcon(self.play_icons[0])
        self.play_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.play_button.setCheckable(True)
        self.play_button.toggled.connect(self._on_play_toggled)
        self.step_button = QToolButton(text="Step")
        self.step_button.clicked.connect(self.advance)
        self.rewind_button = QToolButton()
        self.rewind_button.setIcon(icon(QStyle.StandardPixmap.SP_MediaSkipBackward))
        self.rewind_button.setToolTip("back to the first cell")
        self.rewind_button.clicked.connect(self.rewind)
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setRange(*self.SPEEDS)
        self.speed.setValue(8)
        self.speed.setToolTip("cells per second")
        self.speed.valueChanged.connect(self._on_speed_changed)
        self.speed_label = QLabel()
        self.counter = QLabel()

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.rewind_button, self.play_button, self.step_button):
            layout.addWidget(widget)
        layout.addWidget(QLabel("speed"))
        layout.addWidget(self.speed, 1)
        layout.addWidget(self.speed_label)
        layout.addWidget(self.counter)
        self._on_speed_changed(self.speed.value())
        self.set_steps([])

    def set_steps(self, steps: list[Step], position: int = -1) -> None:
        """Load a new walk (stopping any playing one); ``position`` is the cell shown now."""
        self.pause()
        self.steps = steps
        self.position = position
        self.setEnabled(bool(steps))
        self.show_counter()

    def play(self) -> None:
        self.play_button.setChecked(True)

    def toggle(self) -> None:
        """Play if paused, pause if playing (nothing without steps)."""
        if self.steps:
            self.play_button.toggle()

    def pause(self) -> None:
        self.play_button.setChecked(False)

    def advance(self) -> None:
        """Go to the next cell, or stop at the last."""
        if self.position + 1 >= len(self.steps):
            self.pause()
            return
        self.go_to(self.position + 1)

    def rewind(self) -> None:
        if self.steps:
            self.go_to(0)

    def go_to(self, position: int) -> None:
        self.position = position
        self.show_counter()
        self.step_changed.emit(self.steps[position])

    def _on_play_toggled(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
        self.play_button.setIcon(self.play_icons[playing])
        if not playing:
            self.timer.stop()
            return
        if self.position + 1 >= len(self.steps):
            self.position = -1  # at the end: play again from the start
        self.timer.start()

    def _on_speed_changed(self, cells_per_s: int) -> None:
        self.timer.setInterval(round(1000 / cells_per_s))
        self.speed_label.setText(f"{cells_per_s}/s")

    def show_counter(self) -> None:
        shown = self.position + 1 if self.steps else 0
        self.counter.setText(f"cell {shown} of {len(self.steps)}")
