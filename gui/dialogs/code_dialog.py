"""Model > Show as code: the current architecture as PyTorch and as Keras, read-only, copyable.

Passive: ``show_architecture(architecture)`` rewrites both tabs (the window calls it when the
model changes, and live while the architecture editor edits); an impossible network shows its
reason instead of code. ``copied(language)`` fires when a Copy button put a tab's code on the
clipboard.
"""

from __future__ import annotations

from convlens.engine import spec
from convlens.engine.code_export import keras_code, pytorch_code
from convlens.gui.dialogs.dialog_size import resize_within_screen
from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

LANGUAGES = {"pytorch": ("PyTorch", pytorch_code), "keras": ("Keras", keras_code)}


class CodeDialog(QDialog):
    """'The network as code': one tab per language, each with its code and a Copy button."""

    copied = Signal(str)  # 'pytorch' or 'keras'

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("The network as code")
        self.setModal(False)
        self.tabs = QTabWidget()
        self.texts: dict[str, QPlainTextEdit] = {}
        self.copy_buttons: dict[str, QPushButton] = {}
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        for language, (title, _) in LANGUAGES.items():
            text = QPlainTextEdit(readOnly=True)
            text.setFont(font)
            text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)  # code keeps its lines
            button = QPushButton("Copy")
            button.clicked.connect(lambda _checked=False, lang=language: self.copy(lang))
            row = QHBoxLayout()
            row.addStretch(1)
            row.addWidget(button)
            page = QWidget()
            layout = QVBoxLayout(page)
            layout.addWidget(text, 1)
            layout.addLayout(row)
            self.tabs.addTab(page, title)
            self.texts[language], self.copy_buttons[language] = text, button
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        resize_within_screen(self, 900, 680)

    def show_architecture(self, architecture: spec.Architecture) -> None:
        """Show ``architecture`` in both languages (or, if impossible, why)."""
        try:
            codes = {lang: write(architecture) for lang, (_, write) in LANGUAGES.items()}
        except spec.ArchitectureError as error:
            for language, text in self.texts.items():
                text.setPlainText(f"# Impossible network, {error}")
                self.copy_buttons[language].setEnabled(False)
            self.status.setText(f"Impossible network, {error}: no code until it is fixed.")
            self.status.setStyleSheet("color: #b00020")
            return
        for language, text in self.texts.items():
            scroll = text.verticalScrollBar().value()  # live edits keep the reader's place
            text.setPlainText(codes[language])
            text.verticalScrollBar().setValue(scroll)
            self.copy_buttons[language].setEnabled(True)
        self.status.setText(
            "PyTorch: runnable, and computes what ConvLens computes once its weights are loaded "
            "with load_convlens_weights. Keras: the same network, grown with model.add."
        )
        self.status.setStyleSheet("")

    def code(self, language: str) -> str:
        """The code shown in the ``language`` tab ('pytorch' or 'keras')."""
        return self.texts[language].toPlainText()

    def copy(self, language: str) -> None:
        """Put the ``language`` tab's code on the clipboard."""
        QGuiApplication.clipboard().setText(self.code(language))
        self.copied.emit(language)
