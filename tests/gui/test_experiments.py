"""Train ▸ Experiment… on the shipped MNIST subset: tiny real sweeps of a few hundred images."""

import os
import signal

import pytest
import torch
from convlens.engine import history
from convlens.engine.evaluation import evaluate
from convlens.engine.experiments import EXPERIMENTS
from convlens.engine.sweep import sweep
from convlens.engine.training import Progress
from convlens.gui.dialogs.experiment_dialog import duration
from convlens.gui.services.mnist_source import FOLDER_KEY
from convlens.gui.services.sweeper import time_left
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from tests.gui import test_training
from tests.gui.test_training_process import training_processes

TIMEOUT_MS = test_training.TIMEOUT_MS


def train_menu_action(window, *path):
    """The action at ``path`` under Train (e.g. "Experiments", a title)."""
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Train")
    for name in path[:-1]:
        menu = next(a.menu() for a in menu.actions() if a.text() == name)
        assert isinstance(menu, QMenu)
    return next(a for a in menu.actions() if a.text() == path[-1])


def open_dialog(window, setting, values, images=300, validation=300, epochs=1):
    """Train ▸ Experiment…, filled in for a sweep of ``setting``."""
    train_menu_action(window, "Experiment…").trigger()
    dialog = window.experiments.dialog
    assert dialog.isVisible()
    form = dialog.form
    form.setting.setCurrentIndex(form.setting.findData(setting))
    form.values.setText(values)
    form.images.setValue(images)
    form.validation.setValue(validation)
    form.epochs.setValue(epochs)
    return dialog


def run_sweep(window, qtbot, dialog):
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert window.experiments.is_running()
    qtbot.waitUntil(lambda: not window.experiments.is_running(), timeout=TIMEOUT_MS)


def test_results_arrive_one_per_value_and_the_plot_holds_them(mnist_window, qtbot):
    window = mnist_window
    dialog = open_dialog(window, "filters", "2, 4, 8")
    offered, arrived = [], []

    def on_run(label, curves):
        offered.append((label, curves))
        arrived.append(len(dialog.plot.points("val_accuracy")))

    window.experiments.run_finished.connect(on_run)
    run_sweep(window, qtbot, dialog)

    runs = window.experiments.runs
    assert [run.value for run in runs] == [2, 4, 8] and not any(run.error for run in runs)
    # conv f x (5x5 + 1), 24x24 maps pooled to 12x12, dense 144 f -> 10 (+ 10 biases)
    assert [run.params for run in runs] == [26 * f + 1440 * f + 10 for f in (2, 4, 8)]
    assert [run.params for run in runs] == [
        sum(weights.numel() for weights in run.model.parameters()) for run in runs
    ]  # the analysis agrees with the network built
    assert arrived == [1, 2, 3]  # each run drawn as it arrives
    assert dialog.plot.points("train_accuracy") == [(r.value, r.train_accuracy) for r in runs]
    assert dialog.plot.points("val_loss") == [(r.value, r.val_loss) for r in runs]
    data = window.source.load()  # validation: the last 300 of the 2,000, never trained on
    held = torch.from_numpy(data.train_images[-300:]), torch.from_numpy(data.train_labels[-300:])
    for row, run in enumerate(runs):
        assert run.result.history[-1].seen == 300
        assert run.val_accuracy == pytest.approx(evaluate(run.model, *held).accuracy)
        assert dialog.table.text(row, 1) == f"{run.params:,}"
        assert dialog.table.text(row, 3) == f"{run.val_accuracy:.2%}"
    assert [label for label, _ in offered] == [f"experiment: Conv filters {f}" for f in (2, 4, 8)]
    assert offered[2][1] == history.curves(runs[2].result.history)
    # each run joins the training panel's run list, its curves there to overlay
    panel = window.training_panel.curves
    assert panel.labels()[-3:] == [f"run {n}: {label}" for n, (label, _) in enumerate(offered, 1)]
    assert panel.runs[-1].columns == offered[2][1]
    assert dialog.state.text().startswith("Done: 3 runs") and dialog.run_button.isEnabled()
    assert dialog.progress.value() == dialog.progress.maximum()


def test_stopping_mid_sweep_keeps_the_finished_runs(mnist_window, qtbot):
    window = mnist_window
    dialog = open_dialog(window, "batch_size", "100, 1, 1", images=1000)
    stop = lambda *_: qtbot.mouseClick(dialog.stop_button, Qt.MouseButton.LeftButton)  # noqa: E731
    window.experiments.run_finished.connect(stop)  # the second run (1,000 steps) has begun
    run_sweep(window, qtbot, dialog)

    runs = window.experiments.runs
    assert [run.value for run in runs] == [100]
    assert [x for x, _ in dialog.plot.points("train_accuracy")] == [100]
    assert [dialog.table.text(row, 1) for row in (1, 2)] == ["stopped", "stopped"]
    assert dialog.state.text().startswith("Stopped: 1 of 3 runs finished")


def test_an_impossible_value_is_reported_and_the_others_run(mnist_window, qtbot):
    window = mnist_window
    dialog = open_dialog(window, "size", "5, 30, 3")
    assert dialog.form.layer.currentData() == 0  # the tiny network's only conv layer
    run_sweep(window, qtbot, dialog)

    runs = window.experiments.runs
    assert [run.value for run in runs] == [5, 30, 3]
    assert "larger than its 28x28" in runs[1].error
    assert "larger than its 28x28" in dialog.table.text(1, 1)
    assert [x for x, _ in dialog.plot.points("val_accuracy")] == [3, 5]  # in order, no error
    assert runs[2].params == 4 * 10 + 4 * 13 * 13 * 10 + 10  # 3x3: 26x26 maps, pooled 13x13


def test_keeping_a_run_makes_its_model_the_current_one(mnist_window, qtbot):
    window = mnist_window
    before = window.session.model
    dialog = open_dialog(window, "lr", "0.001, 0.01")
    run_sweep(window, qtbot, dialog)
    assert not dialog.keep_button.isEnabled()
    dialog.table.selectRow(1)
    qtbot.mouseClick(dialog.keep_button, Qt.MouseButton.LeftButton)

    session, run = window.session, window.experiments.runs[1]
    assert session.model is run.model and session.decision_pending
    assert session.has_unsaved_work() and session.run.result is run.result
    assert session.run.config.lr == 0.01 and session.run.config.train_limit == 300
    assert session.info.facts["recipe"]["lr"] == 0.01
    assert window.training_panel.keep_button.isVisible()
    assert [panel.info for panel in window.maps.panels] == run.model.infos
    qtbot.mouseClick(window.training_panel.revert_button, Qt.MouseButton.LeftButton)
    assert session.model is before and not session.decision_pending


def test_a_ready_made_experiment_fills_the_dialog(tiny_window):
    units = EXPERIMENTS[0]
    action = train_menu_action(tiny_window, "Experiments", units.title)
    assert action.toolTip() == units.look_for
    action.trigger()
    dialog = tiny_window.experiments.dialog
    form = dialog.form
    assert form.network.currentText() == "preset default"
    assert form.setting_key() == "units" and form.values.text() == "4, 16, 64, 256, 1024"
    assert form.layer.currentText() == "layer 8: Dense 128 units"
    assert form.images.value() == 1000 and units.look_for in dialog.look_for.text()
    request = form.request()
    assert request.values == [4, 16, 64, 256, 1024] and request.config.train_limit == 1000
    assert request.architecture.name == "default"


def test_values_that_cannot_be_read_are_said_so_and_nothing_runs(tiny_window):
    dialog = open_dialog(tiny_window, "units", "16")  # tiny has no hidden dense layer
    dialog.run_button.click()
    assert "no dense layer" in dialog.problem.text()
    dialog.form.setting.setCurrentIndex(dialog.form.setting.findData("stride"))
    dialog.form.values.setText("1, two")
    dialog.run_button.click()
    assert dialog.problem.text() == "Conv stride: could not convert string to float: 'two'"
    assert not tiny_window.experiments.is_running()


def test_without_mnist_the_dialog_offers_to_get_it(tiny_window, settings, tmp_path):
    settings.setValue(FOLDER_KEY, str(tmp_path))  # no MNIST there
    dialog = open_dialog(tiny_window, "filters", "2, 4")
    dialog.run_button.click()
    question = tiny_window.data.question
    assert question.isVisible() and "Experiments need the MNIST digits" in question.text()
    assert not tiny_window.experiments.is_running()
    question.close()


def test_the_time_left_counts_this_run_and_the_ones_after_it():
    # A quarter of run 2 done in 3 s: 9 s more for it; runs 3 and 4 at the mean of 10 and 14 s.
    report = Progress(1, 2, 5, 10, 0.5, 0.0, 0.5, 100.0, 3.0, global_step=5, total_steps=20)
    assert time_left(2, 5, report, [10.0, 14.0]) == pytest.approx(9 + 2 * 12)
    # None finished yet: the runs after this one as long as this one will be (12 s).
    assert time_left(0, 3, report, []) == pytest.approx(9 + 2 * 12)
    assert duration(time_left(0, 3, report, [])) == "about 33 s"
    assert duration(time_left(0, 12, report, [])) == "about 2 min"


def test_a_sweep_trains_in_a_process_of_its_own_as_engine_sweep_does(mnist_window, qtbot):
    """The runs that come back equal engine.sweep's run here (weights within 1e-5); a crash
    of the process mid-sweep is a message in the dialog, the finished runs stay."""
    window = mnist_window
    dialog = open_dialog(window, "filters", "2, 4")
    run_sweep(window, qtbot, dialog)
    request, data = window.experiments.request, window.source.load()
    images, labels = torch.from_numpy(data.train_images), torch.from_numpy(data.train_labels)
    args = (request.architecture, request.config, request.setting, request.values)
    here = list(sweep(*args, images, labels, request.layer))
    for there, mine in zip(window.experiments.runs, here, strict=True):
        assert there.val_accuracy == pytest.approx(mine.val_accuracy, abs=1e-4)
        for a, b in zip(there.model.parameters(), mine.model.parameters(), strict=True):
            torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)

    dialog = open_dialog(window, "batch_size", "100, 1, 1", images=1000)
    crash = lambda *_: [os.kill(p.pid, signal.SIGKILL) for p in training_processes()]  # noqa: E731
    window.experiments.run_finished.connect(crash)  # the second run (1,000 steps) has begun
    run_sweep(window, qtbot, dialog)
    qtbot.waitUntil(lambda: not training_processes(), timeout=TIMEOUT_MS)  # all reaped
    assert [run.value for run in window.experiments.runs] == [100]
    assert dialog.state.text() == "Failed after 1 of 3 runs."
    assert "training process ended unexpectedly (exit code -9)" in dialog.problem.text()
