"""Training off the GUI thread: the worker that trains, and the service that runs it.

The service opens no dialogs: it starts, stops and reports through signals; the training
controller asks the user and tells the Session.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Callable

import torch
from convlens.engine.control import TrainControl
from convlens.engine.finetune import ExtraImages
from convlens.engine.mnist import Mnist
from convlens.engine.network import Network
from convlens.engine.training import DivergenceError, TrainConfig, evaluate, train
from convlens.gui.services.workers import Job, Worker
from PySide6.QtCore import QObject, Signal

# Training leaves one core to the GUI thread: OpenMP workers spin at every barrier, and an
# oversubscribed core makes them wait for a descheduled peer (measured here on 2 busy cores:
# 13 s with 2 threads, 0.3 s with 1). The GUI thread itself uses one (see Session), and
# OpenMP keeps the setting per thread, so the worker sets its own.
TRAINING_THREADS = max(1, torch.get_num_threads() - 1)
SLOW_SNAPSHOT_S = 0.25  # slowed down, the weights are sent at most this often (every report)


def fit_split(config: TrainConfig, count: int) -> tuple[TrainConfig, str | None]:
    """``config`` with a validation split that leaves images to train on among ``count`` (a
    tenth of them when the asked split would take them all), and a note saying so."""
    if config.validation < count:
        return config, None
    held = count // 10
    if held == 0:  # my digits alone: nothing of MNIST to hold out
        return dataclasses.replace(config, validation=0), None
    note = (
        f"The validation split ({config.validation:,} images) would take all {count:,} "
        f"training images: validating on the last {held:,} instead."
    )
    return dataclasses.replace(config, validation=held), note


class TrainWorker(Worker):
    """Trains a deep copy of a model (``self.model``), so the GUI's own model stays as it was.

    ``snapshot`` carries a CPU copy of the weights about once a second (at every report while
    slowed down or paused, so single steps show), taken on the worker thread between two
    steps, so the receiver may read it at leisure. ``control`` pauses, steps and slows it.
    """

    progress = Signal(object)  # engine.training.Progress
    snapshot = Signal(object)  # state_dict copy
    finished = Signal(object, object)  # TrainResult, Evaluation (None when cancelled)
    diverged = Signal(str)  # why, with advice (``failed`` follows with the same text)
    note = Signal(str)  # a remark on the run (its validation split was made smaller)

    def __init__(
        self,
        model: Network,
        config: TrainConfig,
        load_data: Callable[[], Mnist],
        control: TrainControl | None = None,
        snapshot_every: float = 1.0,
        extra: ExtraImages | None = None,
    ):
        super().__init__()
        self.model = copy.deepcopy(model)
        self.extra = extra  # the user's digits, if trained on
        self.config = config
        self.control = control or TrainControl()
        self._load_data = load_data
        self._snapshot_every = snapshot_every
        self._last_snapshot = 0.0
        self._cancelled = False

    def stop(self) -> None:
        super().stop()
        self.control.stop()  # wakes a paused or slowed loop at once

    def cancel(self) -> None:
        """Stop as soon as possible and skip the evaluation (the window is closing)."""
        self._cancelled = True
        self.stop()

    def work(self) -> None:
        torch.set_num_threads(TRAINING_THREADS)
        data = self._load_data()
        if self._stop:
            return
        extra = self.extra
        keep = None if extra is None or extra.with_base else 0  # [:0]: my digits alone
        images, labels = data.train_images[:keep], data.train_labels[:keep]
        self.config, note = fit_split(self.config, len(images))
        if note:
            self.note.emit(note)
        self._last_snapshot = time.perf_counter()
        try:
            result = train(
                self.model,
                torch.from_numpy(images),
                torch.from_numpy(labels),
                self.config,
                progress=self._on_progress,
                should_stop=self.should_stop,
                control=self.control,
                extra=None if extra is None else (extra.images, extra.labels),
            )
        except DivergenceError as error:
            self.diverged.emit(str(error))
            raise
        self.model.to("cpu").eval()
        evaluation = None
        if not self._cancelled:
            evaluation = evaluate(
                self.model, torch.from_numpy(data.test_images), torch.from_numpy(data.test_labels)
            )
        self.finished.emit(result, evaluation)

    def _on_progress(self, progress) -> None:
        self.progress.emit(progress)
        now = time.perf_counter()
        slowed = self.control.steps_per_s is not None
        every = SLOW_SNAPSHOT_S if slowed else self._snapshot_every
        if self.control.paused or now - self._last_snapshot >= every:
            self._last_snapshot = now
            state = self.model.state_dict()
            self.snapshot.emit({k: v.detach().to("cpu", copy=True) for k, v in state.items()})


class Trainer(QObject):
    """Runs at most one TrainWorker and forwards what it reports.

    ``finished`` carries the trained model (on the CPU), the TrainResult, the Evaluation (None
    when cancelled) and the config it ran with; ``failed`` a message for the user (after
    ``diverged`` when the run diverged); ``running_changed`` comes once the worker's thread
    has started or really ended. ``pause``, ``resume``, ``step``, ``set_speed`` and ``set_lr``
    steer the running run through its ``control``; the speed holds for later runs too.
    """

    progress = Signal(object)  # Progress
    snapshot = Signal(object)  # state_dict, about once a second
    finished = Signal(object, object, object, object)  # model, TrainResult, Evaluation, config
    failed = Signal(str)
    diverged = Signal(str)
    note = Signal(str)
    running_changed = Signal(bool)
    paused_changed = Signal(bool)

    def __init__(self, load_data: Callable[[], Mnist], parent: QObject | None = None):
        super().__init__(parent)
        self._load_data = load_data
        self.job = Job(self)
        self.job.ended.connect(self._on_ended)
        self.control: TrainControl | None = None  # the running run's
        self.steps_per_s: float | None = None  # None: full speed

    def is_running(self) -> bool:
        return self.job.is_running()

    def start(self, model: Network, config: TrainConfig, extra: ExtraImages | None = None):
        """Train a copy of ``model`` with ``config`` (and ``extra`` images) in a worker thread."""
        if self.is_running():
            return
        self.control = TrainControl()
        if self.steps_per_s is not None:
            self.control.set_speed(self.steps_per_s)
        worker = TrainWorker(model, config, self._load_data, self.control, extra=extra)
        self.job.start(
            worker,
            progress=self.progress,
            snapshot=self.snapshot,
            finished=self._on_finished,
            failed=self.failed,
            diverged=self.diverged,
            note=self.note,
        )
        self.running_changed.emit(True)

    def is_paused(self) -> bool:
        return self.control is not None and self.control.paused

    def pause(self) -> None:
        if self.control is not None:
            self.control.pause()
            self.paused_changed.emit(True)

    def resume(self) -> None:
        if self.control is not None:
            self.control.resume()
            self.paused_changed.emit(False)

    def step(self) -> None:
        """While paused: exactly one more batch."""
        if self.control is not None:
            self.control.step()

    def set_speed(self, steps_per_s: float | None) -> None:
        """At most this many steps a second (None: full speed), now and for later runs."""
        self.steps_per_s = steps_per_s
        if self.control is not None:
            self.control.set_speed(steps_per_s)

    def set_lr(self, lr: float) -> None:
        """The learning rate from the next step on."""
        if self.control is not None:
            self.control.set_lr(lr)

    def stop(self) -> None:
        """End the run after the current step; the model so far is still evaluated."""
        self.job.stop()

    def shutdown(self) -> None:
        """Cancel (no evaluation) and release the thread (the window is closing)."""
        if self.job.worker is not None:
            self.job.worker.cancel()
        self.job.shutdown()

    def _on_finished(self, result, evaluation) -> None:
        worker = self.job.worker
        self.finished.emit(worker.model, result, evaluation, worker.config)

    def _on_ended(self) -> None:
        paused = self.is_paused()
        self.control = None
        if paused:
            self.paused_changed.emit(False)
        self.running_changed.emit(False)
