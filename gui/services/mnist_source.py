"""Where MNIST is: the remembered folder, loading it once, test digits, downloading it.

The service opens no dialogs: the data controller asks the user (download? which folder?)
and shows the download's progress from this service's signals.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from convlens.engine.mnist import (
    COUNTS,
    Mnist,
    download_mnist,
    has_mnist,
    load_mnist,
    resolve_data_dir,
)
from convlens.gui.services.workers import Job, Worker
from PySide6.QtCore import QObject, QSettings, Signal

FOLDER_KEY = "data/folder"


class DownloadWorker(Worker):
    """Downloads the MNIST files that ``dest`` lacks (from ``mirrors``, if given)."""

    progress = Signal(int, int, str)  # bytes done, bytes in all (0: unknown), file name
    finished = Signal(object)  # the folder

    def __init__(self, dest, mirrors: Sequence[str] | None = None, sha256=None):
        super().__init__()
        self.dest = dest
        self._options = {"base_urls": mirrors} if mirrors else {}
        if sha256 is not None:
            self._options["sha256"] = sha256

    def work(self) -> None:
        folder = download_mnist(
            self.dest, progress=self.progress.emit, should_stop=self.should_stop, **self._options
        )
        self.finished.emit(folder)


class MnistSource(QObject):
    """The data set for training and for browsing the test digits.

    The folder is the one the user chose (kept in QSettings), else ``$CONVLENS_DATA``, else
    the per-user cache folder (``engine.mnist.resolve_data_dir``). ``load`` may be called
    from a worker thread; the data is read once per folder.
    """

    download_progress = Signal(int, int, str)  # bytes done, bytes in all (0: unknown), file
    downloaded = Signal(object)  # the folder, now holding MNIST
    download_failed = Signal(str)  # why (not sent for a cancelled download)
    download_ended = Signal()  # the download's thread has ended, whatever the outcome

    def __init__(self, settings: QSettings, parent: QObject | None = None):
        super().__init__(parent)
        self._settings = settings
        self._lock = threading.Lock()
        self._cache: tuple[Path, Mnist] | None = None
        self._rng = np.random.default_rng()
        self.index = -1  # test digit shown last
        self.mirrors: Sequence[str] | None = None  # None: engine.mnist's own list
        self.sha256: Mapping[str, str] | None = None  # None: the real files' checksums
        self.counts: tuple[int, int] | None = COUNTS  # images per split; None: any
        self.job = Job(self)
        self.job.ended.connect(self.download_ended)
        self._cancelled = False

    def folder(self) -> Path:
        chosen = self._settings.value(FOLDER_KEY, "", type=str)
        return resolve_data_dir(chosen or None)

    def set_folder(self, folder: str | Path) -> None:
        self._settings.setValue(FOLDER_KEY, str(folder))

    def available(self) -> bool:
        """The four files are in the folder (their content is checked on loading)."""
        return has_mnist(self.folder())

    def load(self) -> Mnist:
        """The whole data set (DatasetError, worded for users, when it cannot be read)."""
        folder = self.folder()
        with self._lock:
            if self._cache is None or self._cache[0] != folder:
                self._cache = (folder, load_mnist(folder, counts=self.counts))
            return self._cache[1]

    def loaded(self) -> Mnist | None:
        """The data set if it has been read from the folder now chosen (never reads it)."""
        folder = self.folder()
        with self._lock:
            if self._cache is not None and self._cache[0] == folder:
                return self._cache[1]
        return None

    def test_digit(self, step: int | None) -> tuple[np.ndarray, int, int]:
        """(image (28, 28) ink in [0, 1], true label, index): the next one, or a random one
        when ``step`` is None."""
        count = len(self.load().test_images)
        index = int(self._rng.integers(count)) if step is None else (self.index + step) % count
        return self.test_digit_at(index)

    def test_digit_at(self, index: int) -> tuple[np.ndarray, int, int]:
        """Test digit ``index``, as ``test_digit`` gives it; the browser goes on from there."""
        test = self.load()
        self.index = index
        image = test.test_images[index].astype(np.float32) / 255.0
        return image, int(test.test_labels[index]), index

    # --- downloading -----------------------------------------------------------------------
    def downloading(self) -> bool:
        return self.job.is_running()

    def download(self) -> None:
        """Download into the current folder in a worker thread (once at a time)."""
        if self.downloading():
            return
        self._cancelled = False
        self.job.start(
            DownloadWorker(self.folder(), self.mirrors, self.sha256),
            progress=self.download_progress,
            finished=self._on_downloaded,
            failed=self._on_failed,
        )

    def cancel_download(self) -> None:
        self._cancelled = True
        self.job.stop()

    def shutdown(self) -> None:
        """Cancel a download and release its thread (the window is closing)."""
        self._cancelled = True
        self.job.shutdown()

    def _on_downloaded(self, folder: Path) -> None:
        self.set_folder(folder)
        self.downloaded.emit(folder)

    def _on_failed(self, text: str) -> None:
        if not self._cancelled:
            self.download_failed.emit(text)
