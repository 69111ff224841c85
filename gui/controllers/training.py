"""Train ▸: the settings dialog, starting and stopping a run, and keep or go back."""

from __future__ import annotations

import datetime
import json
from dataclasses import asdict

from convlens.engine.history import run_history
from convlens.engine.model_file import ModelInfo
from convlens.engine.network import Network
from convlens.engine.training import TrainConfig, TrainResult, build_model
from convlens.gui.controllers.data import DataController
from convlens.gui.dialogs.train_dialog import DEFAULTS, DataFacts, TrainDialog
from convlens.gui.services.trainer import Trainer
from convlens.gui.session import Session
from convlens.gui.views.training_panel import run_label
from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget
from torch import nn

CONFIG_KEY = "train/config"
FROM_CURRENT_KEY = "train/from_current"
DIVERGED_KEY = "train/diverged"  # {"config": ..., "why": ...} of the last run, if it diverged


def load_config(settings: QSettings) -> TrainConfig:
    """The settings of the last run (the app's defaults the first time, and for any setting
    an older version did not store)."""
    try:
        data = json.loads(settings.value(CONFIG_KEY, "{}", type=str))
        return TrainConfig(**{**asdict(DEFAULTS), **data})
    except (TypeError, ValueError):
        return TrainConfig(**asdict(DEFAULTS))


def divergence_warning(settings: QSettings, config: TrainConfig) -> str:
    """What the dialog says when the last run with exactly ``config`` diverged ('' if not)."""
    try:
        last = json.loads(settings.value(DIVERGED_KEY, "{}", type=str))
    except ValueError:
        return ""
    if not last or last.get("config") != asdict(config):
        return ""
    return (
        f"The last run with these settings failed: {last.get('why', '')} "
        "Change them, or press 'Reset to defaults'."
    )


class TrainingController(QObject):
    """Asks for the settings, starts the trainer, and tells the Session what it reports.

    ``dialog_opened`` comes as the Train dialog opens: the window can make room for the run
    while the user reads it, not in the run's first second."""

    dialog_opened = Signal()

    def __init__(
        self,
        session: Session,
        trainer: Trainer,
        data: DataController,
        settings: QSettings,
        parent: QWidget,
    ):
        super().__init__(parent)
        self._session = session
        self.trainer = trainer
        self._data = data
        self._settings = settings
        self._parent = parent
        self.dialog: TrainDialog | None = None
        self.options = None  # more rows for the dialog, and what they change (my digits')
        self.stop_question: QMessageBox | None = None
        trainer.progress.connect(session.add_progress)
        # A snapshot comes with a report: its maps in a turn of the event loop of their own,
        # so that the window's timers get one between those and the report's curves.
        trainer.snapshot.connect(
            lambda state: QTimer.singleShot(0, lambda: session.load_snapshot(state))
        )
        trainer.finished.connect(self._on_finished)
        trainer.failed.connect(session.fail_run)
        trainer.diverged.connect(self._on_diverged)
        trainer.note.connect(session.message)
        self._config: TrainConfig | None = None  # the running run's, as asked
        self._from_current = True

    def ask(self) -> None:
        """Train ▸ Train…: the settings dialog (non-blocking); a run starts once accepted."""
        if self.trainer.is_running():
            return
        from_current = self._settings.value(FROM_CURRENT_KEY, True, type=bool)
        config = load_config(self._settings)
        counts = self._data.source.counts
        model = self._session.model
        facts = DataFacts(
            *(counts or (None, None)), any(isinstance(m, nn.Dropout) for m in model.modules())
        )
        warning = divergence_warning(self._settings, config)
        rows = self.options.rows() if self.options is not None else ()
        self.dialog = TrainDialog(config, from_current, self._parent, facts, warning, rows)
        self.dialog.accepted.connect(self._on_dialog_accepted)
        self.dialog.open()
        self.dialog_opened.emit()
        # once the dialog has painted; the data set goes along if it has been read already
        QTimer.singleShot(0, lambda: self.trainer.prepare(self._data.source.loaded()))

    def _on_dialog_accepted(self) -> None:
        config, from_current = self.dialog.config(), self.dialog.from_current()
        self._settings.setValue(CONFIG_KEY, json.dumps(asdict(config)))
        self._settings.setValue(FROM_CURRENT_KEY, from_current)
        extra = None
        if self.options is not None:
            config, from_current, extra = self.options.apply(config, from_current)
        model = self._session.model
        start = model if from_current else build_model(model.architecture, config.seed)
        self._data.ensure(lambda: self.start(start, config, from_current, extra))

    def start(
        self, model: Network, config: TrainConfig, from_current: bool = True, extra=None
    ) -> None:
        """Train a copy of ``model`` with ``config`` (and ``extra``, engine.finetune
        .ExtraImages); the maps follow its weights. ``from_current``: ``model`` is the shown
        one (not fresh weights), for the run's name."""
        if self.trainer.is_running():
            return
        self._config, self._from_current = config, from_current
        subset = f"{config.train_limit:,}" if config.train_limit else "all"
        epochs = f"{config.epochs} epoch{'s' if config.epochs != 1 else ''}"
        title = (
            f"Training on {subset} images: {epochs}, batch {config.batch_size}, "
            f"{config.optimizer} at lr {config.lr:g}, loss {config.loss}"
            + (f"; validating on the last {config.validation:,}" if config.validation else "")
        )
        if extra is not None:
            title += f"; my {len(extra.labels)} digits" + ("" if extra.with_base else " alone")
        label = run_label(config, model.architecture.name, from_current)
        self._session.begin_run(model, config, title, label)
        self.trainer.start(model, config, extra)

    def stop(self) -> None:
        if self.trainer.is_running():
            self.trainer.stop()
            self._session.message.emit("Stopping after this step…")

    def _on_finished(self, model: Network, result: TrainResult, evaluation, config) -> None:
        """The run ended: its model, with its history (config, curves, evaluation) for the
        model file; the settings no longer count as diverging."""
        self._settings.remove(DIVERGED_KEY)
        epochs = result.history[-1].epoch if result.history else 0
        date = datetime.date.today().isoformat()
        facts = {"epochs": epochs, "date": date, "test_accuracy": evaluation.accuracy}
        start = "current" if self._from_current else "random"
        history = run_history(config, result, evaluation, start=start)
        info = ModelInfo(f"{model.architecture.name} trained {date}", facts, history=history)
        self._session.end_run(model, result, evaluation, info)

    def _on_diverged(self, why: str) -> None:
        """Remembered with the settings that diverged, so the dialog says so next time."""
        if self._config is not None:
            last = {"config": asdict(self._config), "why": why}
            self._settings.setValue(DIVERGED_KEY, json.dumps(last))

    def confirm_stop(self, then) -> None:
        """Asked when the window closes during training: stop the run, then ``then``."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Training is running",
            "Stop the training and quit? The weights learnt in this run will be lost.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self._parent,
        )

        def on_finished(result: int) -> None:
            self.stop_question = None
            if box.clickedButton() is box.button(QMessageBox.StandardButton.Yes):
                self.trainer.shutdown()
                then()

        box.finished.connect(on_finished)
        self.stop_question = box
        box.open()
