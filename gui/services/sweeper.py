"""Experiments off the GUI thread: a worker that runs engine.sweep (in a ``Job``, which owns
it and its thread), and the estimate of the time a sweep has left.

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
from convlens.gui.services.workers import Worker
from PySide6.QtCore import Signal


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
