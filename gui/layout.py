"""The main window's layout, kept between runs: its size and place, the docks, the splitters,
the pen. The first time, the window takes most of the screen it opens on."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QMainWindow

SCREEN_SHARE = 0.92  # of the screen's available area, the first time


def make_dock(window: QMainWindow, title: str, name: str, widget) -> QDockWidget:
    """A dock with a name, so that its place is saved with the layout."""
    dock = QDockWidget(title, window)
    dock.setObjectName(name)
    dock.setWidget(widget)
    return dock


def place_docks(window: QMainWindow) -> None:
    """Explain on the right, beside the network (its tables are tall); Training and
    Weights as tabs below, shown when a run starts (a saved layout overrides)."""
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, window.explain_dock)
    bottom = Qt.DockWidgetArea.BottomDockWidgetArea
    for dock in (window.training_dock, window.weights_dock):
        window.addDockWidget(bottom, dock)
    window.tabifyDockWidget(window.training_dock, window.weights_dock)
    window.training_dock.hide()
    window.weights_dock.hide()


def preview_training(window) -> None:
    """Train > Train...: the Training and Weights docks show while the dialog is read, so the
    window lays itself out again then, not in the run's first second (that halved its longest
    stall here); cancelled before any run, they go again."""
    docks = (window.training_dock, window.weights_dock)
    if not all(dock.isHidden() for dock in docks):
        return
    for dock in docks:
        dock.show()
    window.training_dock.raise_()

    def cancelled():
        if window.session.run is None:
            for dock in docks:
                dock.hide()

    window.training.dialog.rejected.connect(cancelled)


def fit_to_screen(window: QMainWindow) -> None:
    """Most of the screen the window opens on, centred in it."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    area = screen.availableGeometry()
    window.resize(int(area.width() * SCREEN_SHARE), int(area.height() * SCREEN_SHARE))
    frame = window.frameGeometry()
    frame.moveCenter(area.center())
    window.move(frame.topLeft())


def restore_layout(window, settings: QSettings) -> None:
    """The layout saved last time, or the first-time one."""
    geometry = settings.value("window/geometry")
    if geometry is None or not window.restoreGeometry(geometry):
        fit_to_screen(window)
    state = settings.value("window/state")
    if state is None or not window.restoreState(state):
        # a quarter of the width for explanations; only once laid out does the size hold
        QTimer.singleShot(
            0,
            lambda: window.resizeDocks(
                [window.explain_dock], [window.width() // 4], Qt.Orientation.Horizontal
            ),
        )
    for key, splitter in (("splitter", window.splitter), ("network", window.network_split)):
        saved = settings.value(f"window/{key}")
        if saved is None or not splitter.restoreState(saved):
            if key == "splitter":
                splitter.setSizes([300, window.width() - 300])
            else:
                splitter.setSizes([window.height() // 2] * 2)
    brush = settings.value("canvas/brush", window.canvas.brush_size, type=int)
    window.inputs.brush_slider.setValue(brush)


def save_layout(window, settings: QSettings) -> None:
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/state", window.saveState())
    settings.setValue("window/splitter", window.splitter.saveState())
    settings.setValue("window/network", window.network_split.saveState())
    settings.setValue("canvas/brush", window.canvas.brush_size)
    settings.sync()
