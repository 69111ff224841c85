"""Training from the GUI: the settings dialog, the worker thread, stopping, and clean exits."""

from __future__ import annotations

import json
from dataclasses import asdict

from convlens.engine.network import Network
from convlens.engine.training import TrainConfig, build_model
from convlens.gui.mnist_source import MnistSource
from convlens.gui.train_dialog import TrainDialog
from convlens.gui.workers import TrainWorker, start_worker
from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QWidget

CONFIG_KEY = "train/config"
FROM_CURRENT_KEY = "train/from_current"


def load_config(settings: QSettings) -> TrainConfig:
    """The settings of the last run (the engine's defaults the first time)."""
    try:
        data = json.loads(settings.value(CONFIG_KEY, "{}", type=str))
        return TrainConfig(**data)
    except (TypeError, ValueError):
        return TrainConfig()


class Trainer(QObject):
    """Owns at most one TrainWorker and its thread, and forwards what they report.

    ``finished`` carries the trained model (on the CPU), the TrainResult, the Evaluation
    (None when cancelled) and the config; ``failed`` a message for the user.
    """

    started = Signal(object, object)  # the model being trained (a copy), TrainConfig
    progress = Signal(object)  # Progress
    snapshot = Signal(object)  # state_dict, about once a second
    finished = Signal(object, object, object, object)  # model, TrainResult, Evaluation, config
    failed = Signal(str)
    running_changed = Signal(bool)

    def __init__(self, source: MnistSource, settings: QSettings, parent_widget: QWidget):
        super().__init__(parent_widget)
        self._source = source
        self._settings = settings
        self._parent = parent_widget
        self.dialog: TrainDialog | None = None
        self.thread = None
        self.worker: TrainWorker | None = None
        self._model: Network | None = None  # the worker's copy, kept past the worker's life
        self._config: TrainConfig | None = None

    def is_running(self) -> bool:
        return self.thread is not None

    def ask(self, model: Network) -> None:
        """Open the settings dialog (non-blocking); training starts when it is accepted."""
        if self.is_running():
            return
        from_current = self._settings.value(FROM_CURRENT_KEY, True, type=bool)
        self.dialog = TrainDialog(load_config(self._settings), from_current, self._parent)
        self.dialog.accepted.connect(lambda: self._on_dialog_accepted(model))
        self.dialog.open()
        QTimer.singleShot(0, self._preimport_dynamo)  # once the dialog has painted

    def _preimport_dynamo(self) -> None:
        """Import ``torch._dynamo`` on the GUI thread while the user reads the Train dialog: the
        first optimizer imports it (~900 modules, seconds), and on the worker thread that import
        holds the GIL long enough to freeze the GUI for up to ~150 ms at a time. Not once a run
        has started (the dialog accepted at once): the worker would wait for it, the GUI too."""
        if not self.is_running():
            import torch._dynamo  # noqa: F401

    def _on_dialog_accepted(self, model: Network) -> None:
        config, from_current = self.dialog.config(), self.dialog.from_current()
        self._settings.setValue(CONFIG_KEY, json.dumps(asdict(config)))
        self._settings.setValue(FROM_CURRENT_KEY, from_current)
        start = model if from_current else build_model(model.architecture, config.seed)
        self._source.ensure(lambda: self.start(start, config))

    def start(self, model: Network, config: TrainConfig) -> None:
        """Train a copy of ``model`` with ``config`` in a worker thread."""
        if self.is_running():
            return
        worker = TrainWorker(model, config, self._source.load)
        # Bound methods of this GUI-thread object: Qt queues the calls to the GUI thread.
        worker.progress.connect(self._on_progress)
        worker.snapshot.connect(self._on_snapshot)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        self.worker, self._model, self._config = worker, worker.model, config
        self.started.emit(worker.model, config)  # before the thread starts: safe to copy
        self.thread = start_worker(worker)
        self.thread.finished.connect(self._on_thread_finished)
        self.running_changed.emit(True)

    def stop(self) -> None:
        """End the run after the current step; the model so far is still evaluated."""
        if self.worker is not None:
            self.worker.stop()  # a direct call: the worker's event loop is busy in run()

    def shutdown(self) -> None:
        """Cancel (no evaluation), wait for the thread and drop every reference."""
        if self.thread is None:
            return
        self.worker.cancel()
        for signal in (
            self.worker.progress,
            self.worker.snapshot,
            self.worker.finished,
            self.worker.failed,
        ):
            signal.disconnect()
        self.thread.quit()
        self.thread.wait()
        self._on_thread_finished()

    def _on_progress(self, progress) -> None:
        self.progress.emit(progress)

    def _on_snapshot(self, state) -> None:
        self.snapshot.emit(state)

    def _on_failed(self, text: str) -> None:
        self.failed.emit(text)

    def _on_finished(self, result, evaluation) -> None:
        self.finished.emit(self._model, result, evaluation, self._config)

    def _on_thread_finished(self) -> None:
        if self.thread is None:
            return
        self.thread.wait()  # the thread has ended: now its objects may go
        self.thread = self.worker = self._model = None
        self.running_changed.emit(False)
