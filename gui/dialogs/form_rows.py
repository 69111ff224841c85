"""Several widgets as one form field: a row without margins."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QWidget


def row_of(*widgets: QWidget, stretch: bool = False) -> QWidget:
    """``widgets`` side by side in one widget (with ``stretch``: packed to the left)."""
    row = QWidget()
    box = QHBoxLayout(row)
    box.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        box.addWidget(widget)
    if stretch:
        box.addStretch(1)
    return row
