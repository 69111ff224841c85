"""Long work off the GUI thread: a worker QObject moved to a QThread (superqt's pattern).

``thread.started -> worker.run``; ``worker.done -> thread.quit``. Python owns both objects:
the caller drops its references on ``thread.finished``, after ``thread.wait()``. Not earlier,
nor through ``deleteLater``: ``finished`` is emitted from the worker thread before it ends, and
deleting the worker or the thread while that thread is still on its way out crashed the app
(a segfault in CI). Cancelling sets a flag that the engine's loop polls between steps (a
queued signal would never arrive: the worker's event loop is busy inside ``run``). Errors
are caught in ``run`` and sent out as ``failed(str)``; ``done`` always comes last.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence

import torch
from convlens.engine.mnist import Mnist, download_mnist
from convlens.engine.network import Network
from convlens.engine.training import TrainConfig, evaluate, train
from PySide6.QtCore import QObject, QThread, Signal, Slot

# Training leaves one core to the GUI thread: OpenMP workers spin at every barrier, and an
# oversubscribed core makes them wait for a descheduled peer (measured here on 2 busy cores:
# 13 s with 2 threads, 0.3 s with 1). The GUI thread itself uses one (see MainWindow), and
# OpenMP keeps the setting per thread, so the worker sets its own.
TRAINING_THREADS = max(1, torch.get_num_threads() - 1)


class Worker(QObject):
    """Base: ``work`` runs on the worker thread; ``stop`` may be called from any thread."""

    failed = Signal(str)
    done = Signal()

    def __init__(self):
        super().__init__()
        self._stop = False

    def stop(self) -> None:
        self._stop = True

    def should_stop(self) -> bool:
        return self._stop

    @Slot()
    def run(self) -> None:
        try:
            self.work()
        except Exception as error:  # any failure must reach the user, not kill Qt
            self.failed.emit(str(error) or type(error).__name__)
        finally:
            self.done.emit()

    def work(self) -> None:
        raise NotImplementedError


def start_worker(worker: Worker) -> QThread:
    """Move ``worker`` to a new thread and start it; the thread quits when the work is done."""
    thread = QThread()
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.done.connect(thread.quit)
    thread.start()
    return thread


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
    ):
        super().__init__()
        self.model = copy.deepcopy(model)
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
        result = train(
            self.model,
            torch.from_numpy(data.train_images),
            torch.from_numpy(data.train_labels),
            self.config,
            progress=self._on_progress,
            should_stop=self.should_stop,
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


class DownloadWorker(Worker):
    """Downloads the MNIST files that ``dest`` lacks (from ``mirrors``, if given)."""

    progress = Signal(int, int, str)  # bytes done, bytes in all (0: unknown), file name
    finished = Signal(object)  # the folder

    def __init__(self, dest, mirrors: Sequence[str] | None = None):
        super().__init__()
        self.dest = dest
        self._options = {"base_urls": mirrors} if mirrors else {}

    def work(self) -> None:
        folder = download_mnist(
            self.dest, progress=self.progress.emit, should_stop=self.should_stop, **self._options
        )
        self.finished.emit(folder)
