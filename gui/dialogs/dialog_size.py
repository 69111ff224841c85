"""Dialogs sized to what they hold and to the screen they open on."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog

# The title bar and borders a window manager adds, while Qt cannot know them yet (before the
# dialog is first shown its frame is its own geometry).
FRAME_ALLOWANCE = 40


def _free_height(dialog: QDialog) -> int:
    """The height the dialog may take on its screen, its frame left out."""
    frame = dialog.frameGeometry().height() - dialog.height() or FRAME_ALLOWANCE
    return dialog.screen().availableGeometry().height() - frame


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
    height = min(layout.totalHeightForWidth(dialog.width()), _free_height(dialog))
    if height > dialog.height():
        dialog.resize(dialog.width(), height)


def resize_within_screen(dialog: QDialog, width: int, height: int) -> None:
    """``dialog.resize(width, height)``, no larger than its screen's free area: the guide asks
    for 820 px, and at 1366x768 its Close button was below the screen's edge."""
    area = dialog.screen().availableGeometry()
    dialog.resize(min(width, area.width()), min(height, _free_height(dialog)))
