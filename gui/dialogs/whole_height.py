"""A dialog as tall as its rows need, where the screen has room."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog


def grow_to_rows(dialog: QDialog) -> None:
    """Make ``dialog`` as tall as its rows need at its width, up to the screen's free height.

    Qt opens a window at most two thirds of the screen high, and a layout's least height
    leaves out what wrapped text needs at the width it gets: on a 1366x768 screen the Train
    dialog (582 px of rows) opened 568 px high, with every row at its least and the two
    lines under the validation split cut at the top and bottom. Call it before the dialog's
    first ``showEvent`` is handled: Qt then centres it on its parent at its new size.
    """
    layout = dialog.layout()
    if layout is None or not layout.hasHeightForWidth():
        return
    needed = layout.totalHeightForWidth(dialog.width())
    screen = dialog.screen().availableGeometry().height()
    frame = dialog.frameGeometry().height() - dialog.height()  # the title bar, once known
    height = min(needed, screen - frame)
    if height > dialog.height():
        dialog.resize(dialog.width(), height)
