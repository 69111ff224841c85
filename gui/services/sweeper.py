"""Experiments off the GUI thread: a worker that runs engine.sweep, and the service around it.

The worker only forwards what the engine's generator yields (one SweepRun per value) and
reports (the running run's Progress); stopping sets the engine's ``should_stop`` flag, so the
run under way ends at its next step and the finished runs stay where they were delivered.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from convlens.engine.mnist import Mnist
from convlens.engine.spec import Architecture
from convlens.engine.sweep import sweep
from convlens.engine.training import Progress, TrainConfig
from convlens.gui.services.trainer import TRAINING_THREADS
from convlens.gui.services.workers import Job, Worker
from PySide6.QtCore import QObject, Signal


def time_left(index: int, count: int, progress: Progress, finished: Sequence[float]) -> float:
    """Seconds the sweep still needs, in run ``index`` of ``count`` (at ``progress``): the rest
    of this run at its pace, and for each run after it the mean of the ``finished`` runs'
    seconds (none finished yet: this run's projected length)."""
    fraction = progress.fraction
    if fraction <= 0:
        return math.inf
    per_run = sum(finished) / len(finished) if finished else progress.elapsed / fraction
    return progress.eta + (count - index - 1) * per_run


class SweepWorker(Worker):
    """Runs one sweep; ``run_done`` carries each engine.sweep.SweepRun as it ends."""

    progress = Signal(int, object)  # run index, Progress
    run_done = Signal(object)  # SweepRun

    def __init__(
        self,
        architecture: Architecture,
        config: TrainConfig,
        setting: str,
        values: Sequence,
        layer: int | None,
        load_data: Callable[[], Mnist],
    ):
        super().__init__()
        self._args = (architecture, config, setting, list(values))
        self._layer = layer
        self._load_data = load_data

    def work(self) -> None:
        torch.set_num_threads(TRAINING_THREADS)  # one core stays the GUI's (see trainer)
        data = self._load_data()
        runs = sweep(
            *self._args,
            torch.from_numpy(data.train_images),
            torch.from_numpy(data.train_labels),
            self._layer,
            progress=self.progress.emit,
            should_stop=self.should_stop,
        )
        for run in runs:
            self.run_done.emit(run)


class Sweeper(QObject):
    """Runs at most one SweepWorker and forwards what it reports; ``running_changed`` comes
    once its thread has started or really ended."""

    progress = Signal(int, object)  # run index, Progress
    run_done = Signal(object)  # SweepRun
    failed = Signal(str)
    running_changed = Signal(bool)

    def __init__(self, load_data: Callable[[], Mnist], parent: QObject | None = None):
        super().__init__(parent)
        self._load_data = load_data
        self.job = Job(self)
        self.job.ended.connect(lambda: self.running_changed.emit(False))

    def is_running(self) -> bool:
        return self.job.is_running()

    def start(
        self,
        architecture: Architecture,
        config: TrainConfig,
        setting: str,
        values: Sequence,
        layer: int | None = None,
    ) -> None:
        """Train one run per value in a worker thread (see engine.sweep.sweep)."""
        if self.is_running():
            return
        worker = SweepWorker(architecture, config, setting, values, layer, self._load_data)
        self.job.start(worker, progress=self.progress, run_done=self.run_done, failed=self.failed)
        self.running_changed.emit(True)

    def stop(self) -> None:
        """End the run under way at its next step; the finished runs stay."""
        self.job.stop()

    def shutdown(self) -> None:
        """Stop and release the thread (the window is closing)."""
        self.job.shutdown()
