"""Ctrl+C in the terminal closes the window, as its close button does.

Python runs a signal handler only between two bytecodes of the main thread; while Qt's event
loop waits in C++ that never happens, so Ctrl+C would do nothing until the next event that
reaches Python code. A periodic timer with a Python slot gives the interpreter that chance.
"""

from __future__ import annotations

import signal

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

# How late Ctrl+C may be noticed; five wake-ups a second cost nothing measurable.
POLL_MS = 200


def install_sigint_handler(window: QWidget) -> QTimer:
    """Make SIGINT call ``window.close()`` from Qt's event loop: the window's closeEvent runs
    as for a click on its close button (it may ask about unsaved work, and may refuse).

    Returns the polling timer, a child of `window` that stops with it."""

    def on_sigint(_signum, _frame) -> None:
        # Queued, not called here: a handler may run in the middle of any Python code.
        QTimer.singleShot(0, window.close)

    signal.signal(signal.SIGINT, on_sigint)
    timer = QTimer(window)
    timer.timeout.connect(_let_python_run)
    timer.start(POLL_MS)
    return timer


def _let_python_run() -> None:
    """Nothing: the call itself lets Python run a pending signal handler."""
