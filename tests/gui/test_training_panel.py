"""The training panel on its own: every run's curves, the run list, the axes, the verdict."""

import numpy as np
import pyqtgraph as pg
from convlens.engine.history import curves
from convlens.engine.training import Evaluation, Progress, TrainConfig
from convlens.gui.views.confusion_view import ConfusionView
from convlens.gui.views.training_panel import TrainingPanel, run_label
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget


def report(step: int, loss: float, val: float | None = None, steps: int = 10) -> Progress:
    """Step ``step`` of a 1-epoch run of ``steps`` batches of 32."""
    return Progress(
        1, 1, step, steps, loss, 0.01, 0.5, 1000.0, 0.1 * step, lr=0.002, global_step=step,
        total_steps=steps, seen=32 * step, val_loss=val, val_accuracy=None if val is None else 0.6,
    )  # fmt: skip


def test_curves_grow_with_training_and_validation_together(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.start_run("first")
    assert panel.controls.lr.text() == "—"  # no step yet
    for step in range(1, 5):
        panel.add_progress(report(step, 1.0 / step, val=0.8 if step in (2, 4) else None))
    assert panel.controls.lr.value() == 0.002  # the last step's
    items = panel.curves.live.items
    np.testing.assert_allclose(items["data_loss"].yData, [1, 1 / 2, 1 / 3, 1 / 4])
    np.testing.assert_allclose(items["data_loss"].xData, [32, 64, 96, 128])  # images seen
    np.testing.assert_allclose(items["val_loss"].xData, [64, 128])  # where it was measured
    np.testing.assert_allclose(items["val_accuracy"].yData, [0.6, 0.6])
    assert items["val_loss"].opts["pen"].style() == Qt.PenStyle.DashLine
    assert items["data_loss"].opts["pen"].color() == items["val_loss"].opts["pen"].color()
    # The x range is the whole run from its first report: 10 steps of 32 images.
    assert panel.curves.plots["loss"].viewRange()[0][1] >= 320
    panel.controls.x_axis.setCurrentIndex(panel.controls.x_axis.findData("global_step"))
    np.testing.assert_allclose(items["data_loss"].xData, [1, 2, 3, 4])
    assert panel.curves.plots["loss"].getAxis("bottom").labelText == "steps"


def test_every_run_is_listed_and_can_be_hidden(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.start_run("first", "a")
    panel.add_progress(report(1, 1.0))
    panel.end_run("stopped early")
    panel.start_run("second", "b")
    assert panel.curves.labels() == ["run 1: a, stopped early", "run 2: b"]
    first, second = panel.curves.runs
    assert not second.items  # a curve is made with its first point
    panel.add_progress(report(1, 1.0))
    assert set(second.items) == {"data_loss", "reg_loss", "accuracy"}  # no validation curves
    assert (
        first.items["data_loss"].opts["pen"].color()
        != second.items["data_loss"].opts["pen"].color()
    )
    row = panel.run_list.item(0)
    assert row.text() == "run 1: a, stopped early"
    row.setCheckState(Qt.CheckState.Unchecked)  # as a click on its box does
    assert not any(item.isVisible() for item in first.items.values())
    row.setCheckState(Qt.CheckState.Checked)
    assert all(item.isVisible() for item in first.items.values())


def test_a_diverged_run_never_squashes_the_next(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.start_run("diverging")
    for step, loss in enumerate([2.3, 80.0, 5e24, float("inf")], start=1):
        panel.add_progress(report(step, loss))
    assert panel.curves.plots["loss"].viewRange()[1][1] >= 5e24
    panel.end_run("diverged")
    panel.start_run("healthy")
    for step in range(1, 4):
        panel.add_progress(report(step, 2.3 / step))
    low, high = panel.curves.plots["loss"].viewRange()[1]
    assert low == 0 and 2.3 <= high < 3  # the new run's own scale, the old one still shown
    assert panel.curves.runs[0].visible()
    panel.end_run()
    panel.curves.set_visible(panel.curves.runs[1], False)  # hiding the healthy one:
    assert panel.curves.plots["loss"].viewRange()[1][1] >= 5e24  # the axes follow the other


def test_a_finished_run_from_elsewhere_joins_the_list_once(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    columns = curves([report(step, 1.0 / step, val=0.5) for step in (5, 10)])
    run = panel.add_finished_run("from a file", columns)
    assert panel.add_finished_run("again", columns) is run
    assert panel.curves.labels() == ["run 1: from a file"]
    np.testing.assert_allclose(run.items["val_loss"].yData, [0.5, 0.5])
    assert panel.chosen_run() is run


def test_runs_are_named_by_what_sets_them_apart():
    config = TrainConfig(optimizer="sgd", lr=0.05, l2=1e-4, epochs=2, train_limit=2000)
    assert run_label(config, "tiny", from_current=False) == (
        "tiny, 2 epochs, 2,000 images, from random, sgd lr 0.05, L2 0.0001"
    )
    config = TrainConfig(schedule="constant", dropout=0.3, loss="mse", momentum=0.5)
    assert run_label(config) == (
        "3 epochs, all images, adam lr 0.002, constant, loss mse, dropout 0.3"
    )  # momentum: Adam has none


def test_the_verdict_and_the_question(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.show()
    confusion = np.diag(np.full(10, 90))
    confusion[3, 5] = 10
    per_class = [1.0] * 10
    per_class[3] = 0.9
    panel.show_outcome("Finished.", Evaluation(0.99, per_class, confusion), decide=True)
    assert "99.00%" in panel.status.text() and "hardest digit: 3" in panel.status.text()
    np.testing.assert_allclose(panel.confusion.image.image, np.log1p(confusion), rtol=1e-6)
    assert panel.confusion.labels[35].text() == "10"
    assert panel.keep_button.isVisible() and panel.revert_button.isVisible()
    with qtbot.waitSignal(panel.keep_clicked):
        panel.keep_button.click()


def test_the_legend_sits_outside_the_plots(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    legend = panel.curves.legend
    for plot in panel.curves.plots.values():
        assert legend.parentItem() is not plot and legend not in plot.items
    texts = [label.text for _, label in legend.items]
    assert texts == ["training (running mean)", "validation", "regularization term"]


def test_a_stacked_panel_out_of_sight_asks_for_no_more_height_than_a_wide_one(qtbot):
    """A tab behind Weights is moved out of its window's sight and gets no resizes: stacked
    at a width it had once, it held the window 941 px tall on a 768 px screen (a layout saved
    at 1920x1080). Out of sight it asks for the wide layout's height; in sight, its own."""
    window = QWidget()
    qtbot.addWidget(window)
    panel = TrainingPanel(window)
    wide_least = panel.minimumSizeHint().height()
    window.resize(1000, 700)
    panel.setGeometry(0, 0, panel.minimumSizeHint().width(), 640)
    window.show()
    qtbot.waitExposed(window)
    assert panel.stacked and panel.minimumSizeHint().height() > wide_least
    panel.move(-2000, -2000)  # where QMainWindow keeps a tab behind another
    assert panel.stacked and panel.minimumSizeHint().height() == wide_least
    panel.move(0, 0)
    assert panel.minimumSizeHint().height() > wide_least


def test_a_narrow_panel_stacks_its_parts(qtbot):
    """Docked beside the network the panel is narrow: its buttons, the curves (loss above
    accuracy), the run list and the verdict go one above the other, all in sight; wide
    again, side by side."""
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    narrow = panel.minimumSizeHint().width()
    assert narrow < 400
    panel.resize(narrow, 640)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.stacked
    c = panel.controls
    parts = [c.pause_button, c.step_button, c.speed, c.lr, c.lr_button, c.x_axis, c.export_button]
    rects = [QRect(part.mapTo(panel, QPoint(0, 0)), part.size()) for part in parts]
    for part, rect in zip(parts, rects, strict=True):
        assert panel.rect().contains(rect), type(part).__name__
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            assert not a.intersects(b), (a, b)
    loss, accuracy = (plot.sceneBoundingRect() for plot in panel.curves.plots.values())
    assert accuracy.top() >= loss.bottom()
    tops = [
        w.mapTo(panel, QPoint(0, 0)).y() for w in (panel.curves, panel.run_list, panel.confusion)
    ]
    assert tops == sorted(tops)
    panel.resize(1000, 300)
    QApplication.processEvents()
    assert not panel.stacked
    loss, accuracy = (plot.sceneBoundingRect() for plot in panel.curves.plots.values())
    assert accuracy.left() >= loss.right()


def test_a_loss_that_creeps_up_redraws_its_axis_a_few_times(qtbot):
    """A run from trained weights starts near 0 and its loss creeps up. Each new range of the
    loss axis costs the window a redraw of it, so once outgrown the axis at least doubles:
    every point stays in sight, in 7 ranges where a range per report made 20."""
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.start_run("fine-tuning")
    ends, loss = [], 0.005
    for step in range(1, 21):
        loss *= 1.25
        panel.add_progress(report(step, loss, steps=100))
        ends.append(panel.curves.plots["loss"].viewRange()[1][1])
        assert ends[-1] >= loss
    assert len(set(ends)) == 7 and ends[-1] <= 2 * 1.1 * loss
    panel.end_run()
    assert panel.curves.plots["loss"].viewRange()[1][1] == ends[-1]  # the end moves nothing


def test_a_live_report_does_not_draw_the_finished_runs_again(qtbot, monkeypatch):
    """The finished runs' curves lie under the live one's: each report repainted them all
    (a paint of the curves took 17 ms with 8 runs, 4 ms with one). Drawn once, they are then
    shown from a pixmap while the axes hold still, and the live run's point still shows."""
    drawn = []
    paint = pg.PlotCurveItem.paint
    monkeypatch.setattr(
        pg.PlotCurveItem, "paint", lambda item, *args: drawn.append(item) or paint(item, *args)
    )
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 300)
    panel.show()
    qtbot.waitExposed(panel)
    panel.start_run("first")
    for step in range(1, 11):
        panel.add_progress(report(step, 1.0 / step, steps=10))
    panel.end_run()
    finished = panel.curves.runs[0].items["data_loss"]
    panel.start_run("second")
    for step in range(1, 6):  # a steady loss: the axes hold still from the first report on
        panel.add_progress(report(step, 0.5, steps=10))
        live = panel.curves.live.items["data_loss"]
        count = drawn.count(live)
        qtbot.waitUntil(lambda live=live, count=count: drawn.count(live) > count)
        if step == 2:
            before = drawn.count(finished)
    assert drawn.count(finished) == before
    assert live.isVisible() and finished.isVisible()
    np.testing.assert_allclose(live.xData, 32 * np.arange(1, 6))


def test_the_confusion_matrix_is_redrawn_only_when_its_counts_change(qtbot):
    view = ConfusionView()
    qtbot.addWidget(view)
    counts = np.diag(np.full(10, 100))
    counts[3, 5] = 7
    view.set_matrix(counts)
    drawn = view.image.image
    view.set_matrix(counts.copy())  # every report of a run clears it, to the same zeros
    assert view.image.image is drawn
    counts[5, 3] = 2
    view.set_matrix(counts)
    assert view.image.image is not drawn and view.labels[5 * 10 + 3].text() == "2"


def test_the_counts_show_only_where_the_cells_hold_them(qtbot):
    """In the Training dock of a 1366x768 screen the matrix is ~50 px high: its hundred
    counts would be drawn over each other. It is then shaded alone, and hovering a cell
    still says its count."""
    view = ConfusionView()
    qtbot.addWidget(view)
    counts = np.diag(np.full(10, 1000))
    counts[3, 5] = 7
    view.set_matrix(counts)
    view.resize(400, 400)
    view.show()
    qtbot.waitExposed(view)
    assert all(label.isVisible() for label in view.labels)
    assert view.labels[3 * 10 + 5].text() == "7"
    view.resize(220, 90)
    qtbot.waitUntil(lambda: not any(label.isVisible() for label in view.labels))
    cell = view.mapFromScene(view.getViewBox().mapViewToScene(QPointF(5.5, 3.5)))
    with qtbot.waitSignal(view.hovered) as hovered:
        QTest.mouseMove(view.viewport(), cell)
    assert hovered.args == ["Labelled 3, read as 5: 7 test digits (click to see them)"]
    view.resize(400, 400)
    qtbot.waitUntil(lambda: all(label.isVisible() for label in view.labels))


def test_a_run_start_and_end_leave_the_confusion_matrix_its_size(qtbot):
    """The status above the matrix grows for a longer text and never shrinks: the outcomes of
    two runs, with the accuracy under each, leave the matrix as it was (resized, it is
    redrawn whole); a longer text than any before still shows whole."""
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.resize(1766, 380)
    panel.show()
    qtbot.waitExposed(panel)
    counts = np.diag(np.full(10, 990))
    evaluation = Evaluation(accuracy=0.99, per_class=[0.99] * 10, confusion=counts)
    title = "Training on 4,096 images: 1 epoch, batch 32, adam at lr 0.002, loss ce"
    size = panel.confusion.size()
    for run in range(2):
        panel.start_run(title)
        panel.show_outcome(title, evaluation if run else None, False)
        panel.end_run()
        panel.show_outcome("Finished 1 epoch in 8 s.", evaluation, True)
        QApplication.processEvents()
        assert panel.confusion.size() == size
    panel.show_outcome("A note that runs on. " * 12, evaluation, True)
    QApplication.processEvents()
    status = panel.status
    assert status.height() >= status.heightForWidth(status.width())
