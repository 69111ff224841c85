"""Files: images and models opened, saved, pasted and dropped."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from convlens.engine.images import BlankImageError, ImageError, center_digit, read_ink
from convlens.engine.model_file import ModelFileError, load_model, save_model
from convlens.engine.network import trace_image
from convlens.gui.controllers.guard import UnsavedGuard
from convlens.gui.session import ImageSource, Session
from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QWidget

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp);;All files (*)"
MODEL_FILTER = "ConvLens models (*.safetensors);;All files (*)"
MODEL_SUFFIX = ".safetensors"


class FileController(QObject):
    """What File ▸ does, and drops and pastes; ``guard`` asks before unsaved work is lost."""

    def __init__(self, session: Session, settings: QSettings, parent: QWidget):
        super().__init__(parent)
        self._session = session
        self._settings = settings
        self._parent = parent
        self.guard = UnsavedGuard(session, self.ask_save_model, parent)

    def open_image(self, path: str | Path) -> bool:
        """Classify an image file exactly as ``convlens predict`` does (``load_digit``)."""
        name = Path(path).name
        try:
            ink = read_ink(path)
            image = center_digit(ink)  # = load_digit(path), keeping the ink for the canvas
        except BlankImageError as error:
            self._session.set_image(None, ImageSource("file", name), np.zeros((28, 28)))
            self._session.message.emit(f"{name}: {error}")
            return True
        except ImageError as error:
            self._session.error.emit("Cannot open the image", str(error))
            return False
        self._session.set_image(image, ImageSource("file", name), ink)
        self._settings.setValue("folders/image", str(Path(path).parent))
        return True

    def open_model(self, path: str | Path) -> bool:
        """Load a model file and run it once on the current input; only a model that did both
        replaces the current one (after asking, if that one is unsaved work)."""
        session = self._session
        if session.training:
            session.error.emit("Training is running", "Stop the training before opening a model.")
            return False
        name = Path(path).name
        try:
            model, info = load_model(path)
            image = session.image if session.image is not None else np.zeros((28, 28))
            if not np.isfinite(trace_image(model, image).probabilities).all():
                raise ValueError("its probabilities for the current input are not numbers")
        except ModelFileError as error:
            session.error.emit("Cannot open the model", str(error))
            return False
        except (RuntimeError, ValueError, MemoryError) as error:  # it loads, but cannot classify
            session.error.emit("Cannot open the model", f"{name} cannot classify: {error}")
            return False

        def replace() -> None:
            session.set_model(model, info)
            self._settings.setValue("folders/model", str(Path(path).parent))
            session.message.emit(f"Opened {name}")

        self.guard.ask(f"opening {name}", replace)
        return True

    def save_model(self, path: str | Path) -> bool:
        """Save the current model and its facts (atomically)."""
        session = self._session
        try:
            save_model(path, session.model, session.info)
        except (OSError, ModelFileError) as error:
            reason = getattr(error, "strerror", None) or error
            session.error.emit("Cannot save the model", f"{path}: {reason}")
            return False
        session.mark_saved(session.model)
        self._settings.setValue("folders/model", str(Path(path).parent))
        session.message.emit(f"Saved {Path(path).name}")
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
            self._session.message.emit("The clipboard holds no image")

    def open_dropped(self, path: str | Path) -> None:
        """A dropped file: a model if it is one, else an image."""
        if Path(path).suffix.lower() == MODEL_SUFFIX:
            self.open_model(path)
        else:
            self.open_image(path)

    # --- the file dialogs ------------------------------------------------------------------
    def _folder(self, kind: str) -> str:
        return self._settings.value(f"folders/{kind}", str(Path.home()), type=str)

    def ask_open_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._parent, "Open an image of a digit", self._folder("image"), IMAGE_FILTER
        )
        if path:
            self.open_image(path)

    def ask_open_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._parent, "Open a model", self._folder("model"), MODEL_FILTER
        )
        if path:
            self.open_model(path)

    def ask_save_model(self) -> bool:
        """Ask where, then save; False when the user cancelled or the save failed."""
        name = self._session.info.name.split(" ")[0] or "model"
        suggested = str(Path(self._folder("model")) / f"{name}{MODEL_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(
            self._parent, "Save the model", suggested, MODEL_FILTER
        )
        if not path:
            return False
        if not Path(path).suffix:
            path += MODEL_SUFFIX
        return self.save_model(path)
