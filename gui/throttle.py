"""Rate limiting for noisy signals: run at once when idle, then at most once per interval."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class Throttle(QObject):
    """Calls ``callback`` soon after ``request()``, and at most once every ``interval_ms``.

    The first request after a quiet spell runs on the next turn of the event loop (low
    latency for a single stroke); requests during the cool-down that follows are merged
    into one call at its end (bounded work while the user keeps drawing).
    """

    def __init__(self, interval_ms: int, callback: Callable[[], None], parent=None):
        super().__init__(parent)
        self._interval = interval_ms
        self._callback = callback
        self._pending = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)

    def request(self) -> None:
        """Ask for a call; merged with any other request before it happens."""
        self._pending = True
        if not self._timer.isActive():
            self._timer.start(0)

    def flush(self) -> None:
        """Run a pending call now (tests, and before reading the result synchronously)."""
        if self._pending:
            self._timer.stop()
            self._on_timeout()

    def _on_timeout(self) -> None:
        if self._pending:
            self._pending = False
            self._callback()
            self._timer.start(self._interval)  # cool-down: later requests wait for its end
