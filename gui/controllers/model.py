"""Model ▸: a new architecture, edited or a preset, replaces the model with an untrained one."""

from __future__ import annotations

from convlens.engine import spec
from convlens.engine.model_file import ModelInfo
from convlens.engine.training import build_model
from convlens.gui.controllers.guard import UnsavedGuard
from convlens.gui.dialogs.architecture_editor import ArchitectureEditor
from convlens.gui.dialogs.dialog_size import resize_within_screen
from convlens.gui.session import Session
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget


class ModelController(QObject):
    """Opens the (non-modal) architecture editor and applies what it or a preset gives.
    ``editing(architecture)``: the editor's architecture after each edit, and the model's
    again once the editor closes (the code view follows it)."""

    editing = Signal(object)

    def __init__(self, session: Session, guard: UnsavedGuard, parent: QWidget):
        super().__init__(parent)
        self._session = session
        self._guard = guard
        self._parent = parent
        self.editor: ArchitectureEditor | None = None

    def edit_architecture(self) -> None:
        """Model ▸ Architecture…: an editor of the current model's architecture."""
        if self.editor is not None:
            self.editor.close()
        editor = ArchitectureEditor(self._session.model.architecture, self._parent)
        editor.apply_requested.connect(self._on_apply_requested)
        editor.changed.connect(self.editing)
        editor.finished.connect(lambda _: self.editing.emit(self._session.model.architecture))
        # every column in sight (its size hint hides the last ones)
        resize_within_screen(editor, 980, 600)
        editor.show()
        self.editor = editor

    def _on_apply_requested(self, architecture: spec.Architecture, close: bool) -> None:
        """Apply or OK in the editor: after the unsaved-model question, if any; Cancel there
        goes back to the editor with its edits intact."""
        editor = self.editor

        def done() -> None:
            if close and editor is not None:
                editor.accept()

        self.apply_architecture(architecture, then=done)

    def apply_architecture(self, architecture: spec.Architecture, seed: int = 0, then=None):
        """Replace the model with an untrained one built from ``architecture``."""
        if self._session.training:
            self._session.error.emit(
                "Training is running", "Stop the training before changing the model."
            )
            return

        def replace() -> None:
            name = architecture.name or "custom"
            self._session.set_model(
                build_model(architecture, seed), ModelInfo(f"{name} (untrained)", {})
            )
            self._session.message.emit(
                f"A new, untrained {name} network: Train ▸ Train… (Ctrl+T) teaches it"
            )
            if then is not None:
                then()

        self._guard.ask("a new architecture", replace)
