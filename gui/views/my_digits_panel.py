"""The 'My digits' panel: the user's labelled digits as thumbnails, a row per class, each
framed in the colour of the current model's verdict; relabel, delete and use as input from a
digit's context menu; import a folder of labelled digits."""

from __future__ import annotations

import numpy as np
from convlens.gui.views.digit_thumbs import PATH_ROLE, DigitStrip, dress, verdict_colour
from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

EMPTY = (
    "None yet. Draw a digit, then press its key (0-9) on the canvas or click its number "
    "under 'Add to my digits'; or import a folder with a folder per class (0/, 1/, …, 9/)."
)


class MyDigitsPanel(QWidget):
    """``set_digits(images, labels, keys)`` once the folder changes; ``set_verdicts`` when the
    model does. Signals carry a digit's key (its file path)."""

    chosen = Signal(str)  # clicked: make it the input
    relabel_requested = Signal(str, int)
    delete_requested = Signal(str)
    import_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.summary = QLabel(EMPTY)
        self.summary.setWordWrap(True)
        self.import_button = QPushButton("Import folder…")
        self.import_button.setToolTip(
            "Copy in the digits of a folder with a folder per class (0/, 1/, …, 9/); "
            "files that are not digit images are reported and skipped"
        )
        self.import_button.clicked.connect(self.import_requested)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignTop)
        rows = QWidget()
        rows_layout = QVBoxLayout(rows)
        rows_layout.setContentsMargins(0, 0, 0, 0)
        self.captions: list[QLabel] = []
        self.strips: list[DigitStrip] = []
        for _ in range(10):
            caption = QLabel()
            strip = DigitStrip()
            strip.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            strip.customContextMenuRequested.connect(
                lambda pos, strip=strip: self._on_context_menu(strip, pos)
            )
            strip.itemClicked.connect(lambda item: self.chosen.emit(item.data(PATH_ROLE)))
            rows_layout.addWidget(caption)
            rows_layout.addWidget(strip)
            self.captions.append(caption)
            self.strips.append(strip)
        rows_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(rows)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        self._images = np.zeros((0, 28, 28), np.uint8)
        self._labels = np.zeros(0, np.int64)
        self._keys: list[str] = []
        self._predicted: np.ndarray | None = None
        self.set_digits(self._images, self._labels, self._keys)

    def set_digits(self, images: np.ndarray, labels: np.ndarray, keys: list[str]) -> None:
        """(N, 28, 28) uint8 digits, their (N,) labels and keys; verdicts unknown until
        ``set_verdicts``."""
        self._images, self._labels, self._keys = images, np.asarray(labels), list(keys)
        self._predicted = None
        self._fill()

    def set_verdicts(self, predicted: np.ndarray | None) -> None:
        """The model's digit for each image given to ``set_digits`` (None: not known)."""
        predicted = None if predicted is None else np.asarray(predicted)
        old, self._predicted = self._predicted, predicted
        if old is None or predicted is None:
            self._fill()
            return
        # While training, a snapshot changes few verdicts: only their thumbnails are redrawn.
        for i in np.flatnonzero(old != predicted):
            dress(self._items[i], self._images[i], *self._look(i))
        self._show_counts()

    def menu_for(self, key: str) -> QMenu:
        """A digit's context menu: use it as the input, relabel it, delete it."""
        menu = QMenu(self)
        menu.addAction("Use as input", lambda: self.chosen.emit(key))
        relabel = menu.addMenu("Relabel as")
        label = int(self._labels[self._keys.index(key)])
        for digit in range(10):
            action = QAction(str(digit), relabel)
            action.setEnabled(digit != label)
            action.triggered.connect(lambda _=False, d=digit: self.relabel_requested.emit(key, d))
            relabel.addAction(action)
        menu.addSeparator()
        menu.addAction("Delete", lambda: self.delete_requested.emit(key))
        return menu

    def _on_context_menu(self, strip: DigitStrip, pos: QPoint) -> None:
        item = strip.itemAt(pos)
        if item is not None:
            self.menu_for(item.data(PATH_ROLE)).popup(strip.viewport().mapToGlobal(pos))

    def _look(self, i: int) -> tuple:
        """Digit ``i``'s caption, frame colour and tooltip, from its verdict."""
        label, key = int(self._labels[i]), self._keys[i]
        guess = None if self._predicted is None else int(self._predicted[i])
        if guess is None:
            caption, tip = "", "the verdict is being computed"
        elif guess == label:
            caption, tip = "✓", f"read as {guess}: right"
        else:
            caption, tip = f"→ {guess}", f"read as {guess}: wrong (labelled {label})"
        name = key.replace("\\", "/").rsplit("/", 1)[-1]
        return caption, verdict_colour(label, guess), f"{name}\n{tip}"

    def _fill(self) -> None:
        for strip in self.strips:
            strip.clear()
        self._items = [
            self.strips[int(label)].add(key, image, *self._look(i))
            for i, (image, label, key) in enumerate(
                zip(self._images, self._labels, self._keys, strict=True)
            )
        ]
        self._show_counts()
        for strip in self.strips:
            strip.setVisible(strip.count() > 0)
            strip.fit_height()

    def _show_counts(self) -> None:
        predicted = self._predicted
        for digit, (caption, strip) in enumerate(zip(self.captions, self.strips, strict=True)):
            count = strip.count()
            mine = self._labels == digit
            wrong = 0 if predicted is None else int(np.sum(predicted[mine] != digit))
            caption.setText(f"<b>{digit}</b>: {count}" + (f", {wrong} misread" if wrong else ""))
            caption.setVisible(count > 0)
        self.summary.setText(self._summary())

    def _summary(self) -> str:
        total = len(self._keys)
        if total == 0:
            return EMPTY
        text = f"{total} digit{'s' if total != 1 else ''} of yours"
        if self._predicted is not None:
            right = int(np.sum(self._predicted == self._labels))
            text += f": the model reads {right} right ({right / total:.0%})"
        return text + ". Right-click one to relabel or delete it; click it to see it inside."
