"""Training from the menu on real MNIST: curves, verdict, keep or go back, stop, quit."""

import numpy as np
import pytest
from convlens.gui.feature_maps import conv_weights
from convlens.gui.mnist_source import FOLDER_KEY
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

TIMEOUT_MS = 120_000  # a loaded machine is slow; the tests assert on outcomes, not on time


@pytest.fixture
def mnist_window(tiny_window, settings, mnist_dir):
    settings.setValue(FOLDER_KEY, str(mnist_dir))
    return tiny_window


def start_from_menu(window, qtbot, epochs=1, train_limit=2000, lr=None, optimizer=None):
    """Train ▸ Train…, fill in the dialog, press Train."""
    window.commands.train.trigger()
    dialog = window.trainer.dialog
    assert dialog.isVisible()
    dialog.epochs.setValue(epochs)
    dialog.train_limit.setValue(train_limit)
    dialog.device.setCurrentText("cpu")
    if lr is not None:
        dialog.lr.setValue(lr)
    if optimizer is not None:
        dialog.optimizer.setCurrentIndex(dialog.optimizer.findData(optimizer))
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    with qtbot.waitSignal(window.trainer.running_changed, timeout=TIMEOUT_MS):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_training_from_the_menu_runs_to_the_end(mnist_window, qtbot):
    window = mnist_window
    before = window.model
    window.show_image(np.eye(28, dtype=np.float32))
    with qtbot.waitSignal(window.trainer.finished, timeout=TIMEOUT_MS) as finished:
        start_from_menu(window, qtbot)
        assert not window.commands.train.isEnabled() and window.commands.stop.isEnabled()
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=TIMEOUT_MS)

    model, result, evaluation, config = finished.args
    assert not result.stopped and config.train_limit == 2000
    assert evaluation.confusion.sum() == 10_000
    lengths = window.training_panel.curve_lengths()
    assert lengths["data_loss"] == lengths["accuracy"] == len(result.history) > 0
    assert window.model is model and window.model is not before
    assert f"{evaluation.accuracy:.1%}" in window.status.model_label.text()
    np.testing.assert_array_equal(window.training_panel.confusion.matrix, evaluation.confusion)
    np.testing.assert_allclose(
        window.prediction.bars.opts["height"], window.trace.probabilities
    )  # the verdict is the new model's
    assert window.training_panel.revert_button.isVisible()
    assert window.commands.train.isEnabled() and not window.commands.stop.isEnabled()

    window.training_panel.revert_button.click()
    assert window.model is before
    assert not window.training_panel.revert_button.isVisible()


def test_stop_ends_the_run_and_the_maps_follow_the_learning_weights(mnist_window, qtbot):
    window = mnist_window
    initial = conv_weights(window.model)[0]
    with qtbot.waitSignal(window.trainer.finished, timeout=TIMEOUT_MS) as finished:
        start_from_menu(window, qtbot, epochs=3, train_limit=0)  # all 60,000: long enough
        with qtbot.waitSignal(window.trainer.snapshot, timeout=TIMEOUT_MS):
            pass
        shown = np.stack([item.image for item in window.maps.panels[0].kernels.items])
        assert not np.array_equal(shown[:, :5, :5], initial[:, 0])  # learning weights shown
        window.commands.stop.trigger()
    _, result, evaluation, _ = finished.args
    assert result.stopped
    assert evaluation is not None  # a stopped run is still tested, to keep or not
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=TIMEOUT_MS)


def test_closing_during_training_stops_the_thread(mnist_window, qtbot, monkeypatch):
    window = mnist_window
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *args: asked.append(args) or QMessageBox.StandardButton.Yes
    )
    start_from_menu(window, qtbot, epochs=3, train_limit=0)
    with qtbot.waitSignal(window.trainer.progress, timeout=TIMEOUT_MS):
        pass
    thread = window.trainer.thread
    assert window.close()
    assert asked and not window.isVisible()
    assert window.trainer.thread is None
    assert thread.isFinished()


def test_closing_can_be_refused_while_training(mnist_window, qtbot, monkeypatch):
    window = mnist_window
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.No)
    start_from_menu(window, qtbot, epochs=3, train_limit=0)
    assert not window.close()
    assert window.isVisible() and window.trainer.is_running()
    window.trainer.shutdown()


def test_a_diverging_run_is_reported(mnist_window, qtbot):
    window = mnist_window
    before = window.model
    with qtbot.waitSignal(window.trainer.failed, timeout=TIMEOUT_MS) as failed:
        start_from_menu(window, qtbot, lr=10.0, optimizer="sgd")
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=TIMEOUT_MS)
    assert "diverged" in failed.args[0]
    assert window.last_error[0] == "Training failed"
    assert window.model is before


def test_missing_mnist_offers_a_download(tiny_window, settings, tmp_path, qtbot):
    settings.setValue(FOLDER_KEY, str(tmp_path / "empty"))
    window = tiny_window
    window.commands.train.trigger()
    window.trainer.dialog.accept()
    question = window.source.question
    assert question.isVisible() and "MNIST" in question.text()
    question.button(QMessageBox.StandardButton.Cancel).click()
    assert not window.trainer.is_running()

    window.inputs.next_button.click()  # browsing the test set says what is missing, too
    assert window.last_error[0] == "MNIST is not available"
