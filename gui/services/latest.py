"""One engine call at a time off the GUI thread, and only the latest one asked for counts.

The "why" views (occlusion, top patches, activation maximisation, the embedding) each call
one engine function that takes Qt-free ``progress`` and ``should_stop`` callbacks. ``Latest``
runs it in a ``Worker`` on a ``Job``; asking again while it runs stops the running call (at
its next check) and runs the new one once the thread has ended: a result that a newer
request has overtaken is never delivered.
"""

from __future__ import annotations

from collections.abc import Callable

from convlens.gui.services.workers import Job, Worker
from PySide6.QtCore import QObject, Signal, Slot

# fn(progress, should_stop) -> result; None (or a stop) delivers nothing
Call = Callable[[Callable[[int, int], None], Callable[[], bool]], object]


class CallWorker(Worker):
    """Runs ``call(progress, should_stop)`` and sends its result, unless it was stopped."""

    progress = Signal(int, int)  # done, total
    finished = Signal(object)

    def __init__(self, call: Call):
        super().__init__()
        self._call = call

    def work(self) -> None:
        result = self._call(self.progress.emit, self.should_stop)
        if result is not None and not self.should_stop():
            self.finished.emit(result)


class Latest(QObject):
    """``submit(call, done, progress)``: ``done(result)`` on the GUI thread, for the latest
    call only; ``failed(text)`` when it raises."""

    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.job = Job(self)
        self.job.ended.connect(self._on_ended)
        self._next: tuple | None = None
        self._asked = 0  # requests so far: a result queued before a newer request is dropped
        self._running: tuple = (0, None, None)  # the request running: (asked, done, progress)

    def busy(self) -> bool:
        return self.job.is_running() or self._next is not None

    def submit(self, call: Call, done: Callable[[object], None], progress=None) -> None:
        self._asked += 1
        self._next = (call, done, progress)
        if self.job.is_running():
            self.job.stop()
        else:
            self._start()

    def cancel(self) -> None:
        """Deliver nothing more from what was asked so far."""
        self._asked += 1
        self._next = None
        self.job.stop()

    def shutdown(self) -> None:
        self._next = None
        self.job.shutdown()

    def _start(self) -> None:
        call, done, progress = self._next
        self._next = None
        self._running = (self._asked, done, progress)
        # Bound methods of this GUI-thread object: Qt queues their calls to the GUI thread (a
        # plain function or lambda would run on the worker's thread, touching widgets there).
        slots = {"finished": self._on_finished, "progress": self._on_progress}
        self.job.start(CallWorker(call), failed=self.failed, **slots)

    @Slot(object)
    def _on_finished(self, result) -> None:
        asked, done, _ = self._running
        if asked == self._asked:
            done(result)

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        asked, _, progress = self._running
        if progress is not None and asked == self._asked:
            progress(done, total)

    def _on_ended(self) -> None:
        if self._next is not None:
            self._start()
