"""'Why this digit?' wired into the main window: the Why and Embedding docks (tabs beside
Explain), the attribution overlay on the network input, the nudge dialog, the filter galleries
in the layer detail, and a Why menu. The main window only makes one ``WhyController``."""

from __future__ import annotations

from convlens.gui.controllers.attribution import AttributionController
from convlens.gui.controllers.embedding import EmbeddingController
from convlens.gui.controllers.filters import FilterController
from convlens.gui.controllers.nudge import NudgeController
from convlens.gui.dialogs.nudge_dialog import NudgeDialog
from convlens.gui.layout import make_dock
from convlens.gui.views.attribution_view import AttributionView
from convlens.gui.views.embedding_view import EmbeddingView
from convlens.gui.views.overlay_image import OverlayItem
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence


class WhyController(QObject):
    """``WhyController(window)``: made after the window's own wiring, before its layout is
    restored (so the docks keep their places between runs)."""

    def __init__(self, window):
        super().__init__(window)
        self._window = window
        session = window.session
        self.view = AttributionView()
        self.dock = make_dock(window, "Why", "why_dock", self.view)
        self.embedding_view = EmbeddingView()
        self.embedding_dock = make_dock(window, "Embedding", "embedding_dock", self.embedding_view)
        right = Qt.DockWidgetArea.RightDockWidgetArea
        window.addDockWidget(right, self.dock)
        window.addDockWidget(right, self.embedding_dock)
        window.tabifyDockWidget(window.explain_dock, self.dock)
        window.tabifyDockWidget(self.dock, self.embedding_dock)
        window.explain_dock.raise_()
        self.overlay = OverlayItem()  # the map over the network input, under any outline
        self.overlay.setParentItem(window.inputs.input_view.item)
        self.attribution = AttributionController(
            session, self.view, self.overlay, window.canvas, self
        )
        self.nudge_dialog = NudgeDialog(window)
        self.nudge = NudgeController(session, self.nudge_dialog, window.canvas, self)
        self.embedding = EmbeddingController(session, self.embedding_view, window.data, self)
        self.filters = FilterController(session, window.maps, window.data, self)
        self.dock.visibilityChanged.connect(self.attribution.set_active)
        self.embedding_dock.visibilityChanged.connect(self.embedding.set_active)
        self.view.nudge_clicked.connect(self.ask_nudge)
        self.view.embedding_clicked.connect(self.show_embedding)
        self.view.hovered.connect(window.status.show_hover)
        self._add_menu()

    def _add_menu(self) -> None:
        """A Why menu before Help."""
        bar = self._window.menuBar()
        menu = bar.addMenu("W&hy")
        help_menu = next((a for a in bar.actions() if a.text() == "&Help"), None)
        if help_menu is not None:
            bar.insertMenu(help_menu, menu)
        show = QAction("Why this digit?", self._window)
        show.setShortcut(QKeySequence("Ctrl+Shift+W"))
        show.triggered.connect(self.show_why)
        menu.addAction(show)
        nudge = QAction("Make it a…", self._window)
        nudge.setShortcut(QKeySequence("Ctrl+Shift+M"))
        nudge.triggered.connect(self.ask_nudge)
        menu.addAction(nudge)
        embedding = QAction("Embedding of the test set", self._window)
        embedding.triggered.connect(self.show_embedding)
        menu.addAction(embedding)
        menu.addSeparator()
        menu.addAction(self.dock.toggleViewAction())
        menu.addAction(self.embedding_dock.toggleViewAction())
        self.menu = menu

    def show_why(self) -> None:
        self.dock.show()
        self.dock.raise_()

    def show_embedding(self) -> None:
        self.embedding_dock.show()
        self.embedding_dock.raise_()

    def ask_nudge(self) -> None:
        """The nudge dialog, its target the digit the network does not read now."""
        session = self._window.session
        if session.trace is not None and not self.nudge.running():
            runner_up = int(session.trace.probabilities.argsort()[-2])
            self.nudge_dialog.target.setValue(runner_up)
            if self.nudge.original is None:  # the input as it is, unchanged so far
                self.nudge_dialog.show_change(session.image, None, 1.0)
        self.nudge_dialog.show()
        self.nudge_dialog.raise_()

    def shutdown(self) -> None:
        """Stop every worker (the window is closing)."""
        self.nudge.stop()
        for part in (self.attribution, self.embedding, self.filters):
            part.shutdown()
