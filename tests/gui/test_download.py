"""Getting MNIST when it is missing: downloaded in a worker thread (from a local mirror
here), cancelled, or found in a folder the user chooses; then the training goes on."""

import os
import shutil

from convlens.engine.mnist import has_mnist
from convlens.gui.mnist_source import FOLDER_KEY
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton


def local_mirror(mnist_dir, tmp_path) -> str:
    mirror = tmp_path / "mirror"
    shutil.copytree(mnist_dir, mirror, ignore=shutil.ignore_patterns("README*"))
    return mirror.as_uri() + "/"


def test_missing_data_is_downloaded_then_training_starts(
    tiny_window, settings, tmp_path, mnist_dir, qtbot
):
    window = tiny_window
    dest = tmp_path / "data"
    settings.setValue(FOLDER_KEY, str(dest))
    window.source.mirrors = [local_mirror(mnist_dir, tmp_path)]
    window.commands.train.trigger()
    window.trainer.dialog.train_limit.setValue(500)
    window.trainer.dialog.accept()
    question = window.source.question
    download = next(b for b in question.buttons() if b.text() == "Download")
    with qtbot.waitSignal(window.trainer.running_changed, timeout=60_000):
        download.click()  # download, then the training asked for
    assert has_mnist(dest)
    assert settings.value(FOLDER_KEY) == str(dest)
    qtbot.waitUntil(lambda: window.source.download_thread is None, timeout=60_000)
    assert window.source.progress_dialog is None  # closed once done
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
    window.commands.download_data.trigger()
    window.source.progress_dialog.findChild(QPushButton).click()  # its Cancel button

    def download_over() -> bool:
        try:  # a worker blocked reading the FIFO gets a chunk, then sees the cancel
            writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # no reader (yet, or any more)
            pass
        else:
            os.write(writer, b"\x1f\x8b" + bytes(70_000))
            os.close(writer)
        return window.source.download_thread is None

    qtbot.waitUntil(download_over, timeout=60_000)
    assert not has_mnist(dest) and not any(dest.glob("*.gz"))
    assert window.last_error is None
    assert not [b for b in window.findChildren(QMessageBox) if b.isVisible()]


def test_choosing_a_folder_instead(tiny_window, settings, tmp_path, mnist_dir, qtbot, monkeypatch):
    window = tiny_window
    settings.setValue(FOLDER_KEY, str(tmp_path / "nothing here"))
    answers = iter([str(tmp_path), str(mnist_dir)])  # first a folder without MNIST, then one
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: next(answers))
    window.commands.choose_data.trigger()
    assert window.last_error[0] == "Not an MNIST folder"
    window.commands.train.trigger()
    window.trainer.dialog.train_limit.setValue(500)
    window.trainer.dialog.accept()
    choose = next(b for b in window.source.question.buttons() if b.text() == "Choose folder…")
    with qtbot.waitSignal(window.trainer.running_changed, timeout=60_000):
        choose.click()
    assert settings.value(FOLDER_KEY) == str(mnist_dir)
    window.trainer.stop()
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=60_000)
