"""Evaluating a model on the MNIST test set off the GUI thread, once per model.

The service opens no dialogs: it reports ``evaluated(model, evaluation)`` or ``failed(text)``
and keeps each model's evaluation for as long as the model lives, so going back to a model
(or opening the gallery again) costs nothing.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Callable

import numpy as np
import torch
from convlens.engine.evaluation import Evaluation, evaluate
from convlens.engine.mnist import Mnist
from convlens.engine.network import Network
from convlens.gui.services.trainer import TRAINING_THREADS
from convlens.gui.services.workers import Job, Worker
from PySide6.QtCore import QObject, Signal

# Images evaluated between two looks at the stop flag: about half a second on a busy core,
# so that closing the window never waits long.
CHUNK = 500
VERDICTS = ("labels", "predicted", "confidence")


class EvaluateWorker(Worker):
    """Evaluates a copy of a model (the GUI thread traces the original meanwhile)."""

    finished = Signal(object)  # Evaluation

    def __init__(self, model: Network, load_data: Callable[[], Mnist]):
        super().__init__()
        self.model = copy.deepcopy(model).to("cpu").eval()
        self._load_data = load_data

    def work(self) -> None:
        torch.set_num_threads(TRAINING_THREADS)  # per thread: the GUI thread keeps its one
        data = self._load_data()
        if self._stop:
            return
        images, labels = torch.from_numpy(data.test_images), torch.from_numpy(data.test_labels)
        parts = []
        for start in range(0, max(len(images), 1), CHUNK):  # an empty set: one empty part
            if self._stop:
                return
            chunk = slice(start, start + CHUNK)
            parts.append(evaluate(self.model, images[chunk], labels[chunk]))
        verdicts = [np.concatenate([getattr(p, k) for p in parts]) for k in VERDICTS]
        self.finished.emit(Evaluation.of(*verdicts))


class Evaluator(QObject):
    """``request(model)`` evaluates it once (one model at a time; the latest request waits its
    turn); ``evaluation_of(model)`` is what is known of it."""

    evaluated = Signal(object, object)  # model, Evaluation
    failed = Signal(object, str)  # model, why

    def __init__(self, load_data: Callable[[], Mnist], parent: QObject | None = None):
        super().__init__(parent)
        self._load_data = load_data
        self._known: weakref.WeakKeyDictionary[Network, Evaluation] = weakref.WeakKeyDictionary()
        self._running: Network | None = None  # the model being evaluated
        self._waiting: Network | None = None  # the one asked for since
        self.job = Job(self)
        self.job.ended.connect(self._on_ended)

    def evaluation_of(self, model: Network) -> Evaluation | None:
        return self._known.get(model)

    def remember(self, model: Network, evaluation: Evaluation) -> None:
        """An evaluation made elsewhere (at the end of a run)."""
        self._known[model] = evaluation

    def busy_with(self, model: Network) -> bool:
        return model is self._running or model is self._waiting

    def request(self, model: Network) -> None:
        """Evaluate ``model`` unless it is known or already on its way."""
        if model in self._known or self.busy_with(model):
            return
        if self.job.is_running():
            self._waiting = model  # an earlier wish is dropped: only the latest matters
            return
        self._running = model
        self.job.start(
            EvaluateWorker(model, self._load_data),
            finished=self._on_finished,
            failed=self._on_failed,
        )

    def shutdown(self) -> None:
        """Deliver nothing more and release the thread (the window is closing)."""
        self._waiting = None
        self.job.shutdown()

    # Both come before ``job.ended`` (queued first), while ``_running`` is still their model.
    def _on_finished(self, evaluation: Evaluation) -> None:
        self._known[self._running] = evaluation
        self.evaluated.emit(self._running, evaluation)

    def _on_failed(self, text: str) -> None:
        self.failed.emit(self._running, text)

    def _on_ended(self) -> None:
        self._running = None
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            self.request(waiting)
