"""How the input is made: a dock that shows the MNIST recipe's steps on the current ink,
opened from the input panel's button, following the drawing at the verdict's pace."""

from __future__ import annotations

from convlens.engine.images import BlankImageError
from convlens.engine.preprocess import preprocess
from convlens.gui.layout import make_dock
from convlens.gui.session import Session
from convlens.gui.views.preprocess_view import PreprocessView
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QMainWindow, QToolButton

TITLE = "How the input is made"


class PreprocessController(QObject):
    """Builds the dock (hidden, a tab beside Explain) and fills it from the Session's ink while
    it is in sight: the Session's images come throttled already, at the verdict's pace."""

    def __init__(self, session: Session, window: QMainWindow, button: QToolButton):
        super().__init__(window)
        self._session = session
        self.view = PreprocessView()
        self.dock = make_dock(window, TITLE, "preprocess_dock", self.view)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        window.tabifyDockWidget(window.explain_dock, self.dock)  # tall, as its steps need
        window.explain_dock.raise_()
        self.dock.hide()
        action = self.dock.toggleViewAction()
        action.setToolTip("The ink cropped, scaled to 20×20 and centred in 28×28, step by step")
        action.toggled.connect(self._on_toggled)
        button.setDefaultAction(action)
        self._stale = True  # the steps wait until the dock is shown
        session.image_changed.connect(self._on_image_changed)
        self.dock.visibilityChanged.connect(self._on_visibility)

    def _on_image_changed(self) -> None:
        self._stale = True
        if self.dock.isVisible():
            self.refresh()

    def _on_toggled(self, on: bool) -> None:
        if on:  # up to date, and in front of its tab once the tab is made
            self._on_visibility(True)
            QTimer.singleShot(0, self.dock.raise_)

    def _on_visibility(self, visible: bool) -> None:
        if visible and self._stale:
            self.refresh()

    def refresh(self) -> None:
        """The steps that made the Session's image, from the ink it was made from."""
        self._stale = False
        s = self._session
        if s.source.kind == "test":  # made by this very recipe, by MNIST's authors
            note = "An MNIST test digit: made by this recipe already, the network sees it as is."
            self.view.show_steps(None, note, s.image)
            return
        try:
            steps = None if s.ink is None else preprocess(s.ink)
        except BlankImageError:
            steps = None
        self.view.show_steps(steps)
