"""The main window's model side: a new architecture (edited or a preset), and the weights view.

Applying an architecture replaces the model with an untrained one of that shape (asking first
when the model was trained here and not saved); the panels rebuild to it and Train ▸ Train…
teaches it. The Weights dock shows every weighted layer's histogram and, while training, the
mean gradient magnitude per layer.
"""

from __future__ import annotations

from collections.abc import Callable

from convlens.engine import spec
from convlens.engine.model_file import ModelInfo
from convlens.engine.network import Network
from convlens.engine.training import build_model
from convlens.gui.architecture_editor import ArchitectureEditor
from convlens.gui.weights_view import WeightsView
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDockWidget, QMessageBox


class ModelMixin:
    """Mixed into MainWindow, which provides model, trainer, status, commands, presets_menu,
    set_model, forget_previous_model, unsaved_models and ``_live_model``. ``_build_weights``
    before the menus, ``_connect_model`` after the window's own connections (the live model
    must exist first)."""

    def _build_weights(self) -> None:
        self.weights_view = WeightsView()
        self.weights_dock = QDockWidget("Weights and gradients", self)
        self.weights_dock.setObjectName("weights_dock")
        self.weights_dock.setWidget(self.weights_view)
        self.weights_dock.visibilityChanged.connect(self._on_weights_visibility)
        self._weights_stale = False  # a snapshot came while the view was hidden
        self.architecture_editor: ArchitectureEditor | None = None
        self.replace_question: QMessageBox | None = None

    def _connect_model(self) -> None:
        self.trainer.started.connect(self._on_weights_run_started)
        self.trainer.progress.connect(self.weights_view.add_gradients)
        self.trainer.snapshot.connect(self._on_weights_snapshot)
        self.trainer.running_changed.connect(self._on_model_running)

    # --- architecture ----------------------------------------------------------------------
    def _on_architecture(self) -> None:
        """Model ▸ Architecture…: a non-modal editor of the current model's architecture."""
        if self.architecture_editor is not None:
            self.architecture_editor.close()
        editor = ArchitectureEditor(self.model.architecture, self)
        editor.applied.connect(self.apply_architecture)
        editor.resize(980, 600)  # every column in sight (its size hint hides the last ones)
        editor.show()
        self.architecture_editor = editor

    def confirm_replacing_model(self, replace: Callable[[], None]) -> None:
        """Run ``replace`` (which replaces the model) now, or, when the model was trained here
        and not saved since, once the user agrees to lose it (a non-modal question)."""
        if self.model not in self.unsaved_models:
            replace()
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Replace the trained model?",
            f"The model trained here ({self.info.name}) has not been saved: its weights "
            "will be lost. File ▸ Save model… keeps them.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        replace_button = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def on_finished(_result: int) -> None:
            if box.clickedButton() is replace_button:
                replace()

        box.finished.connect(on_finished)
        self.replace_question = box
        box.open()

    def apply_architecture(self, architecture: spec.Architecture, seed: int = 0) -> None:
        """Replace the model with an untrained one built from ``architecture`` (asking first
        if the model was trained here and not saved)."""
        if self.trainer.is_running():
            self.show_error("Training is running", "Stop the training before changing the model.")
            return
        self.confirm_replacing_model(lambda: self._use_architecture(architecture, seed))

    def _use_architecture(self, architecture: spec.Architecture, seed: int) -> None:
        self.forget_previous_model()  # 'go back' would now go back past this change
        model = build_model(architecture, seed)
        name = architecture.name or "custom"
        self.set_model(model, ModelInfo(f"{name} (untrained)", {}))
        self.status.showMessage(
            f"A new, untrained {name} network: Train ▸ Train… (Ctrl+T) teaches it", 10000
        )

    def _on_model_running(self, running: bool) -> None:
        self.commands.architecture.setEnabled(not running)
        self.presets_menu.setEnabled(not running)

    # --- weights and gradients -------------------------------------------------------------
    def show_weights(self, model: Network) -> None:
        """The weights of the model now shown (a new architecture rebuilds the plots)."""
        self.weights_view.update_weights(model)
        self._weights_stale = False

    def _on_weights_run_started(self, _model, _config) -> None:
        self.weights_view.clear_gradients()
        if self._live_model is not None:
            self.weights_view.update_weights(self._live_model)
        if self.weights_dock.isHidden():
            self.weights_dock.show()  # as a tab beside the curves, which stay in front
            self.training_dock.raise_()

    def _on_weights_snapshot(self, _state) -> None:
        """About once a second during training (after the window loaded the snapshot)."""
        if self._live_model is None:
            return
        if not self.weights_view.isVisible():  # histograms cost GUI time: redrawn when shown
            self._weights_stale = True
            return
        QTimer.singleShot(0, self._update_live_weights)  # after the maps: a turn of its own

    def _update_live_weights(self) -> None:
        if self._live_model is not None:
            self.weights_view.update_weights(self._live_model)

    def _on_weights_visibility(self, visible: bool) -> None:
        if visible and self._weights_stale and self._live_model is not None:
            self.weights_view.update_weights(self._live_model)
            self._weights_stale = False
