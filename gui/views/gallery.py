"""A gallery of test digits: thumbnails with their index, the network's verdict and its
probability, and the true label.

One QListView in icon mode over a list model: a thumbnail is drawn only when it scrolls into
sight, so thousands of digits cost no more than the few dozen on screen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import QLabel, QListView, QPushButton, QVBoxLayout, QWidget

THUMB = 56  # pixels: each of the 28x28 pixels drawn as a 2x2 block, not smoothed
CELL = QSize(92, 112)  # a thumbnail and its three lines of text
WRONG = QColor("#c0392b")


@dataclass(frozen=True)
class Digits:
    """Test digits as a gallery lists them, in its order; all arrays (K,) but ``images``."""

    images: np.ndarray  # (K, 28, 28) uint8 ink, 255 = black
    indices: np.ndarray  # their indices in the test set
    labels: np.ndarray  # the true digits
    predicted: np.ndarray  # the network's verdicts
    confidence: np.ndarray  # the probability of each verdict

    @classmethod
    def none(cls) -> Digits:
        empty = np.zeros(0, np.int64)
        return cls(np.zeros((0, 28, 28), np.uint8), empty, empty, empty, np.zeros(0))


def thumbnail(image: np.ndarray) -> QPixmap:
    """A (28, 28) uint8 ink image as black ink on white paper, THUMB pixels square."""
    paper = np.ascontiguousarray(255 - image, dtype=np.uint8)
    qimage = QImage(paper.data, 28, 28, 28, QImage.Format.Format_Grayscale8).copy()
    return QPixmap.fromImage(qimage).scaled(THUMB, THUMB)  # no smoothing: the real pixels


class DigitModel(QAbstractListModel):
    """The digits of a ``Digits``; thumbnails made on first display and kept."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.digits = Digits.none()
        self._pixmaps: dict[int, QPixmap] = {}

    def set_digits(self, digits: Digits) -> None:
        self.beginResetModel()
        self.digits, self._pixmaps = digits, {}
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.digits.indices)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        d, row = self.digits, index.row()
        if not index.isValid() or row >= len(d.indices):
            return None
        truth, verdict, p = int(d.labels[row]), int(d.predicted[row]), float(d.confidence[row])
        if role == Qt.ItemDataRole.DisplayRole:
            return f"#{int(d.indices[row])}\nread {verdict} ({p:.0%})\nlabelled {truth}"
        if role == Qt.ItemDataRole.DecorationRole:
            if row not in self._pixmaps:
                self._pixmaps[row] = thumbnail(d.images[row])
            return self._pixmaps[row]
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"Test digit #{int(d.indices[row])}, labelled {truth}: the network reads "
                f"{verdict} with probability {p:.2%}. Click to make it the input."
            )
        if role == Qt.ItemDataRole.ForegroundRole and verdict != truth:
            return WRONG
        return None


class DigitGallery(QWidget):
    """Passive: ``set_digits(title, digits)`` or ``show_message(text)`` in; ``image_clicked
    (test index)`` and ``get_data_clicked()`` (the message offered to get MNIST) out."""

    image_clicked = Signal(int)
    get_data_clicked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = QLabel("")
        self.title.setWordWrap(True)
        self.model = DigitModel(self)
        self.list = QListView()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setUniformItemSizes(True)
        self.list.setLayoutMode(QListView.LayoutMode.Batched)  # thousands lay out in steps
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(CELL)
        self.list.setWordWrap(True)
        self.list.setModel(self.model)
        self.list.clicked.connect(self._on_clicked)
        self.list.activated.connect(self._on_clicked)
        self.get_data_button = QPushButton("Get MNIST…")
        self.get_data_button.clicked.connect(self.get_data_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.get_data_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.list, 1)
        self.show_message("")

    def set_digits(self, title: str, digits: Digits) -> None:
        """List ``digits`` (in their order) under ``title``."""
        self.title.setText(title)
        self.get_data_button.hide()
        self.model.set_digits(digits)
        self.list.show()
        self.list.scrollToTop()

    def show_message(self, text: str, offer_data: bool = False) -> None:
        """No digits to list, and why; ``offer_data``: with a button to get MNIST."""
        self.title.setText(text)
        self.get_data_button.setVisible(offer_data)
        self.model.set_digits(Digits.none())
        self.list.hide()

    def shown_indices(self) -> list[int]:
        """The test indices listed, in order."""
        return [int(i) for i in self.model.digits.indices]

    def select_index(self, test_index: int | None) -> None:
        """Mark the thumbnail of ``test_index`` (the current input), if it is listed."""
        rows = np.flatnonzero(self.model.digits.indices == test_index)
        if test_index is None or not len(rows):
            self.list.clearSelection()
            return
        index = self.model.index(int(rows[0]))
        self.list.setCurrentIndex(index)
        self.list.scrollTo(index)

    def _on_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.image_clicked.emit(int(self.model.digits.indices[index.row()]))
