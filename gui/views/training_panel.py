"""The training panel: the run's controls, every run's curves, and the verdict on the test set."""

from __future__ import annotations

import numpy as np
from convlens.engine.history import CURVES
from convlens.engine.training import Evaluation, Progress, TrainConfig
from convlens.gui.views.confusion_view import ConfusionView
from convlens.gui.views.run_curves import RunCurves, RunCurvesView
from convlens.gui.views.train_controls import TrainControls
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

DEFAULTS = TrainConfig()
STATUS_LINES = 4  # the status's height at first, in lines


def run_label(config: TrainConfig, architecture: str = "", from_current: bool | None = None) -> str:
    """What sets a run apart, in a few words: its length, data, start and optimizer always,
    the other settings where they are not the engine's defaults."""
    images = f"{config.train_limit:,} images" if config.train_limit else "all images"
    epochs = f"{config.epochs} epoch" + ("s" if config.epochs != 1 else "")
    parts = [architecture] if architecture else []
    parts += [epochs, images]
    if from_current is not None:
        parts.append("from current" if from_current else "from random")
    parts.append(f"{config.optimizer} lr {config.lr:g}")
    if config.optimizer == "sgd" and config.momentum != DEFAULTS.momentum:
        parts.append(f"momentum {config.momentum:g}")
    for name, text in (
        ("schedule", config.schedule),
        ("batch_size", f"batch {config.batch_size}"),
        ("loss", f"loss {config.loss}"),
        ("l1", f"L1 {config.l1:g}"),
        ("l2", f"L2 {config.l2:g}"),
        ("dropout", f"dropout {config.dropout:g}" if config.dropout is not None else ""),
        ("augment", "augmented"),
    ):
        if getattr(config, name) != getattr(DEFAULTS, name):
            parts.append(text)
    return ", ".join(parts)


class TrainingPanel(QWidget):
    """Passive: ``start_run``, ``add_progress``, ``end_run``, ``show_outcome``,
    ``add_finished_run``; the run's buttons are ``controls`` (a TrainControls)."""

    keep_clicked = Signal()
    revert_clicked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.controls = TrainControls()
        self.curves = RunCurvesView()
        self.curves.setMinimumSize(240, 110)
        self.run_list = self.curves.run_list
        self.run_list.setMinimumWidth(160)
        self.controls.x_axis_changed.connect(self.curves.set_x_axis)
        self.runs = 0  # runs started or added since the app started
        self.status = QLabel("No training yet: Train ▸ Train… (Ctrl+T)")
        self.status.setWordWrap(True)
        # room for a run's title and the test accuracy under it (see _set_status)
        line = self.status.fontMetrics().lineSpacing()
        self.status.setMinimumHeight(STATUS_LINES * line)
        self.confusion = ConfusionView()
        # as low as the status's lines beyond two leave it: the panel's least height stays
        self.confusion.setMinimumSize(180, 110 - (STATUS_LINES - 2) * line)
        # short names: the verdict's column is narrow (the status bar says "on trial: keep it
        # or go back"; their tooltips say it in full)
        self.keep_button = QPushButton("Keep")
        self.keep_button.setToolTip("Keep the model this run trained")
        self.revert_button = QPushButton("Go back")
        self.revert_button.setToolTip("Go back to the model from before the run")
        self.keep_button.clicked.connect(self.keep_clicked)
        self.revert_button.clicked.connect(self.revert_clicked)
        for button in (self.keep_button, self.revert_button):  # hidden, they keep their row:
            policy = button.sizePolicy()  # a run's start then lays nothing out again
            policy.setRetainSizeWhenHidden(True)
            button.setSizePolicy(policy)

        buttons = QHBoxLayout()
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.revert_button)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.status)
        side_layout.addLayout(buttons)
        side_layout.addWidget(self.confusion, 1)
        self.splitter = QSplitter()
        for widget in (self.curves, self.run_list, side):
            self.splitter.addWidget(widget)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.controls)
        layout.addWidget(self.splitter, 1)
        # the panel may be narrower than its side-by-side layout: it then stacks (resizeEvent)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.stacked = False
        self._wide_minimum = layout.minimumSize()
        self._stack(True)
        self._stacked_minimum = layout.minimumSize()
        self._stack(False)
        self.set_decision_visible(False)

    def minimumSizeHint(self) -> QSize:
        """As narrow as the stacked layout; as low as the layout in use, if in sight. A tab
        behind Weights gets no resizes: stacked at a width it had once, it held its tab group
        (and the window) at least 512 px tall, taller than a 768 px screen allowed."""
        stacked = self.stacked and not self.visibleRegion().isEmpty()
        height = (self._stacked_minimum if stacked else self._wide_minimum).height()
        return QSize(self._stacked_minimum.width(), height)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._stack(event.size().width() < self._wide_minimum.width())

    def _stack(self, stacked: bool) -> None:
        """The controls, the curves, the run list and the verdict one above the other (a
        dock beside the explanations), or side by side (a dock below the network)."""
        if stacked == self.stacked:
            return
        self.stacked = stacked
        self.controls.set_stacked(stacked)
        self.curves.set_stacked(stacked)
        orientation = Qt.Orientation
        self.splitter.setOrientation(orientation.Vertical if stacked else orientation.Horizontal)
        # side by side the curves take most of the width; stacked, the matrix needs its height
        stretches = (6, 1, 3) if stacked else (5, 2, 2)
        for index, stretch in enumerate(stretches):
            self.splitter.setStretchFactor(index, stretch)
        self.splitter.setSizes([1000 * stretch for stretch in stretches])  # scaled to fit
        for widget in (self.controls, self.splitter, self):
            widget.updateGeometry()
        self.layout().invalidate()

    def start_run(self, title: str, label: str = "") -> None:
        """New, empty curves for the run that starts; ``label`` (see ``run_label``) names it
        in the run list."""
        self.runs += 1
        self.curves.start_live(f"run {self.runs}" + (f": {label}" if label else ""))
        self.controls.show_lr(0.0)  # '—' until the first step's rate comes
        self._set_status(title)
        self.set_decision_visible(False)

    def add_progress(self, progress: Progress) -> None:
        """Extend the live run's curves by one report."""
        report = {name: getattr(progress, name) for name in CURVES}
        per_step = progress.seen / progress.global_step if progress.global_step else 0
        planned = {"global_step": progress.total_steps, "seen": progress.total_steps * per_step}
        self.curves.extend_live(report, planned)
        self.controls.show_lr(progress.lr)

    def end_run(self, note: str = "") -> None:
        """The live run ended; ``note`` ('stopped early', 'diverged') joins its name."""
        self.curves.end_live(note)

    def add_finished_run(self, label: str, columns: dict[str, list]) -> RunCurves:
        """Add a finished run's curves (columns as engine.history.curves makes them) to the
        run list, shown; the same curves twice are listed once."""
        for run in self.curves.runs:
            if run.columns == columns:
                return run
        self.runs += 1
        return self.curves.add_run(f"run {self.runs}: {label}", columns)

    def chosen_run(self) -> RunCurves | None:
        """The run picked in the run list, else the newest (None: no run yet)."""
        runs = self.curves.runs
        row = self.run_list.currentRow()
        return runs[row] if 0 <= row < len(runs) else (runs[-1] if runs else None)

    def show_outcome(self, note: str, evaluation: Evaluation | None, decide: bool) -> None:
        """A run's outcome in words; ``evaluation`` (the shown model's, if known) under it and
        in the confusion matrix; ``decide``: ask whether to keep the new model."""
        text = note
        if evaluation is not None:
            worst = int(np.argmin(evaluation.per_class))
            text += (
                f"\nTest accuracy: {evaluation.accuracy:.2%} on "
                f"{int(evaluation.confusion.sum()):,} images; hardest digit: {worst} "
                f"({evaluation.per_class[worst]:.1%})."
            )
            self.confusion.set_matrix(evaluation.confusion)
        else:
            self.confusion.clear_matrix()
        self._set_status(text)
        self.set_decision_visible(decide)

    def _set_status(self, text: str) -> None:
        """The status grows for a longer text, never shrinks: a run's start and end then
        leave the confusion matrix below it alone (resized, it is redrawn whole, its axes and
        100 labels: ~15 ms of the window's time, twice per run)."""
        self.status.setText(text)
        needed = self.status.heightForWidth(self.status.width())
        if needed > self.status.minimumHeight():
            self.status.setMinimumHeight(needed)

    def set_decision_visible(self, visible: bool) -> None:
        self.keep_button.setVisible(visible)
        self.revert_button.setVisible(visible)

    def curve_lengths(self) -> dict[str, int]:
        """Points in each curve of the live (else the newest) run (what the tests check)."""
        run = self.curves.live or (self.curves.runs[-1] if self.curves.runs else None)
        if run is None:
            return {}
        return {
            key: len(item.xData if item.xData is not None else [])
            for key, item in run.items.items()
        }
