"""A guard against a Qt binding that cannot run ConvLens for long."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Probe(QObject):
    ping = Signal()


def emit_leaks_references() -> bool:
    """True on PySide6 builds whose ``Signal.emit()`` drops a reference to ``True`` (6.12.0
    on Python 3.11 does): every emit brings the interpreter closer to freeing ``True`` and
    aborting, within seconds of drawing here, since pyqtgraph emits a signal per image."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(100):
        probe.ping.emit()
    return sys.getrefcount(True) < before - 50


BAD_BINDING = (
    "This PySide6 ({version}) loses a reference to True on every signal emission, which "
    "crashes Python after a few thousand signals. Install another version, for example: "
    'pip install "PySide6-Essentials==6.11.2"'
)
