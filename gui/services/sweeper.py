"""Experiments in a training process (``training_process``): a worker that relays
engine.sweep run there (in a ``Job``, which owns it and its thread), and the estimate of the
time a sweep has left.

The worker only forwards what the engine's generator yields (one SweepRun per value) and
reports (the running run's Progress); stopping is sent to the process, so the run under way
ends at its next step and the finished runs stay where they were delivered.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

from convlens.engine.mnist import Mnist
from convlens.engine.spec import Architecture
from convlens.engine.training import Progress, TrainConfig
from convlens.engine.training_server import SweepJob
from convlens.gui.services.trainer import TRAINING_THREADS, RelayWorker
from convlens.gui.services.training_process import RemoteControl, run_in_process
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


class SweepWorker(RelayWorker):
    """Relays one sweep in a training process; ``run_done`` carries each SweepRun as it ends
    (its model a Network again)."""

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
        super().__init__(RemoteControl())
        self._args = (architecture, config, setting, list(values), layer)
        self._load_data = load_data

    def work(self) -> None:
        data = self._load_data()
        if self.should_stop():
            return
        job = SweepJob(*self._args, TRAINING_THREADS)
        run_in_process(job, data, self.control, self._on_event)

    def _on_event(self, kind: str, *payload) -> None:
        if kind == "run_progress":
            self.progress.emit(*payload)
        elif kind == "sweep_run":
            run = payload[0]
            model = None if run.model is None else run.model.network()
            self.run_done.emit(dataclasses.replace(run, model=model))
        else:  # failed
            self.failed.emit(*payload)
