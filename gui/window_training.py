"""The main window's training side: live weights, progress, the verdict, keep or go back."""

from __future__ import annotations

import copy
import datetime

from convlens.engine.model_file import ModelInfo
from convlens.engine.training import TrainConfig, TrainResult
from convlens.gui.feature_maps import conv_weights
from convlens.gui.training_panel import run_label
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox


class TrainingMixin:
    """Mixed into MainWindow, which provides model, info, trainer, training_panel,
    training_dock, status, commands, maps, set_model, show_error, unsaved_models and
    _update_outputs."""

    def confirm_stop_training(self) -> bool:
        """Asked when the window closes during training; True: stop it and close."""
        answer = QMessageBox.question(
            self,
            "Training is running",
            "Stop the training and quit? The weights learnt in this run will be lost.",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _on_train(self) -> None:
        self.forget_previous_model()  # a new run settles an open keep-or-go-back question
        self.trainer.ask(self.model)

    def forget_previous_model(self) -> None:
        """Drop the model kept for 'go back' (the new one is kept)."""
        self._previous = None
        self.training_panel.set_decision_visible(False)

    def _on_stop(self) -> None:
        if self.trainer.is_running():
            self.trainer.stop()
            self.status.showMessage("Stopping after this step…", 3000)

    def _on_training_started(self, model, config: TrainConfig) -> None:
        self._live_model = copy.deepcopy(model)  # before the thread starts: a quiet copy
        subset = f"{config.train_limit:,}" if config.train_limit else "all"
        self.training_panel.start_run(
            f"Training on {subset} images: {config.epochs} epoch(s), batch {config.batch_size}, "
            f"{config.optimizer} at lr {config.lr:g}, loss {config.loss}",
            run_label(config, model.architecture.name),
            epochs=config.epochs,
        )
        self.training_dock.show()
        self.training_dock.raise_()

    def _on_training_running(self, running: bool) -> None:
        self.commands.train.setEnabled(not running)
        self.commands.stop.setEnabled(running)
        self.commands.open_model.setEnabled(not running)
        self.status.set_training(running)
        if not running:
            self._live_model = None

    def _on_training_progress(self, progress) -> None:
        self.training_panel.add_progress(progress)
        self.status.set_progress(progress)

    def _on_training_snapshot(self, state: dict) -> None:
        """About once a second: the learning weights for the maps and the verdict. The
        kernels, the maps and (see WindowModel) the histograms each redraw in a turn of the
        event loop of their own, so that no one turn keeps the window busy for long."""
        if self._live_model is not None:
            self._live_model.load_state_dict(state)
            self.maps.set_weights(conv_weights(self._live_model))
            QTimer.singleShot(0, self._update_outputs)

    def _on_training_finished(self, model, result: TrainResult, evaluation, config) -> None:
        self._live_model = None
        if evaluation is None:
            self.training_panel.show_result(None, "Training cancelled.")
            self.set_model(self.model, self.info)
            return
        epochs = result.history[-1].epoch if result.history else 0
        note = (
            f"Stopped during epoch {epochs} after {result.seconds:.0f} s."
            if result.stopped
            else f"Finished {config.epochs} epoch(s) in {result.seconds:.0f} s."
        )
        date = datetime.date.today().isoformat()
        facts = {"test_accuracy": evaluation.accuracy, "epochs": epochs, "date": date}
        self._previous = (self.model, self.info)
        self.unsaved_models.add(model)
        self.set_model(model, ModelInfo(f"{model.architecture.name} trained {date}", facts))
        self.training_panel.show_result(evaluation, note)
        self.status.showMessage(f"Test accuracy {evaluation.accuracy:.2%}: keep the new model?")

    def _on_training_failed(self, text: str) -> None:
        self._live_model = None
        self.set_model(self.model, self.info)  # back to the weights from before the run
        self.training_panel.show_result(None, f"Training failed: {text}")
        self.show_error("Training failed", text)

    def _on_keep_model(self) -> None:
        if self._previous is not None:
            self.forget_previous_model()
            self.status.showMessage("Keeping the new model (File ▸ Save model… to keep it)", 5000)

    def _on_revert_model(self) -> None:
        if self._previous is not None:
            model, info = self._previous
            self.forget_previous_model()
            self.set_model(model, info)
            self.status.showMessage("Back to the previous model", 5000)
