"""My digits: storing the input as a labelled digit, the panel of them and its verdicts,
relabel, delete, use as input, and importing a folder (engine.my_digits does the files)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from convlens.engine.evaluation import batched_logits
from convlens.engine.my_digits import LabelledImages, MyDigits
from convlens.gui.controllers.my_digits_training import MyDigitsTraining
from convlens.gui.layout import make_dock
from convlens.gui.services.my_digits_jobs import Background, ImportWorker
from convlens.gui.session import ImageSource, Session
from convlens.gui.views.add_digit_bar import AddDigitBar, DigitKeys
from convlens.gui.views.my_digits_panel import MyDigitsPanel
from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtWidgets import QFileDialog, QMainWindow

FOLDER_KEY = "my_digits/folder"  # where the digits live, if not the user's data folder
# While a run goes on, the verdicts follow the learning weights (about once a second) only
# for this many digits, and only in sight: the default model takes ~1.6 ms an image on the
# GUI's one thread on a busy 2-core machine, so 64 cost ~0.1 s a second (measured, load 11).
LIVE_VERDICTS = 64


class MyDigitsController(QObject):
    """Builds the 'My digits' dock and the add bar under the canvas, and wires them to the
    Session and the digits folder (``settings[FOLDER_KEY]``, else engine.my_digits')."""

    def __init__(self, session: Session, window: QMainWindow, settings: QSettings):
        super().__init__(window)
        self._session = session
        self._window = window
        self.store = MyDigits(settings.value(FOLDER_KEY, "", type=str) or None)
        self.digits = LabelledImages(np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64))
        self.predicted: np.ndarray | None = None  # the shown model's verdicts on them
        self.importer = Background(self)
        self.importer.finished.connect(self._on_imported)
        self.importer.failed.connect(lambda text: session.error.emit("Import failed", text))

        self.panel = MyDigitsPanel()
        self.dock = make_dock(window, "My digits", "my_digits_dock", self.panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        window.tabifyDockWidget(window.explain_dock, self.dock)
        window.explain_dock.raise_()
        self.bar = AddDigitBar()
        tools = window.inputs.layout()
        tools.insertWidget(3, self.bar)  # under the pen's tools, by the canvas
        self.keys = DigitKeys(self)
        window.canvas.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # a click gives it the keys
        window.canvas.installEventFilter(self.keys)

        self.bar.add_requested.connect(self.add_current)
        self.keys.pressed.connect(self.add_current)
        self.panel.chosen.connect(self.show_digit)
        self.panel.relabel_requested.connect(self.relabel)
        self.panel.delete_requested.connect(self.delete)
        self.panel.import_requested.connect(self.ask_import)
        session.model_changed.connect(self.update_verdicts)
        session.weights_changed.connect(self._on_weights_changed)
        self.dock.visibilityChanged.connect(lambda shown: shown and self.update_verdicts())
        self.training = MyDigitsTraining(session, self, window, window.source.load)
        self._add_menu_items(window)
        self.reload()

    def _add_menu_items(self, window: QMainWindow) -> None:
        """Data ▸ My digits (the dock) and Import digits folder…"""
        menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
        data = next((m for m in menus if m.title() == "&Data"), menus[-1])
        data.addSeparator()
        data.addAction(self.dock.toggleViewAction())
        data.addAction("Import digits folder…", self.ask_import)

    def shutdown(self) -> None:
        """Stop the workers (the window is closing)."""
        self.importer.shutdown()
        self.training.shutdown()

    # --- the folder --------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the folder again (our own files are 28x28 PNGs: fast), and the verdicts."""
        self.digits = self.store.load()
        keys = [str(path) for path in self.digits.paths]
        self.panel.set_digits(self.digits.images, self.digits.labels, keys)
        if self.digits.problems:
            self._session.message.emit(
                f"My digits: {len(self.digits.problems)} file(s) skipped: {self.digits.problems[0]}"
            )
        self.update_verdicts()

    def update_verdicts(self) -> None:
        """The shown model's digit for each of mine, into the panel."""
        if len(self.digits.images) == 0:
            self.predicted = None
        else:
            logits = batched_logits(self._session.shown_model, torch.from_numpy(self.digits.images))
            self.predicted = logits.argmax(1).numpy()
        self.panel.set_verdicts(self.predicted)

    def _on_weights_changed(self) -> None:
        live = len(self.digits.images) <= LIVE_VERDICTS and self.dock.isVisible()
        if live or not self._session.training:
            self.update_verdicts()

    # --- what the user does ------------------------------------------------------------------
    def add_current(self, label: int) -> None:
        """Store the current input (what the network sees) as a ``label``."""
        self._window.flush()  # the last stroke, if the throttle still holds it
        image = self._session.image
        if image is None:
            self._session.message.emit("Draw a digit first: there is nothing to add")
            return
        try:
            path = self.store.add(image, label)
        except OSError as error:
            self._session.error.emit(
                "Cannot store the digit", f"{self.store.folder}: {error.strerror or error}"
            )
            return
        self.reload()
        self.dock.show()
        self.dock.raise_()
        self._session.message.emit(f"Added as a {label}: {path.parent.name}/{path.name}")

    def show_digit(self, key: str) -> None:
        """Make one of my digits the input (on the canvas too, to draw over)."""
        index = [str(p) for p in self.digits.paths].index(key)
        label = int(self.digits.labels[index])
        self.show_image(self.digits.images[index], f"my digits, {label}/{Path(key).name}")

    def show_image(self, image: np.ndarray, name: str) -> None:
        """A (28, 28) uint8 digit as the input, on the canvas too (to draw over)."""
        ink = image.astype(np.float32) / 255
        self._session.set_image(ink, ImageSource("file", name), ink)

    def relabel(self, key: str, label: int) -> None:
        self._change(lambda: self.store.relabel(key, label), f"Moved to {label}/")

    def delete(self, key: str) -> None:
        self._change(lambda: self.store.delete(key), f"Deleted {Path(key).name}")

    def _change(self, change, done: str) -> None:
        try:
            change()
        except OSError as error:
            self._session.error.emit("Cannot change my digits", str(error.strerror or error))
        else:
            self._session.message.emit(done)
        self.reload()

    def ask_import(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self._window, "Import a folder of labelled digits (a folder per class 0-9)"
        )
        if folder:
            self.import_folder(folder)

    def import_folder(self, folder: str | Path) -> None:
        """Copy the digits of ``folder`` in, in a worker (a big folder takes a while)."""
        if not self.importer.is_running():
            self._session.message.emit(f"Importing {folder}…")
            self.importer.start(ImportWorker(self.store, folder))

    def _on_imported(self, result: tuple[list, list]) -> None:
        added, problems = result
        self.reload()
        self.dock.show()
        self.dock.raise_()
        text = f"Imported {len(added)} digit(s)."
        if problems:
            shown = "\n".join(problems[:20])
            more = f"\n… and {len(problems) - 20} more" if len(problems) > 20 else ""
            self._session.error.emit(
                "Some files were skipped",
                f"{text} {len(problems)} file(s) were skipped, and left as they were:\n"
                f"{shown}{more}",
            )
        else:
            self._session.message.emit(text)
