"""Getting MNIST when it is missing: downloaded in a worker thread (from a local mirror
here), cancelled, or found in a folder the user chooses; then the training goes on."""

import gzip
import hashlib
import os
import shutil

from convlens.engine.mnist import FILE_NAMES, has_mnist
from convlens.gui.services.mnist_source import FOLDER_KEY
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton


def local_mirror(window, small_mnist, tmp_path) -> None:
    """The small MNIST subset, served from a folder, with its own checksums."""
    mirror = tmp_path / "mirror"
    shutil.copytree(small_mnist, mirror, ignore=shutil.ignore_patterns("README*"))
    window.source.mirrors = [mirror.as_uri() + "/"]
    window.source.counts = None  # a subset: 2,000 and 1,000 images
    window.source.sha256 = {
        name: hashlib.sha256(gzip.decompress((mirror / f"{name}.gz").read_bytes())).hexdigest()
        for name in FILE_NAMES
    }


def test_missing_data_is_downloaded_then_training_starts(
    tiny_window, settings, tmp_path, small_mnist, qtbot
):
    window = tiny_window
    dest = tmp_path / "data"
    settings.setValue(FOLDER_KEY, str(dest))
    local_mirror(window, small_mnist, tmp_path)
    window.actions.train.trigger()
    window.training.dialog.train_limit.setValue(500)
    window.training.dialog.accept()
    question = window.data.question
    download = next(b for b in question.buttons() if b.text() == "Download")
    with qtbot.waitSignal(window.trainer.running_changed, timeout=60_000):
        download.click()  # download, then the training asked for
    assert has_mnist(dest)
    assert settings.value(FOLDER_KEY) == str(dest)
    qtbot.waitUntil(lambda: not window.source.downloading(), timeout=60_000)
    assert window.data.progress_dialog is None  # closed once done
    window.trainer.stop()
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=60_000)


def test_a_cancelled_download_leaves_nothing_and_says_nothing(
    tiny_window, settings, tmp_path, qtbot
):
    """The mirror's first file is a FIFO: the worker waits on it until the test has
    cancelled, so the cancel always lands mid-download."""
    window = tiny_window
    dest = tmp_path / "data"
    settings.setValue(FOLDER_KEY, str(dest))
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    fifo = mirror / "train-images-idx3-ubyte.gz"
    os.mkfifo(fifo)
    window.source.mirrors = [mirror.as_uri() + "/"]
    window.actions.download_data.trigger()
    window.data.progress_dialog.findChild(QPushButton).click()  # its Cancel button

    def download_over() -> bool:
        try:  # a worker blocked reading the FIFO gets a chunk, then sees the cancel
            writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # no reader (yet, or any more)
            pass
        else:
            os.write(writer, b"\x1f\x8b" + bytes(70_000))
            os.close(writer)
        return not window.source.downloading()

    qtbot.waitUntil(download_over, timeout=60_000)
    assert not has_mnist(dest) and not any(dest.glob("*.gz"))
    assert window.last_error is None
    assert not [b for b in window.findChildren(QMessageBox) if b.isVisible()]


def test_choosing_a_folder_instead(
    tiny_window, settings, tmp_path, small_mnist, qtbot, monkeypatch
):
    window = tiny_window
    window.source.counts = None  # the folder chosen holds a subset
    settings.setValue(FOLDER_KEY, str(tmp_path / "nothing here"))
    answers = iter([str(tmp_path), str(small_mnist)])  # first a folder without MNIST, then one
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: next(answers))
    window.actions.choose_data.trigger()
    assert window.last_error[0] == "Not an MNIST folder"
    window.actions.train.trigger()
    window.training.dialog.train_limit.setValue(500)
    window.training.dialog.accept()
    choose = next(b for b in window.data.question.buttons() if b.text() == "Choose folder…")
    with qtbot.waitSignal(window.trainer.running_changed, timeout=60_000):
        choose.click()
    assert settings.value(FOLDER_KEY) == str(small_mnist)
    window.trainer.stop()
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=60_000)
