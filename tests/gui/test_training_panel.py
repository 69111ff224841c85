"""The training panel on its own: live curves, earlier runs faded and toggled, the verdict."""

import numpy as np
from convlens.engine.training import Evaluation, Progress, TrainConfig
from convlens.gui.views.training_panel import TrainingPanel, run_label
from PySide6.QtCore import Qt


def report(step: int, loss: float) -> Progress:
    return Progress(1, 1, step, 10, loss, 0.01, 0.5, 1000.0, 0.1 * step)


def test_curves_grow_and_earlier_runs_can_be_shown(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.start_run("first")
    for step in range(1, 5):
        panel.add_progress(report(step, 1.0 / step))
    np.testing.assert_allclose(panel.curves["data_loss"].yData, [1, 1 / 2, 1 / 3, 1 / 4])
    np.testing.assert_allclose(panel.curves["data_loss"].xData, [0.1, 0.2, 0.3, 0.4])

    panel.start_run("second")
    assert panel.curve_lengths() == {"data_loss": 0, "reg_loss": 0, "accuracy": 0}
    assert len(panel.earlier) == 3  # one faded copy per curve of the first run
    np.testing.assert_allclose(panel.earlier[0].yData, [1, 1 / 2, 1 / 3, 1 / 4])
    panel.show_earlier.setChecked(False)
    assert not any(item.isVisible() for item in panel.earlier)
    panel.show_earlier.setChecked(True)
    assert all(item.isVisible() for item in panel.earlier)


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
    assert panel.confusion.labels[35].toPlainText() == "10"
    assert panel.keep_button.isVisible() and panel.revert_button.isVisible()
    with qtbot.waitSignal(panel.keep_clicked):
        panel.keep_button.click()


def _legend_names(panel, plot: str) -> list[str]:
    return [label.text for _, label in panel.plots[plot].getPlotItem().legend.items]


def test_earlier_runs_are_named_by_their_hyperparameters(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    config = TrainConfig(optimizer="sgd", lr=0.05, l2=1e-4)
    panel.start_run("first", run_label(config, "tiny"))
    panel.add_progress(report(1, 1.0))
    panel.start_run("second", run_label(TrainConfig(), "tiny"))
    name = "run 1: tiny, sgd lr 0.05, batch 32, L2 0.0001"
    assert _legend_names(panel, "loss") == ["data loss", "regularization", name]
    assert _legend_names(panel, "accuracy") == ["accuracy (running)", name]
    data, reg, _ = panel.earlier
    assert data.opts["pen"].color() != panel.curves["data_loss"].opts["pen"].color()
    assert reg.opts["pen"].style() == Qt.PenStyle.DashLine  # the L1/L2 term, apart
    panel.show_earlier.setChecked(False)
    assert _legend_names(panel, "loss") == ["data loss", "regularization"]
    panel.show_earlier.setChecked(True)
    assert _legend_names(panel, "loss")[-1] == name
