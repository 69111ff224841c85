"""GUI test set-up: settings kept away from the user's, no thread left running, windows.

The Qt platform is 'offscreen' (see tests/conftest.py), so no screen is needed.
"""

from __future__ import annotations

import inspect
import weakref

import numpy as np
import PySide6
import pytest
from convlens.engine.model_file import ModelInfo
from convlens.engine.presets import tiny
from convlens.engine.training import build_model
from convlens.gui.app import configure_pyqtgraph, load_default_model
from convlens.gui.main_window import START_SAMPLE, MainWindow
from convlens.gui.qt_check import BAD_BINDING, emit_leaks_references
from convlens.gui.services.mnist_source import FOLDER_KEY
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, QSettings, Qt, QThread
from PySide6.QtTest import QTest

from tests.gui.helpers import show_image

if emit_leaks_references():
    pytest.exit(BAD_BINDING.format(version=PySide6.__version__), returncode=3)


@pytest.fixture(autouse=True)
def _fresh_settings(tmp_path_factory):
    """Any QSettings() made without a path writes under a temporary folder, not the user's."""
    folder = tmp_path_factory.mktemp("qsettings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder))
    yield


@pytest.fixture(autouse=True)
def _dangling_qthreads(monkeypatch, qtbot):
    """Fail a test that leaves a QThread running (napari's fixture, in short)."""
    started: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
    original_start = QThread.start

    def start(self, *args):
        caller = inspect.stack()[1]
        started[self] = f"{caller.filename}:{caller.lineno}"
        original_start(self, *args)

    monkeypatch.setattr(QThread, "start", start)
    yield
    running = []
    for thread, where in list(started.items()):
        try:
            if thread.isRunning():
                running.append((thread, where))
        except RuntimeError:  # its C++ object is gone: it finished and was deleted
            continue
    for thread, _ in running:
        thread.quit()
        qtbot.waitUntil(thread.isFinished, timeout=10_000)
    if running:
        places = ", ".join(where for _, where in running)
        pytest.fail(f"a QThread was left running (started at {places})")


@pytest.fixture(autouse=True)
def _delete_closed_widgets():
    """After pytest-qt has closed a test's widgets (``deleteLater``), delete them now: outside
    an event loop Qt would keep them, and hundreds of windows kept made the suite grow to
    ~3 GB and spend its last minute freeing them."""
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def settings(tmp_path) -> QSettings:
    settings = QSettings(str(tmp_path / "convlens.ini"), QSettings.Format.IniFormat)
    settings.setValue("my_digits/folder", str(tmp_path / "my_digits"))  # not the user's
    return settings


def _window(qtbot, settings, model, info, sample: int | None = None) -> MainWindow:
    """A window; most tests start it blank (``sample`` None), not with a sample digit."""
    configure_pyqtgraph()
    window = MainWindow(model, info, settings, sample)
    qtbot.addWidget(window, before_close_func=lambda w: w.shutdown())
    # The offscreen platform's screen is 800x600, less than the window's minimum: a real
    # screen's size leaves the network its room (tests of small screens resize it).
    window.resize(1500, 900)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(qtbot, settings) -> MainWindow:
    """The main window with the shipped model."""
    model, info, problem = load_default_model()
    assert problem is None, problem
    return _window(qtbot, settings, model, info)


@pytest.fixture
def first_start(qtbot, settings) -> MainWindow:
    """The main window with the shipped model, as it first opens (the sample digit shown)."""
    model, info, problem = load_default_model()
    assert problem is None, problem
    return _window(qtbot, settings, model, info, sample=START_SAMPLE)


@pytest.fixture
def tiny_window(qtbot, settings) -> MainWindow:
    """The main window with an untrained presets.tiny() model: quick to train."""
    return _window(qtbot, settings, build_model(tiny(), seed=0), ModelInfo("tiny", {}))


@pytest.fixture
def mnist_window(tiny_window, settings, small_mnist) -> MainWindow:
    """The tiny window, training on the shipped subset (2,000 and 1,000 images)."""
    settings.setValue(FOLDER_KEY, str(small_mnist))
    tiny_window.source.counts = None
    return tiny_window


@pytest.fixture
def draw():
    """``draw(widget, points)``: one stroke through ``points`` with real mouse events."""

    def stroke(widget, points, button=Qt.MouseButton.LeftButton) -> None:
        QTest.mousePress(widget, button, Qt.KeyboardModifier.NoModifier, QPoint(*points[0]))
        for x, y in points[1:]:
            QTest.mouseMove(widget, QPoint(x, y))
        QTest.mouseRelease(widget, button, Qt.KeyboardModifier.NoModifier, QPoint(*points[-1]))

    return stroke


@pytest.fixture
def seven() -> list[tuple[int, int]]:
    """A '7' across the 280x280 canvas, densely sampled like a real drag."""
    corners = [(70, 60), (210, 60), (150, 240)]
    points = []
    for (x0, y0), (x1, y1) in zip(corners, corners[1:], strict=False):
        for t in np.linspace(0, 1, 20, endpoint=False):
            points.append((int(x0 + t * (x1 - x0)), int(y0 + t * (y1 - y0))))
    return [*points, corners[-1]]


@pytest.fixture
def digit(window):
    """A blocky '3', shown in the window."""
    image = np.zeros((28, 28), np.float32)
    image[6:9, 9:19] = 1
    image[12:15, 12:19] = 1
    image[19:22, 9:19] = 1
    image[6:22, 17:20] = 1
    show_image(window, image)
    return image
