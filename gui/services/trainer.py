"""Training off the GUI thread: the worker that trains, and the service that runs it.

The service opens no dialogs: it starts, stops and reports through signals; the training
controller asks the user and tells the Session.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable

import torch
from convlens.engine.finetune import ExtraImages
from convlens.engine.mnist import Mnist
from convlens.engine.network import Network
from convlens.engine.training import TrainConfig, evaluate, train
from convlens.gui.services.workers import Job, Worker
from PySide6.QtCore import QObject, Signal

# Training leaves one core to the GUI thread: OpenMP workers spin at every barrier, and an
# oversubscribed core makes them wait for a descheduled peer (measured here on 2 busy cores:
# 13 s with 2 threads, 0.3 s with 1). The GUI thread itself uses one (see Session), and
# OpenMP keeps the setting per thread, so the worker sets its own.
TRAINING_THREADS = max(1, torch.get_num_threads() - 1)


class TrainWorker(Worker):
    """Trains a deep copy of a model (``self.model``), so the GUI's own model stays as it was.

    ``snapshot`` carries a CPU copy of the weights about once a second, taken on the worker
    thread between two steps, so the receiver may read it at leisure.
    """

    progress = Signal(object)  # engine.training.Progress
    snapshot = Signal(object)  # state_dict copy
    finished = Signal(object, object)  # TrainResult, Evaluation (None when cancelled)

    def __init__(
        self,
        model: Network,
        config: TrainConfig,
        load_data: Callable[[], Mnist],
        snapshot_every: float = 1.0,
        extra: ExtraImages | None = None,
    ):
        super().__init__()
        self.model = copy.deepcopy(model)
        self.extra = extra  # the user's digits, if trained on
        self.config = config
        self._load_data = load_data
        self._snapshot_every = snapshot_every
        self._last_snapshot = 0.0
        self._cancelled = False

    def cancel(self) -> None:
        """Stop as soon as possible and skip the evaluation (the window is closing)."""
        self._cancelled = True
        self.stop()

    def work(self) -> None:
        torch.set_num_threads(TRAINING_THREADS)
        data = self._load_data()
        if self._stop:
            return
        self._last_snapshot = time.perf_counter()
        extra = self.extra
        keep = None if extra is None or extra.with_base else 0  # [:0]: my digits alone
        result = train(
            self.model,
            torch.from_numpy(data.train_images[:keep]),
            torch.from_numpy(data.train_labels[:keep]),
            self.config,
            progress=self._on_progress,
            should_stop=self.should_stop,
            extra=None if extra is None else (extra.images, extra.labels),
        )
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
        if now - self._last_snapshot >= self._snapshot_every:
            self._last_snapshot = now
            state = self.model.state_dict()
            self.snapshot.emit({k: v.detach().to("cpu", copy=True) for k, v in state.items()})


class Trainer(QObject):
    """Runs at most one TrainWorker and forwards what it reports.

    ``finished`` carries the trained model (on the CPU), the TrainResult, the Evaluation (None
    when cancelled) and the config; ``failed`` a message for the user; ``running_changed``
    comes once the worker's thread has started or really ended.
    """

    progress = Signal(object)  # Progress
    snapshot = Signal(object)  # state_dict, about once a second
    finished = Signal(object, object, object, object)  # model, TrainResult, Evaluation, config
    failed = Signal(str)
    running_changed = Signal(bool)

    def __init__(self, load_data: Callable[[], Mnist], parent: QObject | None = None):
        super().__init__(parent)
        self._load_data = load_data
        self.job = Job(self)
        self.job.ended.connect(lambda: self.running_changed.emit(False))
        self._config: TrainConfig | None = None

    def is_running(self) -> bool:
        return self.job.is_running()

    def start(self, model: Network, config: TrainConfig, extra: ExtraImages | None = None):
        """Train a copy of ``model`` with ``config`` (and ``extra`` images) in a worker thread."""
        if self.is_running():
            return
        self._config = config
        worker = TrainWorker(model, config, self._load_data, extra=extra)
        self.job.start(
            worker,
            progress=self.progress,
            snapshot=self.snapshot,
            finished=self._on_finished,
            failed=self.failed,
        )
        self.running_changed.emit(True)

    def stop(self) -> None:
        """End the run after the current step; the model so far is still evaluated."""
        self.job.stop()

    def shutdown(self) -> None:
        """Cancel (no evaluation) and release the thread (the window is closing)."""
        if self.job.worker is not None:
            self.job.worker.cancel()
        self.job.shutdown()

    def _on_finished(self, result, evaluation) -> None:
        self.finished.emit(self.job.worker.model, result, evaluation, self._config)
