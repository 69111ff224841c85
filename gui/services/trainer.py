"""Training in a process of its own: the worker that relays it, and the service that runs it.

The relay's thread sends the job to a training process (``training_process``) and turns the
events that come back into signals; the GUI thread's only work is what it does with them.
The service opens no dialogs: it starts, stops and reports through signals; the training
controller asks the user and tells the Session.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import torch
from convlens.engine.finetune import ExtraImages
from convlens.engine.mnist import Mnist
from convlens.engine.network import Network
from convlens.engine.training import TrainConfig
from convlens.engine.training_server import PortableModel, TrainJob
from convlens.gui.services.training_process import RemoteControl, TrainingProcess, run_in_process
from convlens.gui.services.workers import Job, Worker
from PySide6.QtCore import QObject, Signal

# Training leaves one core to the GUI: OpenMP workers spin at every barrier, and an
# oversubscribed core makes them wait for a descheduled peer (measured here on 2 busy cores:
# 13 s with 2 threads, 0.3 s with 1). OpenMP keeps the setting per thread, so each worker
# thread (and the training process) sets its own.
TRAINING_THREADS = max(1, torch.get_num_threads() - 1)


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


class RelayWorker(Worker):
    """A worker that relays a job in a training process: stopping and cancelling go to the
    job's ``control``."""

    def __init__(self, control: RemoteControl):
        super().__init__()
        self.control = control

    def stop(self) -> None:
        super().stop()
        self.control.stop()  # wakes a paused or slowed loop at once

    def cancel(self) -> None:
        """End the job now, without its evaluation: the process is killed."""
        super().stop()
        self.control.cancel()


class TrainWorker(RelayWorker):
    """Relays one run in a training process; ``model`` is the trained one once it finished.

    ``snapshot`` carries a copy of the weights about once a second (at every report while
    slowed down or paused, so single steps show). ``control`` pauses, steps and slows it.
    """

    progress = Signal(object)  # engine.training.Progress
    snapshot = Signal(object)  # state_dict copy
    finished = Signal(object, object)  # TrainResult, Evaluation
    diverged = Signal(str)  # why, with advice (``failed`` follows with the same text)
    note = Signal(str)  # a remark on the run (its validation split was made smaller)

    def __init__(
        self,
        model: Network,
        config: TrainConfig,
        load_data: Callable[[], Mnist],
        control: RemoteControl,
        snapshot_every: float = 1.0,
        extra: ExtraImages | None = None,
    ):
        super().__init__(control)
        self.model = model  # replaced by the trained copy; this one is only read
        self.extra = extra  # the user's digits, if trained on
        self.config = config
        self._load_data = load_data
        self._snapshot_every = snapshot_every

    def work(self) -> None:
        data = self._load_data()
        if self._stop:
            return
        extra = self.extra
        with_mnist = extra is None or extra.with_base
        count = len(data.train_images) if with_mnist else 0
        self.config, note = fit_split(self.config, count)
        if note:
            self.note.emit(note)
        job = TrainJob(
            PortableModel.of(self.model),
            self.config,
            None if extra is None else (extra.images.numpy(), extra.labels.numpy()),
            with_mnist,
            TRAINING_THREADS,
            snapshot_every=self._snapshot_every,
        )
        run_in_process(job, data, self.control, self._on_event)

    def _on_event(self, kind: str, *payload) -> None:
        if kind == "progress":
            self.progress.emit(payload[0])
        elif kind == "snapshot":
            self.snapshot.emit({k: torch.from_numpy(v) for k, v in payload[0].items()})
        elif kind == "finished":
            portable, result, evaluation, self.config = payload
            self.model = portable.network()
            self.finished.emit(result, evaluation)
        else:  # diverged, failed
            getattr(self, kind).emit(*payload)


class Trainer(QObject):
    """Runs at most one TrainWorker and forwards what it reports.

    ``finished`` carries the trained model (on the CPU), the TrainResult, the Evaluation and
    the config it ran with; ``failed`` a message for the user (after ``diverged`` when the
    run diverged); ``running_changed`` comes once the relay's thread has started or really
    ended. ``pause``, ``resume``, ``step``, ``set_speed`` and ``set_lr``
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
        self.control: RemoteControl | None = None  # the running run's
        self.steps_per_s: float | None = None  # None: full speed

    def is_running(self) -> bool:
        return self.job.is_running()

    def start(self, model: Network, config: TrainConfig, extra: ExtraImages | None = None):
        """Train a copy of ``model`` with ``config`` (and ``extra`` images) in a training
        process."""
        if self.is_running():
            return
        self.control = RemoteControl()
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

    def prepare(self, data: Mnist | None = None) -> None:
        """Start a training process now, if none is idle, so that a run starting soon finds
        PyTorch imported (2-3 s here) and, if given, ``data`` already there."""
        if not self.is_running():
            TrainingProcess.warm(data)

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
