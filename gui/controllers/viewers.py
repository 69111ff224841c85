"""The windows that show the model another way: Model ▸ Show as code, and Help ▸ Guide."""

from __future__ import annotations

from convlens.gui.controllers.model import ModelController
from convlens.gui.dialogs.code_dialog import CodeDialog
from convlens.gui.dialogs.guide import GuideDialog
from convlens.gui.session import Session
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget


class ViewerController(QObject):
    """Opens each viewer once, and keeps the code one in step with the model and the editor."""

    def __init__(self, session: Session, models: ModelController, parent: QWidget):
        super().__init__(parent)
        self._session = session
        self._models = models
        self._parent = parent
        self.code_dialog: CodeDialog | None = None  # made when first asked for
        self.guide: GuideDialog | None = None

    def show_code(self) -> None:
        """The architecture as PyTorch and Keras, following the model and the editor's edits."""
        if self.code_dialog is None:
            self.code_dialog = CodeDialog(self._parent)
            self._session.model_changed.connect(self._show_model_code)
            self._models.editing.connect(self.code_dialog.show_architecture)
            self.code_dialog.copied.connect(
                lambda language: self._session.message.emit(f"The {language} code is copied")
            )
        self._show_model_code()
        self.code_dialog.show()
        self.code_dialog.raise_()

    def _show_model_code(self) -> None:
        self.code_dialog.show_architecture(self._session.model.architecture)

    def show_guide(self) -> None:
        """What each panel is, in the words of the concepts it teaches."""
        if self.guide is None:
            self.guide = GuideDialog(self._parent)
        self.guide.show()
        self.guide.raise_()
