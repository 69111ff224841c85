"""The Mistakes panel: the model's confusion matrix beside a gallery of test digits, either one
cell's or every misclassified one."""

from __future__ import annotations

from convlens.gui.views.confusion_view import ConfusionView
from convlens.gui.views.gallery import DigitGallery
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget


class MistakesView(QWidget):
    """Passive: ``show_model(text, matrix)`` and the gallery's ``set_digits`` /
    ``show_message`` in; ``cell_clicked(true, predicted)``, ``mistakes_clicked()``,
    ``image_clicked(test index)`` and ``get_data_clicked()`` out."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.confusion = ConfusionView()
        self.confusion.setMinimumSize(220, 200)
        self.mistakes_button = QPushButton("Every mistake")
        self.mistakes_button.setToolTip("Every misclassified test digit, most confident first")
        self.gallery = DigitGallery()
        self.cell_clicked = self.confusion.cell_clicked
        self.hovered = self.confusion.hovered
        self.mistakes_clicked = self.mistakes_button.clicked
        self.image_clicked = self.gallery.image_clicked
        self.get_data_clicked = self.gallery.get_data_clicked

        side = QWidget()
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.summary)
        column.addWidget(self.confusion, 1)
        row = QHBoxLayout()
        row.addWidget(self.mistakes_button)
        row.addStretch(1)
        column.addLayout(row)
        self.splitter = QSplitter()
        self.splitter.addWidget(side)
        self.splitter.addWidget(self.gallery)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter)

    def resizeEvent(self, event) -> None:
        """Side by side when the panel is wide (a bottom dock), one above the other when it is
        tall (beside the network)."""
        super().resizeEvent(event)
        size = event.size()
        wide = size.width() > 1.3 * size.height()
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if self.splitter.orientation() != orientation:
            self.splitter.setOrientation(orientation)
            length = size.width() if wide else size.height()
            self.splitter.setSizes([length * 2 // 5, length * 3 // 5])

    def show_model(self, text: str, matrix=None) -> None:
        """Which model, and how it does (``matrix``: its confusion matrix; None: not known)."""
        self.summary.setText(text)
        if matrix is None:
            self.confusion.clear_matrix()
        else:
            self.confusion.set_matrix(matrix)
        self.mistakes_button.setEnabled(matrix is not None)
