"""The status bar's training progress: drawn with the window's next frame, not at once; a
pause said."""

from convlens.engine.training import Progress
from convlens.gui.views.status import StatusBar
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QMainWindow


class Paints(QObject):
    def __init__(self):
        super().__init__()
        self.count = 0

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        self.count += event.type() == QEvent.Type.Paint
        return False


def progress(step: int, steps: int = 100) -> Progress:
    return Progress(
        1, 1, step, steps, 0.1, 0.0, 0.9, 2000.0, float(step), global_step=step, total_steps=steps
    )


def filled(bar) -> tuple[bool, bool]:
    """Whether the bar's chunk colours a quarter and three quarters of its length."""
    image = bar.grab().toImage()
    y = image.height() // 2
    groove = image.pixelColor(image.width() - 3, y)
    return tuple(image.pixelColor(image.width() * k // 4, y) != groove for k in (1, 3))


def test_the_progress_bar_is_painted_with_the_next_frame(qtbot):
    window = QMainWindow()
    status = StatusBar()
    window.setStatusBar(status)
    window.resize(900, 200)
    window.show()
    qtbot.waitExposed(window)
    status.set_training(True)
    bar = status.progress_bar
    qtbot.waitUntil(bar.isVisible)
    paints = Paints()
    bar.installEventFilter(paints)
    for step in (50, 90):
        before = paints.count
        status.set_progress(progress(step))
        assert paints.count == before  # QProgressBar.setValue alone repaints at once
        qtbot.waitUntil(lambda before=before: paints.count > before)
    assert bar.value() == 900
    assert filled(bar) == (True, True)
    status.set_progress(progress(50))
    qtbot.waitUntil(lambda: filled(bar) == (True, False))
    assert "step 50/100" in status.progress_label.text()


def test_a_pause_is_said_instead_of_the_pace_and_the_time_left(qtbot):
    status = StatusBar()
    qtbot.addWidget(status)
    status.set_training(True)
    status.set_paused(True)  # before any report: the loading message stays
    assert status.progress_label.text() == "Loading the training images…"
    status.set_progress(progress(25))
    assert status.progress_label.text() == "Epoch 1/1 · step 25/100 · paused"
    status.set_progress(progress(26))  # a single step taken while paused
    assert status.progress_label.text().endswith("step 26/100 · paused")
    status.set_paused(False)
    assert status.progress_label.text() == ("Epoch 1/1 · step 26/100 · 2,000 samples/s · 1:14 left")
    status.set_paused(True)
    status.set_training(True)  # the next run starts unpaused
    status.set_progress(progress(1))
    assert "samples/s" in status.progress_label.text()
