"""Train ▸ Experiment…: sweep one setting, all else equal, and watch the results come in.

Left: a ready-made experiment or one's own settings, Run and Stop, the progress and the time
left. Right: the final accuracies and losses against the value, and a table of every run;
a finished run's model can be kept as the current model.
"""

from __future__ import annotations

import math

from convlens.engine.experiments import Experiment
from convlens.engine.spec import Architecture
from convlens.engine.sweep import SweepRun
from convlens.engine.training import TrainConfig
from convlens.gui.dialogs.dialog_size import resize_within_screen
from convlens.gui.dialogs.experiment_form import SETTING_NAMES, ExperimentForm, SweepRequest
from convlens.gui.views.sweep_plot import SweepPlot
from convlens.gui.views.sweep_table import SweepTable
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

OWN = "(your own: choose below)"


def duration(seconds: float) -> str:
    """'about 45 s', 'about 2 min'; '…' while unknown."""
    if not math.isfinite(seconds):
        return "…"
    return f"about {seconds:.0f} s" if seconds < 90 else f"about {seconds / 60:.0f} min"


class ExperimentDialog(QDialog):
    """Passive: ``fill``, ``start``, ``show_progress``, ``add_run``, ``finish``,
    ``show_problem``; ``run_clicked``, ``stop_clicked``, ``keep_clicked(row)`` out."""

    run_clicked = Signal()
    stop_clicked = Signal()
    keep_clicked = Signal(int)  # the table's row

    def __init__(
        self,
        current: tuple[str, Architecture],
        presets: dict[str, Architecture],
        config: TrainConfig,
        experiments: tuple[Experiment, ...],
        parent=None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Experiment: sweep one setting")
        self.experiments = experiments
        self.ready_made = QComboBox()
        self.ready_made.addItem(OWN)
        self.ready_made.addItems([experiment.title for experiment in experiments])
        self.look_for = QLabel()
        self.look_for.setWordWrap(True)
        self.form = ExperimentForm(current, presets, config)
        self.run_button = QPushButton("Run")
        self.run_button.setDefault(True)
        self.stop_button = QPushButton("Stop")
        self.close_button = QPushButton("Close")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.state = QLabel("Each value trains in turn, with the same seed and images.")
        self.state.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020")
        self.plot = SweepPlot()
        self.table = SweepTable()
        self.keep_button = QPushButton("Keep the selected run's model as the current model")
        self.keep_button.setEnabled(False)
        self._layout()
        self.ready_made.currentIndexChanged.connect(self._on_ready_made)
        self.run_button.clicked.connect(self.run_clicked)
        self.stop_button.clicked.connect(self.stop_clicked)
        self.close_button.clicked.connect(self.reject)
        self.keep_button.clicked.connect(self._on_keep)
        self.table.run_chosen.connect(self.keep_clicked)
        self.table.itemSelectionChanged.connect(
            lambda: self.keep_button.setEnabled(self.table.chosen_row() is not None)
        )
        self.set_running(False)

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        for button in (self.run_button, self.stop_button, self.close_button):
            buttons.addWidget(button)
        left = QVBoxLayout()
        left.addWidget(QLabel("Ready-made experiment"))
        left.addWidget(self.ready_made)
        left.addWidget(self.look_for)
        left.addWidget(self.form)
        left.addLayout(buttons)
        left.addWidget(self.progress)
        left.addWidget(self.state)
        left.addWidget(self.problem)
        left.addStretch(1)
        settings = QWidget()
        settings.setLayout(left)
        results = QSplitter(Qt.Orientation.Vertical)
        results.addWidget(self.plot)
        table = QWidget()
        column = QVBoxLayout(table)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.table)
        column.addWidget(self.keep_button)
        results.addWidget(table)
        results.setStretchFactor(0, 1)
        results.setStretchFactor(1, 1)
        split = QSplitter()
        split.addWidget(settings)
        split.addWidget(results)
        split.setStretchFactor(1, 1)
        split.setSizes([360, 800])
        layout = QHBoxLayout(self)
        layout.addWidget(split)
        resize_within_screen(self, 1160, 660)

    def fill(self, experiment: Experiment) -> None:
        """Show a ready-made experiment (its settings, and what to look for)."""
        self.ready_made.setCurrentIndex(self.experiments.index(experiment) + 1)

    def _on_ready_made(self, index: int) -> None:
        if index == 0:
            self.look_for.setText("")
            return
        experiment = self.experiments[index - 1]
        self.form.fill(experiment)
        self.look_for.setText(f"What to look for: {experiment.look_for}")

    def request(self) -> SweepRequest | None:
        """The sweep asked for, or None (the reason shown) when it cannot run."""
        try:
            request = self.form.request()
        except ValueError as error:
            self.show_problem(str(error))
            return None
        self.show_problem("")
        return request

    def set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.form.setEnabled(not running)
        self.ready_made.setEnabled(not running)

    def start(self, request: SweepRequest) -> None:
        """Empty results for ``request``'s values; the sweep is running."""
        name = SETTING_NAMES[request.setting]
        self.plot.start(name, request.values)
        self.table.start(request.values)
        self.table.set_running(0)
        self.progress.setValue(0)
        self.state.setText(f"Training {name} = {request.values[0]} (1 of {len(request.values)})…")
        self.show_problem("")
        self.set_running(True)

    def show_progress(self, index: int, count: int, fraction: float, seconds_left: float):
        """Run ``index`` of ``count`` is ``fraction`` done; the sweep needs ``seconds_left``."""
        self.progress.setValue(round(1000 * (index + fraction) / count))
        self.state.setText(
            f"Run {index + 1} of {count}: {fraction:.0%}; time left {duration(seconds_left)}"
        )

    def add_run(self, row: int, run: SweepRun) -> None:
        """A run ended: its numbers in the table and on the plot (or why it could not run)."""
        if run.error is not None:
            self.table.set_error(row, run.error)
        else:
            accuracies = (run.train_accuracy, run.val_accuracy)
            losses = (run.train_loss, run.val_loss)
            self.table.set_result(row, run.params, accuracies, losses, run.seconds)
            self.plot.add_run(run.value, run.row())
        if row + 1 < self.table.rowCount():
            self.table.set_running(row + 1)

    def finish(self, text: str, done: int) -> None:
        """The sweep ended after ``done`` runs (stopped, failed or complete)."""
        self.table.set_stopped(range(done, self.table.rowCount()))
        if done == self.table.rowCount():
            self.progress.setValue(self.progress.maximum())
        self.state.setText(text)
        self.set_running(False)

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)

    def _on_keep(self) -> None:
        row = self.table.chosen_row()
        if row is not None:
            self.keep_clicked.emit(row)
