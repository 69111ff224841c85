"""Training from the menu on real MNIST: curves, verdict, keep or go back, stop, quit."""

import re

import numpy as np
from convlens.engine.weights import conv_kernels as conv_weights
from convlens.gui.services import training_process
from convlens.gui.services.mnist_source import FOLDER_KEY
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from tests.gui.helpers import show_image

TIMEOUT_MS = 120_000  # a loaded machine is slow; the tests assert on outcomes, not on time


def start_from_menu(window, qtbot, epochs=1, train_limit=2000, lr=None, optimizer=None):
    """Train ▸ Train…, fill in the dialog, press Train."""
    window.actions.train.trigger()
    dialog = window.training.dialog
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
    before = window.session.model
    show_image(window, np.eye(28, dtype=np.float32))
    with qtbot.waitSignal(window.trainer.finished, timeout=TIMEOUT_MS) as finished:
        start_from_menu(window, qtbot)
        assert not window.actions.train.isEnabled() and window.actions.stop.isEnabled()
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=TIMEOUT_MS)

    model, result, evaluation, config = finished.args
    assert not result.stopped and config.train_limit == 2000
    assert re.fullmatch(r"Finished 1 epoch in \d+ s\.", window.session.run.note)
    assert evaluation.confusion.sum() == 1_000
    lengths = window.training_panel.curve_lengths()
    assert lengths["data_loss"] == lengths["accuracy"] == len(result.history) > 0
    assert window.session.model is model and window.session.model is not before
    assert f"{evaluation.accuracy:.1%}" in window.status.model_label.text()
    np.testing.assert_array_equal(window.training_panel.confusion.matrix, evaluation.confusion)
    np.testing.assert_allclose(
        window.prediction.bars.values, window.session.trace.probabilities
    )  # the verdict is the new model's
    assert window.training_panel.revert_button.isVisible()
    assert window.actions.train.isEnabled() and not window.actions.stop.isEnabled()

    window.training_panel.revert_button.click()
    assert window.session.model is before
    assert not window.training_panel.revert_button.isVisible()


def test_stop_ends_the_run_and_the_maps_follow_the_learning_weights(mnist_window, qtbot):
    window = mnist_window
    initial = conv_weights(window.session.model)[0]
    with qtbot.waitSignal(window.trainer.finished, timeout=TIMEOUT_MS) as finished:
        start_from_menu(window, qtbot, epochs=50, train_limit=0)  # long enough to stop
        with qtbot.waitSignal(window.trainer.snapshot, timeout=TIMEOUT_MS):
            pass

        def kernels_shown():
            return np.stack([item.image for item in window.maps.panels[0].kernels.items])

        # the learning weights shown, in the next turn of the event loop
        qtbot.waitUntil(lambda: not np.array_equal(kernels_shown()[:, :5, :5], initial[:, 0]))
        window.actions.stop.trigger()
    _, result, evaluation, _ = finished.args
    assert result.stopped
    assert evaluation is not None  # a stopped run is still tested, to keep or not
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=TIMEOUT_MS)


def test_closing_during_training_asks_then_stops_the_thread(mnist_window, qtbot):
    window = mnist_window
    start_from_menu(window, qtbot, epochs=50, train_limit=0)
    with qtbot.waitSignal(window.trainer.progress, timeout=TIMEOUT_MS):
        pass
    thread = window.trainer.job.thread
    assert not window.close()  # not before the user has answered
    question = window.training.stop_question
    assert question.isVisible() and "Stop the training" in question.text()
    question.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    assert window.trainer.job.thread is None
    assert thread.isFinished()


def test_closing_can_be_refused_while_training(mnist_window, qtbot):
    window = mnist_window
    start_from_menu(window, qtbot, epochs=50, train_limit=0)
    assert not window.close()
    window.training.stop_question.button(QMessageBox.StandardButton.Cancel).click()
    assert window.isVisible() and window.trainer.is_running()
    window.trainer.shutdown()


def test_a_diverging_run_is_reported(mnist_window, qtbot):
    window = mnist_window
    before = window.session.model
    with qtbot.waitSignal(window.trainer.failed, timeout=TIMEOUT_MS) as failed:
        start_from_menu(window, qtbot, lr=10.0, optimizer="sgd")
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=TIMEOUT_MS)
    assert "diverged" in failed.args[0]
    assert window.last_error[0] == "Training failed"
    assert window.session.model is before


def test_missing_mnist_offers_a_download(tiny_window, settings, tmp_path, qtbot):
    settings.setValue(FOLDER_KEY, str(tmp_path / "empty"))
    window = tiny_window
    window.actions.train.trigger()
    window.training.dialog.accept()
    question = window.data.question
    assert question.isVisible() and "MNIST" in question.text()
    question.button(QMessageBox.StandardButton.Cancel).click()
    assert not window.trainer.is_running()

    window.inputs.next_button.click()  # browsing the test set offers the same, too
    question = window.data.question
    assert question.isVisible() and "test set browser needs" in question.text()
    question.button(QMessageBox.StandardButton.Cancel).click()


def test_the_train_dialog_makes_room_and_starts_a_process_for_the_run(mnist_window, qtbot):
    """While the user reads the dialog the curves' docks show and a training process starts,
    with the data set; cancelled before any run, the docks go again (the process waits for
    the next run)."""
    import multiprocessing

    window = mnist_window
    data = window.source.load()  # read already, as once the test set has been browsed
    assert window.training_dock.isHidden() and window.weights_dock.isHidden()
    window.actions.train.trigger()
    assert window.training_dock.isVisible() and window.weights_dock.isVisible()
    qtbot.waitUntil(
        lambda: any(p.name == "convlens-training" for p in multiprocessing.active_children()),
        timeout=TIMEOUT_MS,
    )
    # the data set read already goes too, so that the run's start copies nothing
    qtbot.waitUntil(
        lambda: any(p._data is data for p in training_process._IDLE), timeout=TIMEOUT_MS
    )
    window.training.dialog.reject()
    assert window.training_dock.isHidden() and window.weights_dock.isHidden()

    with qtbot.waitSignal(window.trainer.finished, timeout=TIMEOUT_MS):
        start_from_menu(window, qtbot)
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=TIMEOUT_MS)
    window.actions.train.trigger()
    window.training.dialog.reject()  # after a run, its curves stay
    assert window.training_dock.isVisible()


def test_a_run_starting_moves_nothing_in_the_network_views(mnist_window, qtbot):
    """As a run begins, no view of the network moves or changes size (a line that came into
    the layer detail made the whole window lay itself out again in the run's first second);
    the filter buttons rest while the weights change, their tooltips saying why."""
    from convlens.gui.views.map_grid import MapGrid
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QApplication

    window = mnist_window
    window.actions.train.trigger()  # the docks come as the dialog opens
    views = [window.overview, window.maps.viewport(), *window.maps.findChildren(MapGrid)]
    places = lambda: [(v.size(), v.mapTo(window, QPoint(0, 0))) for v in views]  # noqa: E731
    # Laid out, as while the user reads the dialog: the docks' height, the detail refitted
    # to the split, its scroll bar gone; nothing moved from one look to the next.
    seen = [None]

    def settled() -> bool:
        seen.append(places())
        return seen[-1] == seen[-2]

    qtbot.waitUntil(settled, timeout=TIMEOUT_MS)
    before = seen[-1]
    window.training.dialog.epochs.setValue(3)
    with qtbot.waitSignal(window.trainer.progress, timeout=TIMEOUT_MS):
        window.training.dialog.accept()
    QApplication.processEvents()
    assert places() == before
    gallery = next(iter(window.why.filters.galleries.values()))
    assert not gallery.find_button.isEnabled() and not gallery.maximise_button.isEnabled()
    assert "weights are changing" in gallery.find_button.toolTip()
    window.trainer.stop()
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=TIMEOUT_MS)
    assert gallery.find_button.isEnabled() and "9 patches" in gallery.find_button.toolTip()
