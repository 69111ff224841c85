"""Before and after a run, side by side: the accuracy on my digits and on the MNIST test
split, the digits whose verdict changed, and one input through both models (probabilities and
the maps of a chosen layer, with their difference)."""

from __future__ import annotations

import numpy as np
from convlens.engine.compare import Comparison
from convlens.engine.network import Trace
from convlens.engine.spec import LayerInfo
from convlens.gui.views.digit_thumbs import PATH_ROLE, RIGHT, WRONG, DigitStrip
from convlens.gui.views.layer_text import panel_title
from convlens.gui.views.map_grid import MapGrid
from convlens.gui.views.prediction_view import PredictionView
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)


def _percent(evaluation) -> str:
    return "–" if evaluation is None else f"{evaluation.accuracy:.2%}"


def _change(before, after) -> str:
    if before is None or after is None:
        return ""
    points = 100 * (after.accuracy - before.accuracy)
    return f"{points:+.2f} points"


class CompareDialog(QDialog):
    """``set_comparison`` once the figures are in; ``set_input`` whenever the input changes.
    ``chosen(index)``: a changed digit was clicked (index into my digits)."""

    chosen = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Before and after the run")
        self.scores = QGridLayout()
        for col, text in enumerate(("", "before", "after", "change")):
            self.scores.addWidget(QLabel(f"<b>{text}</b>"), 0, col)
        self.score_labels = [[QLabel() for _ in range(4)] for _ in range(2)]
        for row, labels in enumerate(self.score_labels, start=1):
            for col, label in enumerate(labels):
                self.scores.addWidget(label, row, col)
        self.changed_caption = QLabel()
        self.changed = DigitStrip()
        self.changed.itemClicked.connect(lambda item: self.chosen.emit(int(item.data(PATH_ROLE))))
        figures = QGroupBox("Accuracy")
        figures_layout = QVBoxLayout(figures)
        figures_layout.addLayout(self.scores)
        figures_layout.addWidget(self.changed_caption)
        figures_layout.addWidget(self.changed)

        self.before = PredictionView()
        self.after = PredictionView()
        self.layer = QComboBox()
        self.layer.currentIndexChanged.connect(self._show_maps)
        self.maps_area = QScrollArea()
        self.maps_area.setWidgetResizable(True)
        self.maps_area.setMinimumHeight(150)
        bars = QHBoxLayout()
        for title, view in (("before", self.before), ("after", self.after)):
            box = QGroupBox(f"The input, {title}")
            QVBoxLayout(box).addWidget(view)
            bars.addWidget(box)
        inputs = QGroupBox("The same input through both models")
        inputs_layout = QVBoxLayout(inputs)
        inputs_layout.addLayout(bars)
        inputs_layout.addWidget(self.layer)
        inputs_layout.addWidget(self.maps_area, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(figures)
        layout.addWidget(inputs, 1)
        self._traces: tuple[Trace, Trace] | None = None
        self._grid_key = None

    def showEvent(self, event) -> None:
        """90% of the screen's height at most (the maps scroll), centred in it."""
        super().showEvent(event)
        if self.screen() is not None:
            area = self.screen().availableGeometry()
            hint = self.sizeHint()
            self.resize(min(hint.width(), area.width() * 9 // 10), area.height() * 9 // 10)
            self.move(area.center() - self.rect().center())

    def set_comparison(self, comparison: Comparison, images: np.ndarray) -> None:
        """The figures, and the digits (of ``images``, the user's, uint8) that changed."""
        c = comparison
        count_test = 0 if c.test_after is None else len(c.test_after.labels)
        rows = (
            (f"my digits ({len(c.mine_after.labels)})", c.mine_before, c.mine_after),
            (f"MNIST test ({count_test:,})", c.test_before, c.test_after),
        )
        for labels, (name, before, after) in zip(self.score_labels, rows, strict=True):
            texts = (name, _percent(before), _percent(after), _change(before, after))
            for label, text in zip(labels, texts, strict=True):
                label.setText(text)
        changed = c.changed()
        self.changed.clear()
        truth, was, now = c.mine_after.labels, c.mine_before.predicted, c.mine_after.predicted
        for i in changed:
            frame = RIGHT if now[i] == truth[i] else WRONG
            tip = f"labelled {truth[i]}: read as {was[i]} before, {now[i]} after"
            self.changed.add(str(i), images[i], f"{was[i]} → {now[i]}", frame, tip)
        self.changed_caption.setText(
            f"{len(changed)} of my digits changed verdict (green: now right; click one to see it)"
            if len(changed)
            else "None of my digits changed verdict."
        )

    def set_input(self, before: Trace | None, after: Trace | None, infos: list[LayerInfo]):
        """One input through the model from before the run and the one after it."""
        self.before.set_probabilities(None if before is None else before.probabilities)
        self.after.set_probabilities(None if after is None else after.probabilities)
        maps = [info for info in infos if len(info.out_shape) == 3]
        names = [panel_title(info) for info in maps]
        if [self.layer.itemText(i) for i in range(self.layer.count())] != names:
            self.layer.blockSignals(True)
            self.layer.clear()
            for info, name in zip(maps, names, strict=True):
                self.layer.addItem(name, info.index)
            self.layer.setCurrentIndex(self.layer.count() - 1)  # the deepest: most changed
            self.layer.blockSignals(False)
        self._traces = None if before is None or after is None else (before, after)
        self._show_maps()

    def _show_maps(self) -> None:
        index = self.layer.currentData()
        if self._traces is None or index is None:
            self.maps_area.takeWidget()
            self._grid_key = None
            return
        before, after = (trace.outputs[index] for trace in self._traces)
        if self._grid_key != (index, before.shape):
            self._grid_key = (index, before.shape)
            holder = QWidget()
            column = QVBoxLayout(holder)
            self.grids = {}
            for name in ("before", "after", "after − before"):
                column.addWidget(QLabel(name), 0, Qt.AlignmentFlag.AlignLeft)
                self.grids[name] = MapGrid(len(before), before.shape[1:], name)
                column.addWidget(self.grids[name])
            self.maps_area.setWidget(holder)
        top = float(max(np.abs(before).max(), np.abs(after).max(), 1e-6))
        self.grids["before"].set_maps(before, (-top, top))
        self.grids["after"].set_maps(after, (-top, top))
        self.grids["after − before"].set_maps(after - before)
