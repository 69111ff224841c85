"""Train ▸ Experiment…: the dialog, the sweep in the background, and keeping a run's model.

The other settings are the Train dialog's (its saved config); each run starts from random
weights with the same seed and trains on the same images. Each finished run is offered to the
training panel's run list through ``run_finished``, and any of them can become the current
model: the Session then holds it on trial (keep or go back), as after a run of Train ▸ Train….
"""

from __future__ import annotations

import datetime
from dataclasses import asdict

from convlens.engine import history
from convlens.engine.experiments import EXPERIMENTS, Experiment
from convlens.engine.model_file import ModelInfo
from convlens.engine.presets import PRESETS
from convlens.engine.sweep import SweepRun, apply
from convlens.gui.controllers.data import DataController
from convlens.gui.controllers.training import load_config
from convlens.gui.dialogs.experiment_dialog import ExperimentDialog
from convlens.gui.dialogs.experiment_form import SETTING_NAMES, SweepRequest
from convlens.gui.services.mnist_source import MnistSource
from convlens.gui.services.sweeper import SweepWorker, time_left
from convlens.gui.services.trainer import Trainer
from convlens.gui.services.workers import Job
from convlens.gui.session import Run, Session
from convlens.gui.views.sweep_table import show_value
from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget


class ExperimentController(QObject):
    """Runs one sweep at a time (never beside a training run: they would share 2 cores)."""

    run_finished = Signal(str, dict)  # label, curves (engine.history.curves) of a run

    def __init__(
        self,
        session: Session,
        source: MnistSource,
        trainer: Trainer,
        data: DataController,
        settings: QSettings,
        parent: QWidget,
    ):
        super().__init__(parent)
        self._session, self._trainer, self._data = session, trainer, data
        self._settings, self._parent = settings, parent
        self._load_data = source.load
        self.job = Job(self)  # the sweep's worker and thread
        self.dialog: ExperimentDialog | None = None
        self.request: SweepRequest | None = None  # the sweep under way, or the last one
        self.runs: list[SweepRun] = []  # its runs so far, one per value in order
        self._failure = ""
        self.job.ended.connect(self._on_ended)

    def add_menu(self, menu: QMenu) -> None:
        """Train ▸ Experiment… and Train ▸ Experiments ▸ (the ready-made ones) into ``menu``."""
        action = QAction("Experiment…", self._parent)
        action.triggered.connect(lambda _checked=False: self.ask())
        menu.addAction(action)
        ready = menu.addMenu("Experiments")
        ready.setToolTipsVisible(True)
        for experiment in EXPERIMENTS:
            entry = ready.addAction(experiment.title)
            entry.setToolTip(experiment.look_for)
            entry.triggered.connect(lambda _checked=False, e=experiment: self.ask(e))

    def ask(self, experiment: Experiment | None = None) -> None:
        """Show the dialog (non-blocking), filled with ``experiment`` if one is given and no
        sweep runs; its results stay until the next sweep."""
        current = (self._session.info.name, self._session.model.architecture)
        config = load_config(self._settings)
        if self.dialog is None:
            presets = {name: make() for name, make in PRESETS.items()}
            self.dialog = ExperimentDialog(current, presets, config, EXPERIMENTS, self._parent)
            self.dialog.run_clicked.connect(self._on_run_clicked)
            self.dialog.stop_clicked.connect(self.stop)
            self.dialog.keep_clicked.connect(self.keep)
            self.dialog.rejected.connect(self.stop)  # closed: the sweep has no one to watch it
        elif not self.is_running():
            self.dialog.form.set_current(current, config)
        if experiment is not None and not self.is_running():
            self.dialog.fill(experiment)
        self.dialog.show()
        self.dialog.raise_()

    def _on_run_clicked(self) -> None:
        request = self.dialog.request()
        if request is None or self.is_running():
            return
        if self._trainer.is_running():
            self.dialog.show_problem("A training run is going on: stop it or wait for it first.")
            return
        self._data.ensure(lambda: self.start(request), need="Experiments need")

    def start(self, request: SweepRequest) -> None:
        """Run the sweep ``request`` describes, the results shown in the dialog."""
        if self.is_running() or self._trainer.is_running():
            return
        self.request, self.runs, self._failure = request, [], ""
        self.dialog.start(request)
        worker = SweepWorker(
            request.architecture,
            request.config,
            request.setting,
            request.values,
            request.layer,
            self._load_data,
        )
        self.job.start(
            worker, progress=self._on_progress, run_done=self._on_run, failed=self._on_failed
        )

    def is_running(self) -> bool:
        return self.job.is_running()

    def stop(self) -> None:
        """End the run under way; the finished ones stay."""
        if self.is_running():
            self.job.stop()
            self._session.message.emit("Stopping the experiment after this step…")

    def shutdown(self) -> None:
        """Stop and release the worker (the window is closing)."""
        self.job.shutdown()

    def _on_progress(self, index: int, progress) -> None:
        finished = [run.seconds for run in self.runs if run.error is None]
        left = time_left(index, len(self.request.values), progress, finished)
        self.dialog.show_progress(index, len(self.request.values), progress.fraction, left)

    def _on_run(self, run: SweepRun) -> None:
        self.runs.append(run)
        self.dialog.add_run(len(self.runs) - 1, run)
        if run.result is not None:
            self.run_finished.emit(self._label(run), history.curves(run.result.history))

    def _label(self, run: SweepRun) -> str:
        return f"experiment: {SETTING_NAMES[self.request.setting]} {show_value(run.value)}"

    def _on_failed(self, text: str) -> None:
        self._failure = text

    def _on_ended(self) -> None:
        """The sweep's thread has ended: complete, stopped or failed."""
        count, done = len(self.request.values), len(self.runs)
        seconds = sum(run.seconds for run in self.runs)
        if self._failure:
            self.dialog.show_problem(f"The experiment failed: {self._failure}")
            text = f"Failed after {done} of {count} runs."
        elif done < count:
            text = f"Stopped: {done} of {count} runs finished ({seconds:.0f} s); they stay."
        else:
            text = f"Done: {count} runs in {seconds:.0f} s. Double-click a run to keep its model."
        self.dialog.finish(text, done)

    def keep(self, row: int) -> None:
        """Make run ``row``'s model the current model, on trial (keep or go back)."""
        run = self.runs[row]
        if self._session.training:
            self._session.message.emit("A training run is going on: keep a model once it ends")
            return
        request = self.request
        _, config = apply(request.architecture, request.config, request.setting, run.value,
                          request.layer)  # fmt: skip
        what = f"{SETTING_NAMES[request.setting]} = {show_value(run.value)}"
        accuracy = "" if run.val_accuracy is None else f", validation {run.val_accuracy:.2%}"
        epochs = run.result.history[-1].epoch if run.result.history else 0
        offered = Run(
            config,
            f"Experiment run with {what}",
            self._label(run),
            live=None,
            reports=list(run.result.history),
            state="finished",
            result=run.result,
            model=run.model,
            note=f"From the experiment, {what}: training {run.train_accuracy:.2%}{accuracy}.",
        )
        date = datetime.date.today().isoformat()
        facts = {"epochs": epochs, "date": date, "train_seconds": round(run.seconds, 1)}
        facts["recipe"] = asdict(config)
        name = f"{request.architecture.name} with {what}, trained {date}"
        self._session.offer_run(offered, ModelInfo(name, facts))
