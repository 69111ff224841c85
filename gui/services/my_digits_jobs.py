"""My digits' long work off the GUI thread: importing a folder (thousands of photos take
seconds to read; engine.my_digits caps a folder at 20,000) and the before-and-after figures
of a run (two passes over the MNIST test split take seconds on a busy CPU)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import torch
from convlens.engine.compare import compare
from convlens.engine.mnist import Mnist
from convlens.engine.my_digits import MyDigits
from convlens.engine.network import Network
from convlens.gui.services.workers import Job, Worker
from PySide6.QtCore import QObject, Signal


class ImportWorker(Worker):
    """``finished((added paths, problem lines))``: engine.my_digits.MyDigits.import_folder."""

    finished = Signal(object)

    def __init__(self, store: MyDigits, source: str | Path):
        super().__init__()
        self.store, self.source = store, source

    def work(self) -> None:
        self.finished.emit(self.store.import_folder(self.source))


class CompareWorker(Worker):
    """``finished(Comparison)``: ``before`` and ``after`` on ``mine`` ((N, 28, 28) uint8
    tensor, labels) and on the MNIST test split."""

    finished = Signal(object)

    def __init__(self, before: Network, after: Network, mine, load_data: Callable[[], Mnist]):
        super().__init__()
        # Copies: the GUI thread runs the originals on every new input meanwhile.
        self.before, self.after = copy.deepcopy(before), copy.deepcopy(after)
        self.mine, self._load_data = mine, load_data

    def work(self) -> None:
        data = self._load_data()
        test = torch.from_numpy(data.test_images), torch.from_numpy(data.test_labels)
        self.finished.emit(compare(self.before, self.after, self.mine, test))


class Background(QObject):
    """One worker at a time; its result comes as ``finished(object)``, or ``failed(text)``."""

    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.job = Job(self)

    def is_running(self) -> bool:
        return self.job.is_running()

    def start(self, worker: Worker) -> None:
        self.job.start(worker, finished=self.finished, failed=self.failed)

    def shutdown(self) -> None:
        self.job.shutdown()
