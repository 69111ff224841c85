"""Ctrl+C in the terminal closes the window through its closeEvent, while Qt's loop waits."""

import os
import signal
import threading

import pytest
from convlens.gui.interrupt import install_sigint_handler
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QWidget


class Window(QWidget):
    """Asked to close, it records the request and ends `loop`; `refuse` keeps it open, as
    the main window does when the user chooses to keep unsaved work."""

    def __init__(self, loop: QEventLoop, refuse: bool = False):
        super().__init__()
        self.loop, self.refuse, self.asked = loop, refuse, 0

    def closeEvent(self, event):
        self.asked += 1
        event.setAccepted(not self.refuse)
        self.loop.quit()


@pytest.fixture
def loop():
    """An event loop that waits in C++; the test's SIGINT handler is undone afterwards."""
    previous = signal.getsignal(signal.SIGINT)
    yield QEventLoop()
    signal.signal(signal.SIGINT, previous)


def interrupt_while_waiting(loop: QEventLoop) -> None:
    """SIGINT from another thread while `loop` runs; the loop ends when the window is asked
    to close, or after 10 s (a C++ slot, so that Python would not run before that)."""
    QTimer.singleShot(10_000, loop.quit)
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    loop.exec()


@pytest.mark.parametrize("refuse", [False, True])
def test_ctrl_c_asks_the_window_to_close(refuse, loop, qtbot):
    window = Window(loop, refuse)
    qtbot.addWidget(window)
    window.show()
    install_sigint_handler(window)
    interrupt_while_waiting(loop)
    assert window.asked == 1
    assert window.isVisible() == refuse
