"""A call whenever a widget gets a new size, for widgets with no signal that says so."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject


class _ResizeWatch(QObject):
    def __init__(self, callback: Callable[[], None], parent: QObject):
        super().__init__(parent)
        self.callback = callback

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.callback()
        return False


def on_resize(widget: QObject, callback: Callable[[], None]) -> None:
    """Call ``callback()`` at each of ``widget``'s Resize events: its geometry is new then,
    but the layout of its children has not followed yet."""
    widget.installEventFilter(_ResizeWatch(callback, widget))
