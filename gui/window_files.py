"""The main window's file side: images and models opened, saved, pasted and dropped."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from convlens.engine.images import BlankImageError, ImageError, center_digit, read_ink
from convlens.engine.model_file import ModelFileError, load_model, save_model
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp);;All files (*)"
MODEL_FILTER = "ConvLens models (*.safetensors);;All files (*)"
MODEL_SUFFIX = ".safetensors"


class FileMixin:
    """Mixed into MainWindow, which provides settings, canvas, status, show_image, set_model,
    show_error, trainer, forget_previous_model, unsaved_models and confirm_replacing_model."""

    def open_image(self, path: str | Path) -> bool:
        """Classify an image file exactly as ``main.py predict`` does (``load_digit``)."""
        name = Path(path).name
        try:
            ink = read_ink(path)
            image = center_digit(ink)  # = load_digit(path), keeping the ink for the canvas
        except BlankImageError:
            self.canvas.set_ink(np.zeros((28, 28)), notify=False)
            self.show_image(None, f"{name} is blank")
            return True
        except ImageError as error:
            self.show_error("Cannot open the image", str(error))
            return False
        self.canvas.set_ink(ink, notify=False)
        self.show_image(image, f"from {name}")
        self.settings.setValue("folders/image", str(Path(path).parent))
        return True

    def open_model(self, path: str | Path) -> bool:
        """Load a model file; a bad file is reported and changes nothing."""
        if self.trainer.is_running():
            self.show_error("Training is running", "Stop the training before opening a model.")
            return False
        try:
            model, info = load_model(path)
        except ModelFileError as error:
            self.show_error("Cannot open the model", str(error))
            return False
        self.forget_previous_model()
        self.set_model(model, info)
        self.settings.setValue("folders/model", str(Path(path).parent))
        self.status.showMessage(f"Opened {Path(path).name}", 5000)
        return True

    def save_model(self, path: str | Path) -> bool:
        """Save the current model and its facts (atomically)."""
        try:
            save_model(path, self.model, self.info)
        except OSError as error:
            self.show_error("Cannot save the model", f"{path}: {error.strerror or error}")
            return False
        self.unsaved_models.discard(self.model)
        self.settings.setValue("folders/model", str(Path(path).parent))
        self.status.showMessage(f"Saved {Path(path).name}", 5000)
        return True

    def paste(self) -> None:
        """An image, an image file or a file path from the clipboard."""
        clipboard = QGuiApplication.clipboard()
        mime = clipboard.mimeData()
        files = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
        text = mime.text().strip() if mime.hasText() else ""
        if files:
            self.open_image(files[0])
        elif mime.hasImage():
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "pasted image.png"
                clipboard.image().save(str(path))
                self.open_image(path)
        elif text and Path(text).is_file():
            self.open_image(text)
        else:
            self.status.showMessage("The clipboard holds no image", 5000)

    def open_dropped(self, path: str | Path) -> None:
        """A dropped file: a model if it is one, else an image."""
        if Path(path).suffix.lower() == MODEL_SUFFIX:
            self.confirm_replacing_model(lambda: self.open_model(path))
        else:
            self.open_image(path)

    # --- Qt drag and drop ------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        files = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.open_dropped(files[0])

    # --- menu handlers ---------------------------------------------------------------------
    def _on_open_image(self) -> None:
        folder = self.settings.value("folders/image", str(Path.home()), type=str)
        path, _ = QFileDialog.getOpenFileName(
            self, "Open an image of a digit", folder, IMAGE_FILTER
        )
        if path:
            self.open_image(path)

    def _on_open_model(self) -> None:
        folder = self.settings.value("folders/model", str(Path.home()), type=str)
        path, _ = QFileDialog.getOpenFileName(self, "Open a model", folder, MODEL_FILTER)
        if path:
            self.confirm_replacing_model(lambda: self.open_model(path))

    def _on_save_model(self) -> None:
        folder = Path(self.settings.value("folders/model", str(Path.home()), type=str))
        suggested = str(folder / f"{self.info.name.split(' ')[0]}{MODEL_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self, "Save the model", suggested, MODEL_FILTER)
        if path:
            if not Path(path).suffix:
                path += MODEL_SUFFIX
            self.save_model(path)
