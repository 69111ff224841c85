"""Start the desktop application: ``run(argv)`` is what ``convlens`` with no command does."""

from __future__ import annotations

import gc
import sys

import pyqtgraph as pg
import PySide6
from convlens.engine.model_file import ModelFileError, ModelInfo, load_model
from convlens.engine.network import Network
from convlens.engine.presets import default
from convlens.engine.shipped import DEFAULT_MODEL
from convlens.engine.training import build_model
from convlens.gui.interrupt import install_sigint_handler
from convlens.gui.main_window import MainWindow
from convlens.gui.qt_check import BAD_BINDING, emit_leaks_references
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

ORGANIZATION = "ConvLens"
APPLICATION = "ConvLens"


def configure_pyqtgraph() -> None:
    """Row-major images (NumPy (H, W) needs no transpose) and smooth lines, once."""
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)


def load_default_model() -> tuple[Network, ModelInfo, str | None]:
    """The shipped model; an untrained default network (and the reason) if it cannot be read."""
    try:
        model, info = load_model(DEFAULT_MODEL)
        return model, info, None
    except ModelFileError as error:
        model = build_model(default(), seed=0)
        return model, ModelInfo("default (untrained)", {}), str(error)


def create_window(settings: QSettings | None = None) -> MainWindow:
    """The main window with the shipped model (QApplication must exist)."""
    configure_pyqtgraph()
    model, info, problem = load_default_model()
    window = MainWindow(model, info, settings or QSettings())
    if problem:
        window.show_error("The shipped model cannot be read", f"{problem}\nTrain a new one.")
    # The window's objects (Qt wrappers, pyqtgraph items, modules) live as long as the app:
    # out of the cyclic collector's passes, whose full ones otherwise held the GUI thread for
    # ~100-160 ms at random moments (measured here: the first model copy of a run).
    gc.collect()
    gc.freeze()
    return window


def run(argv: list[str] | None = None, image: str | None = None) -> int:
    """Create the application, show the main window (on `image`, if given) and run until it
    is closed; Ctrl+C in the terminal closes it too."""
    app = QApplication.instance() or QApplication(sys.argv if argv is None else ["convlens", *argv])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    if emit_leaks_references():
        QMessageBox.critical(
            None, "ConvLens cannot start", BAD_BINDING.format(version=PySide6.__version__)
        )
        return 1
    try:
        window = create_window()
    except Exception as error:  # the window cannot even start: say why, not a traceback
        QMessageBox.critical(None, "ConvLens cannot start", str(error))
        return 1
    window.show()
    if image:
        window.files.open_image(image)
    install_sigint_handler(window)
    return app.exec()
