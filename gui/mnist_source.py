"""Where MNIST is: the remembered folder, loading it once, choosing a folder, downloading it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from convlens.engine.mnist import Mnist, has_mnist, load_mnist, resolve_data_dir
from convlens.gui.workers import DownloadWorker, start_worker
from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

FOLDER_KEY = "data/folder"


class MnistSource(QObject):
    """The data set for training and for browsing the test digits.

    The folder is the one the user chose (kept in QSettings), else ``$CONVLENS_DATA``, else
    the per-user cache folder (``engine.mnist.resolve_data_dir``). ``load`` may be called
    from a worker thread; the data is read once per folder.
    """

    error = Signal(str, str)  # title, text
    message = Signal(str)  # for the status bar

    def __init__(self, settings: QSettings, parent_widget: QWidget):
        super().__init__(parent_widget)
        self._settings = settings
        self._parent = parent_widget
        self._lock = threading.Lock()
        self._cache: tuple[Path, Mnist] | None = None
        self._rng = np.random.default_rng()
        self.index = -1  # test digit shown last
        self.download_thread = None
        self.download_worker: DownloadWorker | None = None
        self.progress_dialog: QProgressDialog | None = None
        self.question: QMessageBox | None = None
        self.mirrors: Sequence[str] | None = None  # None: engine.mnist's own list
        self._then: Callable[[], None] | None = None  # what to do once downloaded
        self._cancelled = False

    def folder(self) -> Path:
        chosen = self._settings.value(FOLDER_KEY, "", type=str)
        return resolve_data_dir(chosen or None)

    def set_folder(self, folder: str | Path) -> None:
        self._settings.setValue(FOLDER_KEY, str(folder))

    def load(self) -> Mnist:
        """The whole data set (DatasetError, worded for users, when it cannot be read)."""
        folder = self.folder()
        with self._lock:
            if self._cache is None or self._cache[0] != folder:
                self._cache = (folder, load_mnist(folder))
            return self._cache[1]

    def test_digit(self, step: int | None) -> tuple[np.ndarray, int, int]:
        """(image (28, 28) ink in [0, 1], true label, index): the next one, or a random one
        when ``step`` is None."""
        test = self.load()
        count = len(test.test_images)
        self.index = int(self._rng.integers(count)) if step is None else (self.index + step) % count
        image = test.test_images[self.index].astype(np.float32) / 255.0
        return image, int(test.test_labels[self.index]), self.index

    # --- getting the data ------------------------------------------------------------------
    def ensure(self, then: Callable[[], None]) -> None:
        """Call ``then`` now if the files are there; else offer to download or choose them."""
        if has_mnist(self.folder()):
            then()
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "MNIST is needed",
            f"Training needs the MNIST digits, which are not in {self.folder()}.\n\n"
            "Download them (about 11 MB), or choose a folder that holds the four MNIST files?",
            QMessageBox.StandardButton.Cancel,
            self._parent,
        )
        download = box.addButton("Download", QMessageBox.ButtonRole.AcceptRole)
        choose = box.addButton("Choose folder…", QMessageBox.ButtonRole.ActionRole)

        def on_finished(_result: int) -> None:
            clicked = box.clickedButton()
            if clicked is download:
                self.download(then)
            elif clicked is choose:
                self.choose_folder(then)

        box.finished.connect(on_finished)
        self.question = box
        box.open()

    def choose_folder(self, then: Callable[[], None] | None = None) -> None:
        """Ask for a folder holding the four MNIST files; remember it if it does."""
        folder = QFileDialog.getExistingDirectory(
            self._parent, "Folder with MNIST", str(self.folder())
        )
        if not folder:
            return
        if not has_mnist(folder):
            self.error.emit(
                "Not an MNIST folder",
                f"{folder} does not hold the four MNIST files (train-images-idx3-ubyte.gz, …).",
            )
            return
        self.set_folder(folder)
        self.message.emit(f"MNIST folder: {folder}")
        if then is not None:
            then()

    def download(self, then: Callable[[], None] | None = None) -> None:
        """Download into the current folder, with a cancellable progress dialog."""
        if self.download_thread is not None:
            return
        worker = DownloadWorker(self.folder(), self.mirrors)
        dialog = QProgressDialog("Downloading MNIST…", "Cancel", 0, 100, self._parent)
        dialog.setWindowTitle("MNIST")
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self._on_download_cancel)
        # Bound methods of this GUI-thread object: Qt queues the calls to the GUI thread.
        worker.progress.connect(self._on_download_progress)
        worker.finished.connect(self._on_downloaded)
        worker.failed.connect(self._on_download_failed)
        self.download_worker, self.progress_dialog = worker, dialog
        self._then, self._cancelled = then, False
        self.download_thread = start_worker(worker)
        self.download_thread.finished.connect(self._on_download_thread_finished)
        dialog.show()

    def shutdown(self) -> None:
        """Cancel a download and wait for its thread (the window is closing)."""
        if self.download_thread is not None:
            self._on_download_cancel()
            self.download_thread.quit()
            self._on_download_thread_finished()

    def _on_download_cancel(self) -> None:
        # A direct call, not a signal: the worker's event loop is busy inside run().
        self._cancelled = True
        if self.download_worker is not None:
            self.download_worker.stop()

    def _on_download_progress(self, done: int, total: int, name: str) -> None:
        if self.progress_dialog is not None:
            size = f" of {total / 1e6:.1f}" if total else ""
            self.progress_dialog.setLabelText(f"Downloading {name}: {done / 1e6:.1f}{size} MB")
            self.progress_dialog.setValue(int(100 * done / total) if total else 0)

    def _on_downloaded(self, folder: Path) -> None:
        self.set_folder(folder)
        self.message.emit(f"MNIST downloaded to {folder}")
        then, self._then = self._then, None
        if then is not None:
            then()

    def _on_download_failed(self, text: str) -> None:
        if not self._cancelled:
            self.error.emit("Download failed", text)

    def _on_download_thread_finished(self) -> None:
        if self.download_thread is None:
            return
        self.download_thread.wait()  # the thread has ended: now its objects may go
        if self.progress_dialog is not None:
            self.progress_dialog.close()
        self.download_thread = self.download_worker = self.progress_dialog = None
