"""Training that can be watched, in the real window on the shipped MNIST subset: the
validation split, pause and single steps, the speed, the learning rate, divergence, the run
history in the model file, and the export."""

import csv

import numpy as np
import pytest
import torch
from convlens.engine.history import CURVES
from convlens.engine.model_file import load_model
from convlens.engine.split import training_set
from convlens.engine.training import measure
from convlens.engine.weights import conv_kernels
from convlens.gui.dialogs.train_dialog import DEFAULTS
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialogButtonBox

from tests.gui.test_training import TIMEOUT_MS

PAUSE_S = 30  # waits on the worker thread; the tests assert on outcomes, not on time


def start(window, qtbot, **fields):
    """Train ▸ Train…, the dialog's fields set (by name: value), Train pressed."""
    window.actions.train.trigger()
    dialog = window.training.dialog
    dialog.device.setCurrentText("cpu")
    for name, value in fields.items():
        box = getattr(dialog, name)
        if name == "optimizer":
            box.setCurrentIndex(box.findData(value))
        else:
            box.setValue(value)
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    with qtbot.waitSignal(window.trainer.running_changed, timeout=TIMEOUT_MS):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    return dialog


def run_to_end(window, qtbot, **fields):
    with qtbot.waitSignal(window.trainer.finished, timeout=TIMEOUT_MS) as finished:
        dialog = start(window, qtbot, **fields)
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=TIMEOUT_MS)
    return dialog, finished.args


def test_the_validation_split_is_held_out_of_the_training_images(mnist_window, qtbot, mnist_subset):
    window = mnist_window
    dialog, (model, result, evaluation, config) = run_to_end(
        window, qtbot, epochs=1, train_limit=0, validation=500
    )
    assert "validates on the last 500" in dialog.split.text()
    assert config.validation == 500
    images = torch.from_numpy(mnist_subset.train_images)
    labels = torch.from_numpy(mnist_subset.train_labels)
    split = training_set(images, labels, config)
    assert torch.equal(split.images, images[:1500]) and torch.equal(split.val_images, images[1500:])
    trained = {bytes(image.numpy()) for image in split.images}
    assert not any(bytes(image.numpy()) in trained for image in split.val_images)

    assert result.history[-1].seen == 1500  # one epoch saw the 1,500 others, once each
    measured = [p for p in result.history if p.val_loss is not None]
    assert len(measured) == config.val_per_epoch  # 4 times in the epoch, the last at its end
    loss, accuracy = measure(model, images[1500:], labels[1500:], config)  # independently
    assert measured[-1].val_loss == pytest.approx(loss, rel=1e-4)
    assert measured[-1].val_accuracy == pytest.approx(accuracy)
    assert evaluation.confusion.sum() == 1000  # the test accuracy stays on the test split
    shown = window.training_panel.curves.runs[-1].items["val_loss"]
    np.testing.assert_allclose(shown.yData, [p.val_loss for p in measured])


def test_pause_holds_the_step_count_and_step_takes_exactly_one_batch(mnist_window, qtbot):
    window = mnist_window
    controls = window.training_panel.controls
    start(window, qtbot, epochs=50, train_limit=0, validation=200)
    with qtbot.waitSignal(window.trainer.progress, timeout=TIMEOUT_MS):
        pass
    control = window.trainer.control
    controls.pause_button.click()
    assert control.wait_paused(PAUSE_S)
    assert controls.pause_button.text() == "Resume" and controls.step_button.isEnabled()
    qtbot.wait(100)  # the reports sent before the pause arrive
    steps, reports = control.steps_done, len(window.session.run.reports)
    qtbot.wait(500)
    assert control.steps_done == steps and len(window.session.run.reports) == reports
    before = conv_kernels(window.session.shown_model)[0].copy()  # not a view on the weights

    with qtbot.waitSignal(window.trainer.snapshot, timeout=TIMEOUT_MS) as snapshot:
        controls.step_button.click()
    assert control.wait_paused(PAUSE_S)
    qtbot.wait(100)
    assert control.steps_done == steps + 1
    assert window.session.run.reports[-1].global_step == steps + 1
    after = conv_kernels(window.session.shown_model)[0]
    first_conv = next(k for k in snapshot.args[0] if k.endswith("weight"))
    np.testing.assert_array_equal(after, snapshot.args[0][first_conv].numpy())
    assert not np.array_equal(after, before)  # the kernels moved by one batch's update
    shown = np.stack([item.image for item in window.maps.panels[0].kernels.items])
    k = after.shape[-1]
    np.testing.assert_allclose(shown[:, :k, :k], after[:, 0])

    controls.lr.setValue(0.0001)  # a new learning rate, while paused
    controls.lr_button.click()
    controls.step_button.click()
    assert control.wait_paused(PAUSE_S)
    qtbot.waitUntil(lambda: window.session.run.reports[-1].global_step == steps + 2)
    assert window.session.run.reports[-1].lr == pytest.approx(0.0001)

    controls.speed.setValue(2.0)  # slowed: the weights come with every report
    assert control.steps_per_s == 2.0
    controls.pause_button.click()  # resume
    assert not control.paused and controls.pause_button.text() == "Pause"
    for _ in range(2):
        with qtbot.waitSignal(window.trainer.snapshot, timeout=TIMEOUT_MS):
            pass
    assert control.steps_done > steps + 2
    controls.speed.setValue(0.0)  # full speed
    assert control.steps_per_s is None
    with qtbot.waitSignal(window.trainer.finished, timeout=TIMEOUT_MS) as finished:
        window.actions.stop.trigger()
    assert finished.args[1].stopped
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=TIMEOUT_MS)
    assert not controls.pause_button.isEnabled()
    assert window.training_panel.curves.labels()[-1].endswith("stopped early")


def test_a_diverging_run_is_reported_and_the_dialog_remembers(mnist_window, qtbot):
    window = mnist_window
    with qtbot.waitSignal(window.trainer.failed, timeout=TIMEOUT_MS) as failed:
        start(window, qtbot, lr=10.0, optimizer="sgd", validation=200)
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=TIMEOUT_MS)
    assert "diverged" in failed.args[0] and "lower learning rate" in failed.args[0]
    assert window.last_error == ("Training failed", failed.args[0])  # a message, no traceback
    assert window.training_panel.curves.labels()[-1].endswith("diverged")

    window.actions.train.trigger()  # the settings are kept, and said to diverge
    dialog = window.training.dialog
    assert dialog.lr.value() == 10.0
    assert dialog.warning.isVisible() and "failed" in dialog.warning.text()
    assert dialog.lr_note.text()  # a rate this high is flagged as it is typed, too
    dialog.reset_button.click()
    assert dialog.config() == DEFAULTS and not dialog.warning.isVisible()
    dialog.reject()


def test_the_axes_follow_each_run(mnist_window, qtbot):
    window = mnist_window
    with qtbot.waitSignal(window.trainer.failed, timeout=TIMEOUT_MS):
        start(window, qtbot, lr=5.0, optimizer="adam", validation=200, train_limit=1000)
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=TIMEOUT_MS)
    plot = window.training_panel.curves.plots["loss"]
    diverged = window.training_panel.curves.runs[-1]
    assert diverged.loss_top() > 10 and plot.viewRange()[1][1] > 10
    run_to_end(window, qtbot, lr=0.002, epochs=1, validation=200, train_limit=1000)
    healthy = window.training_panel.curves.runs[-1]
    assert diverged.visible() and plot.viewRange()[1][1] == pytest.approx(1.1 * healthy.loss_top())
    assert plot.viewRange()[1][1] < 5


def test_a_saved_model_keeps_its_run_and_shows_it_when_opened(
    mnist_window, window, qtbot, tmp_path
):
    trainer_window = mnist_window
    _, (model, result, evaluation, config) = run_to_end(
        trainer_window, qtbot, epochs=1, train_limit=600, validation=300
    )
    path = tmp_path / "watched.safetensors"
    assert trainer_window.files.save_model(path)
    _, info = load_model(path)
    history = info.history
    assert history["config"]["validation"] == 300 and history["start"] == "current"
    assert history["evaluation"]["confusion"] == evaluation.confusion.tolist()
    live = trainer_window.training_panel.curves.runs[-1]
    assert history["curves"] == live.columns  # every report: fewer than engine.history's 500

    assert window.files.open_model(path)  # another window, as after a restart
    panel = window.training_panel
    assert panel.curves.labels() == [f"run 1: {info.name}: 1 epoch, 600 images, adam lr 0.002"]
    opened = panel.curves.runs[0]
    np.testing.assert_allclose(
        opened.items["val_loss"].yData, [v for v in history["curves"]["val_loss"] if v is not None]
    )
    assert "curves of the run that made it" in panel.status.text()


def test_a_run_exports_its_curves_and_confusion_matrix(mnist_window, qtbot, tmp_path):
    window = mnist_window
    _, (_, result, evaluation, _) = run_to_end(
        window, qtbot, epochs=1, train_limit=600, validation=300
    )
    written = window.watch.export_run(tmp_path / "run")
    names = sorted(path.name for path in written)
    assert names == ["run-confusion.csv", "run-confusion.png", "run-curves.csv", "run-curves.png"]
    with open(tmp_path / "run-curves.csv", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == list(CURVES) and len(rows) == 1 + len(result.history)
    assert float(rows[-1][CURVES.index("data_loss")]) == pytest.approx(result.history[-1].data_loss)
    with open(tmp_path / "run-confusion.csv", newline="") as file:
        matrix = [[int(v) for v in row[1:]] for row in list(csv.reader(file))[1:]]
    assert matrix == evaluation.confusion.tolist()
    for name in ("run-curves.png", "run-confusion.png"):
        image = QImage(str(tmp_path / name))
        assert not image.isNull() and image.width() > 100


def test_a_paused_run_ends_when_the_window_closes(mnist_window, qtbot):
    window = mnist_window
    start(window, qtbot, epochs=50, train_limit=0, validation=200)
    with qtbot.waitSignal(window.trainer.progress, timeout=TIMEOUT_MS):
        pass
    thread, control = window.trainer.job.thread, window.trainer.control
    window.training_panel.controls.pause_button.click()
    assert control.wait_paused(PAUSE_S)
    window.shutdown()  # as closing does, once the user has agreed
    assert window.trainer.job.thread is None and thread.isFinished()
