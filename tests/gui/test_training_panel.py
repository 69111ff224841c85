"""The training panel on its own: live curves, earlier runs faded and toggled, the verdict."""

import numpy as np

from engine.training import Evaluation, Progress
from gui.training_panel import TrainingPanel


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
    panel.show_result(Evaluation(0.99, per_class, confusion), "Finished.")
    assert "99.00%" in panel.status.text() and "hardest digit: 3" in panel.status.text()
    np.testing.assert_allclose(panel.confusion.image.image, np.log1p(confusion), rtol=1e-6)
    assert panel.confusion.labels[35].toPlainText() == "10"
    assert panel.keep_button.isVisible() and panel.revert_button.isVisible()
    with qtbot.waitSignal(panel.keep_clicked):
        panel.keep_button.click()
