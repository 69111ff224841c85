"""Long work off the GUI thread: a worker QObject moved to a QThread (superqt's pattern), and
``Job``, the one class that owns a worker and its thread for their whole lives.

``thread.started -> worker.run``; ``worker.done -> thread.quit``. Python owns both objects, and
``Job`` drops them on ``thread.finished``, after ``thread.wait()``. Not earlier, nor through
``deleteLater``: ``finished`` is emitted from the worker thread before it ends, and deleting the
worker or the thread while that thread is still on its way out crashed the app (a segfault in
CI). Cancelling sets a flag that the engine's loop polls between steps (a queued signal would
never arrive: the worker's event loop is busy inside ``run``). Errors are caught in ``run`` and
sent out as ``failed(str)``; ``done`` always comes last.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

SHUTDOWN_WAIT_MS = 2000  # closing the window waits at most this long for a worker
_ABANDONED: list = []  # (worker, thread) still running when a shutdown gave up waiting


class Worker(QObject):
    """Base: ``work`` runs on the worker thread; ``stop`` may be called from any thread."""

    failed = Signal(str)
    done = Signal()

    def __init__(self):
        super().__init__()
        self._stop = False

    def stop(self) -> None:
        self._stop = True

    def cancel(self) -> None:
        """Stop as soon as possible, the result unwanted (the window is closing)."""
        self.stop()

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


class Job(QObject):
    """At most one worker at a time on a thread of its own.

    ``start(worker, done=..., failed=...)`` connects the worker's signals by name to GUI-thread
    callables (Qt then queues the calls to the GUI thread) and runs it. ``ended`` comes once
    the thread has really ended and the worker is released.
    """

    ended = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.worker: Worker | None = None
        self.thread: QThread | None = None
        self._slots: dict = {}

    def is_running(self) -> bool:
        return self.thread is not None

    def start(self, worker: Worker, **slots) -> None:
        if self.thread is not None:
            raise RuntimeError("a job runs one worker at a time")
        for name, slot in slots.items():
            getattr(worker, name).connect(slot)
        thread = QThread()
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        # Direct (quit is thread-safe): queued to the GUI thread, it would never come while
        # that thread blocks in ``shutdown``'s wait, which then always ran out.
        worker.done.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        thread.finished.connect(self._on_thread_finished)
        self.worker, self.thread, self._slots = worker, thread, slots
        thread.start()

    def stop(self) -> None:
        """Ask the worker to stop at its next check (a direct call: its event loop is busy)."""
        if self.worker is not None:
            self.worker.stop()

    def shutdown(self, wait_ms: int = SHUTDOWN_WAIT_MS) -> None:
        """Cancel, deliver nothing more, wait for the thread at most ``wait_ms`` and release
        it (the window is closing)."""
        if self.thread is None:
            return
        for name, slot in self._slots.items():
            getattr(self.worker, name).disconnect(slot)
        self.worker.cancel()
        if self.thread.wait(wait_ms):
            self._on_thread_finished()
        else:  # a QThread destroyed while running aborts the process: keep it until it ends
            _ABANDONED.append((self.worker, self.thread))
            self.thread = self.worker = None
            self.ended.emit()

    @Slot()
    def _on_thread_finished(self) -> None:
        sender = self.sender()
        if self.thread is None or (sender is not None and sender is not self.thread):
            return  # a thread abandoned by shutdown, ending late
        self.thread.wait()  # the thread has ended: now its objects may go
        self.thread = self.worker = None
        self.ended.emit()
