"""``Latest``: results come on the GUI thread, and only the latest request's."""

import threading

from convlens.gui.services.latest import Latest
from PySide6.QtCore import QObject


def test_only_the_latest_result_arrives_and_on_the_gui_thread(qtbot):
    owner = QObject()
    latest = Latest(owner)
    gui = threading.get_ident()
    release = threading.Event()
    got, progress_threads, done_threads = [], [], []

    def slow(progress, should_stop):
        release.wait(10)
        progress(1, 2)
        return None if should_stop() else "first"  # a stopped call delivers nothing

    def quick(progress, should_stop):
        progress(2, 2)
        return "second"

    def done(result):
        done_threads.append(threading.get_ident())
        got.append(result)

    def progressed(d, t):
        progress_threads.append(threading.get_ident())

    latest.submit(slow, done, progressed)
    latest.submit(quick, done, progressed)  # the first is stopped; this one waits for it
    assert latest.busy()
    release.set()
    qtbot.waitUntil(lambda: not latest.busy())
    qtbot.waitUntil(lambda: got == ["second"])
    assert done_threads == [gui] and set(progress_threads) == {gui}


def test_a_failure_is_reported_and_a_cancelled_call_delivers_nothing(qtbot):
    latest = Latest()
    failures, got = [], []
    latest.failed.connect(failures.append)

    def broken(progress, should_stop):
        raise ValueError("no such layer")

    latest.submit(broken, got.append)
    qtbot.waitUntil(lambda: failures == ["no such layer"])
    qtbot.waitUntil(lambda: not latest.busy())
    latest.submit(lambda p, s: "late", got.append)
    latest.cancel()
    qtbot.waitUntil(lambda: not latest.busy())
    assert got == []
