"""The main window's layout, kept between runs: its size and place, the docks, the splitters,
the pen. The first time, the window takes most of the screen it opens on."""

from __future__ import annotations

from functools import partial

from convlens.gui.views.resize_watch import on_resize
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QHBoxLayout, QMainWindow, QWidget

SCREEN_SHARE = 0.92  # of the screen's available area, the first time
TRAINING_SHARE = 0.4  # of the window's height, for the Training dock below the network
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea
OVERVIEW_LEAST = 180  # pixels the overview keeps when a layer's detail needs room


def make_dock(window: QMainWindow, title: str, name: str, widget) -> QDockWidget:
    """A dock with a name, so that its place is saved with the layout."""
    dock = QDockWidget(title, window)
    dock.setObjectName(name)
    dock.setWidget(widget)
    return dock


def place_docks(window: QMainWindow) -> None:
    """The input column on the left, the window's full height: a dock fixed in place, so that
    the docks below share the network's height, not the column's (it needs 627 px).
    Explain on the right, beside the network (its tables are tall); Training and Weights as
    tabs below, shown when a run starts (a saved layout overrides)."""
    left = Qt.DockWidgetArea.LeftDockWidgetArea
    column = window.input_dock
    column.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
    no_title = QWidget()  # it is part of the window; an empty layout makes it 0 px tall, not
    QHBoxLayout(no_title).setContentsMargins(0, 0, 0, 0)  # -1 (which the column would lose)
    column.setTitleBarWidget(no_title)
    window.addDockWidget(left, column)
    for corner in (Qt.Corner.TopLeftCorner, Qt.Corner.BottomLeftCorner):
        window.setCorner(corner, left)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, window.explain_dock)
    for dock in (window.training_dock, window.weights_dock):
        window.addDockWidget(BOTTOM, dock)
    window.tabifyDockWidget(window.training_dock, window.weights_dock)
    window.training_dock.hide()
    window.weights_dock.hide()


def show_training(window) -> None:
    """The Training dock in front, Weights a tab beside it; back in sight below the network,
    two fifths of the window's height (the input column beside keeps its own)."""
    docks = (window.training_dock, window.weights_dock)
    first = all(dock.isHidden() for dock in docks)
    for dock in docks:
        dock.show()
    window.training_dock.raise_()
    if first and window.dockWidgetArea(window.training_dock) == BOTTOM:
        height = int(window.height() * TRAINING_SHARE)  # once laid out, the size holds
        resize = partial(
            window.resizeDocks, [window.training_dock], [height], Qt.Orientation.Vertical
        )
        QTimer.singleShot(0, resize)


def preview_training(window) -> None:
    """Train > Train...: the Training and Weights docks show while the dialog is read, so the
    window lays itself out again then, not in the run's first second (that halved its longest
    stall here); cancelled before any run, they go again."""
    docks = (window.training_dock, window.weights_dock)
    if not all(dock.isHidden() for dock in docks):
        return
    show_training(window)

    def cancelled():
        if window.session.run is None:
            for dock in docks:
                dock.hide()

    window.training.dialog.rejected.connect(cancelled, Qt.ConnectionType.SingleShotConnection)


def fit_detail(window) -> None:
    """The overview its chosen share of the height (as the user dragged the split), less what
    the layer's detail needs beyond the rest, down to OVERVIEW_LEAST pixels: a deep layer's
    panels need no scrolling on a laptop, and the next layer's detail gives the room back.
    A split already within 2 px of that is left alone (a relayout of every view costs)."""
    maps, split = window.maps, window.network_split
    needed = maps.widget().minimumSizeHint().height() + 2 * maps.frameWidth()
    total = sum(split.sizes())
    chosen = round(split.property("chosen") * total)
    overview = max(OVERVIEW_LEAST, min(chosen, total - needed))
    if abs(overview - split.sizes()[0]) > 2:
        split.setSizes([overview, total - overview])


def keep_detail_fitted(window) -> None:
    """``fit_detail`` again whenever the network's split gets a new height (the Training dock
    shown or hidden, the window resized), not only when a layer is chosen: a deep layer's
    detail scrolled below an overview that held more than its share. After the split has laid
    itself out (a filter sees the resize before it), once for a burst of resizes."""
    split = window.network_split
    refit = QTimer(split, singleShot=True, interval=0)
    refit.timeout.connect(lambda: fit_detail(window))
    on_resize(split, refit.start)


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
        # the input column as narrow as it goes, a quarter of the width for explanations;
        # only once laid out does the size hold
        docks = [window.input_dock, window.explain_dock]
        QTimer.singleShot(
            0,
            lambda: window.resizeDocks(docks, [1, window.width() // 4], Qt.Orientation.Horizontal),
        )
    split = window.network_split
    saved = settings.value("window/network")
    if saved is None or not split.restoreState(saved):
        split.setSizes([window.height() // 2] * 2)
    # the overview's share of the height, for fit_detail
    share = lambda: split.sizes()[0] / max(1, sum(split.sizes()))  # noqa: E731
    split.setProperty("chosen", share())
    split.splitterMoved.connect(lambda *_: split.setProperty("chosen", share()))
    brush = settings.value("canvas/brush", window.canvas.brush_size, type=int)
    window.inputs.brush_slider.setValue(brush)


def save_layout(window, settings: QSettings) -> None:
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/state", window.saveState())
    settings.setValue("window/network", window.network_split.saveState())
    settings.setValue("canvas/brush", window.canvas.brush_size)
    settings.sync()
