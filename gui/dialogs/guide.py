"""Help > Guide: what each panel is, in the words of the concepts the app teaches, and the keys.

The text lives in resources/guide.html, not in a Python string: it is prose that people edit
and review as a page (any browser previews it), its HTML is not squeezed into string literals,
and it ships as package data beside the shipped model. QTextBrowser shows that HTML subset.
"""

from __future__ import annotations

from pathlib import Path

from convlens.engine.shipped import RESOURCES
from convlens.gui.dialogs.dialog_size import resize_within_screen
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

GUIDE = RESOURCES / "guide.html"


class GuideDialog(QDialog):
    """A non-modal window with the guide; its links to sections scroll within it."""

    def __init__(self, parent=None, path: Path = GUIDE):
        super().__init__(parent)
        self.setWindowTitle("ConvLens guide")
        self.setModal(False)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        try:
            html = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:  # a damaged installation
            reason = getattr(error, "strerror", None) or error
            html = f"<p>The guide cannot be read from {path}: {reason}.</p>"
        self.browser.setHtml(html)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        resize_within_screen(self, 720, 820)

    def text(self) -> str:
        """The guide as plain text (what a test reads)."""
        return self.browser.toPlainText()
