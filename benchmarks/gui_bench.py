"""The GUI part of the benchmark (items 4-6), run by bench.py in a fresh offscreen process.

A stroke is real mouse events on the canvas (QTest). The clock starts as the pen is lifted at
the end of a digit, and the event loop runs until the verdict and every layer's output view
has been repainted, as a paint-event filter sees it.
Responsiveness is how late a 10 ms QTimer fires on the main thread while the app trains the
default network with the Train dialog's settings: once as they are, once with the validation
curve on (the last VALIDATION training images measured 4 times an epoch, the dialog's
default). Each is measured in the app's training process and, for reference, on a thread of
the window's process (the app before it had a training process), in the order process,
thread, thread, process: the VM's speed drifts by 10-20% between runs, and a drift that is
steady over the four cancels out of the pair of means.
"""

from __future__ import annotations

import copy
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import torch
from convlens.engine.evaluation import evaluate
from convlens.engine.model_file import ModelInfo
from convlens.engine.training import TrainConfig, train
from convlens.gui.services.trainer import TRAINING_THREADS
from digit_styles import digit_strokes
from measure import Others, percentiles, rss_mb
from PySide6.QtCore import QEvent, QEventLoop, QObject, QPoint, QSettings, Qt, QTimer, Signal
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

STROKE_STEP = 6  # canvas pixels between mouse-move events (a brisk drag)
VALIDATION = 5000  # the Train dialog's default split


class PaintCounter(QObject):
    """Counts paint events per watched widget."""

    def __init__(self, widgets):
        super().__init__()
        self.painted: set = set()
        self.widgets = list(widgets)
        for widget in self.widgets:
            widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            self.painted.add(obj)
        return False

    def all_painted(self) -> bool:
        return len(self.painted) == len(self.widgets)


def digit_stroke(digit: int, seed: int) -> list[list[tuple[int, int]]]:
    """Mouse paths for ``digit`` on the 280x280 canvas, points every STROKE_STEP pixels."""
    import random

    paths = []
    for stroke in digit_strokes(digit, random.Random(seed)):
        points = [(60 + 160 * x, 30 + 220 * y) for x, y in stroke]
        dense = [points[0]]
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
            steps = max(1, int(np.hypot(x1 - x0, y1 - y0) / STROKE_STEP))
            dense += [
                (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t) for t in np.arange(1, steps + 1) / steps
            ]
        paths.append([(round(x), round(y)) for x, y in dense])
    return paths


LEFT, NONE = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier


def _drag(canvas, path) -> None:
    """Press and move along ``path``, the button still down."""
    QTest.mousePress(canvas, LEFT, NONE, QPoint(*path[0]))
    for point in path[1:]:
        QTest.mouseMove(canvas, QPoint(*point))


def _stroke(canvas, path) -> None:
    _drag(canvas, path)
    QTest.mouseRelease(canvas, LEFT, NONE, QPoint(*path[-1]))


def output_views(window) -> list:
    """The viewports of the layer outputs in sight: the overview, and the detail's panels."""
    area = window.maps.viewport()
    views = [window.overview.viewport()]
    for panel in window.maps.panels:
        view = panel.output.viewport()
        top = view.mapTo(area, QPoint(0, 0)).y()
        if panel.isVisible() and top < area.height() and top + view.height() > 0:
            views.append(view)
    return views


def bench_strokes(app, window, count: int) -> dict:
    """From the release that ends a digit's last stroke to the verdict, the overview of every
    layer and the detail's maps in sight repainted."""
    views = output_views(window)
    views.append(window.prediction.bars)
    times = []
    with Others() as load:
        for n in range(count):
            window.canvas.clear()
            QTest.qWait(40)  # past the throttle's cool-down, as between two digits
            paths = digit_stroke(n % 10, n)
            for path in paths[:-1]:
                _stroke(window.canvas, path)
            counter = PaintCounter(views)
            _drag(window.canvas, paths[-1])
            start = time.perf_counter()  # the pen is lifted: the app shows the final verdict
            QTest.mouseRelease(window.canvas, LEFT, NONE, QPoint(*paths[-1][-1]))
            while not counter.all_painted() and time.perf_counter() - start < 5:
                app.processEvents()
            times.append(time.perf_counter() - start)
            for view in views:
                view.removeEventFilter(counter)
    return {**percentiles(times), "views": len(views), "others": load.share}


class ThreadRun(QObject):
    """The reference: training as the app did it before it had a training process, ``train``
    on a thread of the window's process, its reports and (once a second) its weights handed
    to the Session on the GUI thread, which shows them as it shows the app's."""

    progress = Signal(object)
    snapshot = Signal(object)
    finished = Signal(object, object, object)  # the model, TrainResult, Evaluation
    ended = Signal(str)  # why it failed, or ""

    def start(self, model, data, config) -> None:
        images, labels = torch.from_numpy(data.train_images), torch.from_numpy(data.train_labels)
        test = torch.from_numpy(data.test_images), torch.from_numpy(data.test_labels)

        def run():
            torch.set_num_threads(TRAINING_THREADS)
            last = time.perf_counter()

            def report(progress):
                nonlocal last
                self.progress.emit(progress)
                if time.perf_counter() - last >= 1.0:
                    last = time.perf_counter()
                    weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
                    self.snapshot.emit(weights)

            try:
                result = train(model, images, labels, config, progress=report)
                self.finished.emit(model, result, evaluate(model, *test))  # as the app did
            except Exception as error:  # noqa: BLE001 (reported in the results)
                self.ended.emit(str(error) or type(error).__name__)
            else:
                self.ended.emit("")

        threading.Thread(target=run, daemon=True).start()


def bench_training(app, window, data_dir: Path, quick: bool, validation: int, in_thread: bool):
    """Lateness of a 10 ms timer (over the run, and the longest in its first second), peak
    RSS and samples/s while the app trains the default network with the Train dialog's
    settings (batch 32) for one epoch from the model in sight (holding out and measuring
    ``validation`` images, if any), started from the dialog; ``in_thread``: the reference,
    ThreadRun, started at once."""
    config = TrainConfig(epochs=1, train_limit=4096 if quick else 20480, validation=validation)
    window.source.set_folder(data_dir)
    data = window.source.load()  # reading the files is not training
    late, at, speeds, failures, peak = [], [], [], [], 0.0
    last = start = time.perf_counter()

    def on_tick():
        nonlocal last, peak
        now = time.perf_counter()
        late.append(max(0.0, now - last - 0.010))
        at.append(now - start)
        last = now
        peak = max(peak, rss_mb()["rss"])

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(on_tick)
    loop = QEventLoop()
    model = window.session.model  # where the dialog starts too: the model in sight

    def on_progress(p):
        speeds.append(p.samples_per_s)

    def on_running(running):
        if not running:
            loop.quit()

    def on_ended(why: str):
        if why:
            failures.append(why)
        loop.quit()

    if in_thread:
        run = ThreadRun()
        session = window.session
        run.progress.connect(session.add_progress)
        run.progress.connect(on_progress)
        run.snapshot.connect(session.load_snapshot)
        run.finished.connect(
            lambda model, result, evaluation: session.end_run(
                model, result, evaluation, ModelInfo("reference")
            )
        )
        run.ended.connect(on_ended)
    else:
        trainer = window.trainer
        trainer.running_changed.connect(on_running)
        trainer.progress.connect(on_progress)
        trainer.failed.connect(failures.append)
    if not in_thread:  # as a user starts a run: Train > Train..., read for 3 s, Train
        window.actions.train.trigger()
        dialog = window.training.dialog
        dialog.device.setCurrentText("cpu")
        for name in ("epochs", "train_limit", "validation"):
            getattr(dialog, name).setValue(getattr(config, name))
        QTest.qWait(3000)
    with Others() as load:
        start = time.perf_counter()
        if in_thread:
            session.begin_run(model, config, "reference", "reference")
            run.start(copy.deepcopy(model), data, config)  # its own copy, as the app's was
        else:
            dialog.accept()
        last = time.perf_counter()
        timer.start(10)
        loop.exec()  # the app's own event loop until the run ends
        timer.stop()
    if not in_thread:
        trainer.running_changed.disconnect(on_running)
        trainer.progress.disconnect(on_progress)
        trainer.failed.disconnect(failures.append)
    return {
        "late_ms": np.asarray(late) * 1e3,
        "at_s": np.asarray(at),
        "train_s": time.perf_counter() - start,
        "samples_per_s": float(np.median(speeds[1:] or speeds)),  # the first has start-up
        "rss_peak_mb": peak,
        "others": load.share,
        "failed": failures[0] if failures else None,
    }


def summary(runs: list[dict]) -> dict:
    """The timer's lateness over ``runs`` together, their mean samples/s and the rest."""
    ms = np.concatenate([run["late_ms"] for run in runs])
    first_second = np.concatenate([run["late_ms"][run["at_s"] <= 1.0] for run in runs])
    failures = [run["failed"] for run in runs if run["failed"]]
    speeds = [run["samples_per_s"] for run in runs]
    return {
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "max_ms": float(ms.max()),
        "max_first_second_ms": float(first_second.max()) if len(first_second) else 0.0,
        "ticks": len(ms),
        "runs": len(runs),
        "train_s": float(np.mean([run["train_s"] for run in runs])),
        "samples_per_s": float(np.mean(speeds)),
        "samples_per_s_each": speeds,
        "rss_peak_mb": max(run["rss_peak_mb"] for run in runs),
        "others": max(run["others"] or 0.0 for run in runs),
        "failed": failures[0] if failures else None,
    }


def bench_training_ways(app, window, data_dir: Path, quick: bool) -> dict:
    """Each setting trained in the order process, thread, thread, process."""
    results = {}
    for held in (0, VALIDATION):
        runs = {"process": [], "thread": []}
        for way in ("process", "thread", "thread", "process"):
            runs[way].append(bench_training(app, window, data_dir, quick, held, way == "thread"))
        for way, done in runs.items():
            results[f"{way}{' with validation' if held else ''}"] = summary(done)
    return results


def measure_gui(data_dir: Path, quick: bool) -> dict:
    """Items 4-6 of the benchmark; needs QT_QPA_PLATFORM set before the first Qt import."""
    app = QApplication.instance() or QApplication(["convlens-bench"])
    from convlens.gui.app import create_window

    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(os.path.join(folder, "bench.ini"), QSettings.Format.IniFormat)
        window = create_window(settings)
        window.resize(1766, 994)  # the first-start size on a 1920x1080 screen
        window.show()
        QTest.qWaitForWindowExposed(window)
        QTest.qWait(200)
        count = 20 if quick else 200
        strokes = bench_strokes(app, window, count)
        idle = rss_mb()
        runs = bench_training_ways(app, window, data_dir, quick)
        after = rss_mb()
        window.shutdown()  # closes without asking about the model trained here
        window.close()
    return {
        "stroke": strokes,
        "training": runs,
        "memory_mb": {
            "idle": idle["rss"],
            "idle_peak": idle["peak"],
            "training_peak": max(after["peak"], *(r["rss_peak_mb"] for r in runs.values())),
        },
    }
