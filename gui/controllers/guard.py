"""The one question asked before a model trained here and not saved would be lost."""

from __future__ import annotations

from collections.abc import Callable

from convlens.gui.session import Session
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QWidget


class UnsavedGuard(QObject):
    """``ask(what, proceed, cancel)``: run ``proceed`` now, or, when the Session holds unsaved
    work, once the user has chosen Save… (and saved) or Discard; Cancel runs ``cancel``.
    Non-modal: the window stays responsive while the question is open (``question``)."""

    def __init__(self, session: Session, save: Callable[[], bool], parent: QWidget):
        super().__init__(parent)
        self._session = session
        self._save = save  # asks where and saves; False when the user gave up or it failed
        self._parent = parent
        self.question: QMessageBox | None = None

    def ask(
        self, what: str, proceed: Callable[[], None], cancel: Callable[[], None] | None = None
    ) -> None:
        if not self._session.has_unsaved_work():
            proceed()
            return
        pending = " (its run waits for keep or go back)" if self._session.decision_pending else ""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Save the trained model?",
            f"The model trained here, {self._session.info.name}{pending}, has not been saved: "
            f"{what} loses its weights.",
            QMessageBox.StandardButton.Cancel,
            self._parent,
        )
        save = box.addButton("Save…", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(save)

        def on_finished(_result: int) -> None:
            self.question = None
            clicked = box.clickedButton()
            if clicked is discard or (clicked is save and self._save()):
                proceed()
            elif cancel is not None:
                cancel()

        box.finished.connect(on_finished)
        self.question = box
        box.open()
