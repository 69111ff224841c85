"""The MNIST prompts: download it? choose a folder? and the download's progress dialog."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from convlens.engine.mnist import has_mnist
from convlens.gui.services.mnist_source import MnistSource
from convlens.gui.session import Session
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget


class DataController(QObject):
    """Asks the user for MNIST when something needs it, and reports on the download."""

    def __init__(self, session: Session, source: MnistSource, parent: QWidget):
        super().__init__(parent)
        self._session = session
        self.source = source
        self._parent = parent
        self.question: QMessageBox | None = None
        self.progress_dialog: QProgressDialog | None = None
        self._then: Callable[[], None] | None = None  # what to do once downloaded
        source.download_progress.connect(self._on_progress)
        source.downloaded.connect(self._on_downloaded)
        source.download_failed.connect(lambda text: session.error.emit("Download failed", text))
        source.download_ended.connect(self._on_download_ended)

    def ensure(self, then: Callable[[], None], need: str = "Training needs") -> None:
        """Call ``then`` now if the files are there; else offer to download or choose them."""
        if self.source.available():
            then()
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "MNIST is needed",
            f"{need} the MNIST digits, which are not in {self.source.folder()}.\n\n"
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
            self._parent, "Folder with MNIST", str(self.source.folder())
        )
        if folder:
            self.use_folder(folder, then)

    def use_folder(self, folder: str | Path, then: Callable[[], None] | None = None) -> None:
        if not has_mnist(folder):
            self._session.error.emit(
                "Not an MNIST folder",
                f"{folder} does not hold the four MNIST files (train-images-idx3-ubyte.gz, …).",
            )
            return
        self.source.set_folder(folder)
        self._session.message.emit(f"MNIST folder: {folder}")
        if then is not None:
            then()

    def download(self, then: Callable[[], None] | None = None) -> None:
        """Download into the current folder, with a cancellable progress dialog."""
        if self.source.downloading():
            return
        dialog = QProgressDialog("Downloading MNIST…", "Cancel", 0, 100, self._parent)
        dialog.setWindowTitle("MNIST")
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.source.cancel_download)
        self.progress_dialog, self._then = dialog, then
        self.source.download()
        dialog.show()

    def _on_progress(self, done: int, total: int, name: str) -> None:
        if self.progress_dialog is not None:
            size = f" of {total / 1e6:.1f}" if total else ""
            self.progress_dialog.setLabelText(f"Downloading {name}: {done / 1e6:.1f}{size} MB")
            self.progress_dialog.setValue(int(100 * done / total) if total else 0)

    def _on_downloaded(self, folder: Path) -> None:
        self._session.message.emit(f"MNIST downloaded to {folder}")
        then, self._then = self._then, None
        if then is not None:
            then()

    def _on_download_ended(self) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.close()
        self.progress_dialog = self._then = None
