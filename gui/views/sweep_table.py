"""An experiment's table: one row per value, its parameters, final numbers and training time,
or why that value could not be trained."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

COLUMNS = ("value", "parameters", "train acc.", "val. acc.", "train loss", "val. loss", "time")
ERROR_COLOUR = "#b00020"


def show_value(value) -> str:
    """A swept value as typed: 64, 0.001, relu."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _percent(number: float | None) -> str:
    return "—" if number is None else f"{number:.2%}"


def _loss(number: float | None) -> str:
    return "—" if number is None else f"{number:.3f}"


class SweepTable(QTableWidget):
    """Passive: ``start(values)``, ``set_running(row)``, ``set_result(row, ...)``,
    ``set_error(row, text)``; ``run_chosen(row)`` when a finished row is double-clicked."""

    run_chosen = Signal(int)

    def __init__(self, parent=None):
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.finished_rows: set[int] = set()
        self.cellDoubleClicked.connect(self._on_double_click)

    def start(self, values: list) -> None:
        """A row per value, each waiting its turn."""
        self.setRowCount(0)
        self.setRowCount(len(values))
        self.finished_rows = set()
        for row, value in enumerate(values):
            self._set(row, 0, show_value(value))
            self._set(row, 1, "waiting")

    def set_running(self, row: int) -> None:
        self._set(row, 1, "training…")

    def set_result(
        self,
        row: int,
        params: int,
        accuracies: tuple[float | None, float | None],
        losses: tuple[float | None, float | None],
        seconds: float,
    ) -> None:
        """The finished run of ``row``: (train, validation) accuracies and losses."""
        texts = [f"{params:,}", *map(_percent, accuracies), *map(_loss, losses), f"{seconds:.1f} s"]
        for column, text in enumerate(texts, start=1):
            self._set(row, column, text)
        self.finished_rows.add(row)

    def set_error(self, row: int, text: str) -> None:
        """``row``'s value could not be trained: why, across the row, in red."""
        self.setSpan(row, 1, 1, len(COLUMNS) - 1)
        self._set(row, 1, text)
        self.item(row, 1).setTextAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        for column in (0, 1):
            self.item(row, column).setForeground(QBrush(QColor(ERROR_COLOUR)))
            self.item(row, column).setToolTip(text)

    def set_stopped(self, rows: range) -> None:
        """These rows were never trained: the sweep was stopped."""
        for row in rows:
            if row not in self.finished_rows and self.columnSpan(row, 1) == 1:
                self._set(row, 1, "stopped")

    def chosen_row(self) -> int | None:
        """The selected row, if its run finished (its model can be kept)."""
        rows = {index.row() for index in self.selectedIndexes()}
        return next(iter(rows & self.finished_rows), None)

    def text(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return item.text() if item is not None else ""

    def _set(self, row: int, column: int, text: str) -> None:
        item = QTableWidgetItem(text)
        if column:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setItem(row, column, item)

    def _on_double_click(self, row: int, _column: int) -> None:
        if row in self.finished_rows:
            self.run_chosen.emit(row)
