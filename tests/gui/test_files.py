"""Image and model files: opened, dropped, pasted; bad ones reported, the app still usable."""

import numpy as np
from convlens.engine.images import load_digit
from convlens.engine.model_file import ModelInfo, save_model
from convlens.engine.network import trace_image
from convlens.engine.presets import tiny
from convlens.engine.training import build_model
from PIL import Image, ImageDraw
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QFileDialog


def digit_file(folder, name="four.png"):
    """A dark '4' on light paper, as a phone photo of a drawing would be."""
    image = Image.new("L", (200, 240), 235)
    pen = ImageDraw.Draw(image)
    pen.line([(120, 30), (40, 150), (160, 150)], fill=20, width=18)
    pen.line([(125, 60), (125, 215)], fill=20, width=18)
    path = folder / name
    image.save(path)
    return path


def assert_shows_file(window, path):
    """The window's input and verdict are those of ``main.py predict`` for the file."""
    expected = load_digit(path)
    np.testing.assert_array_equal(window.session.image, expected)
    trace = trace_image(window.session.model, expected)
    np.testing.assert_allclose(window.prediction.bars.values, trace.probabilities)
    assert window.prediction.digit == trace.digit


def test_open_image_from_the_menu_matches_the_cli(window, tmp_path, monkeypatch):
    path = digit_file(tmp_path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    window.actions.open_image.trigger()
    assert_shows_file(window, path)
    assert window.prediction.digit == 4
    assert window.settings.value("folders/image") == str(tmp_path)


def test_dropping_an_image_file_on_the_window(window, tmp_path):
    path = digit_file(tmp_path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    args = (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter = QDragEnterEvent(QPoint(400, 300), *args)
    QApplication.sendEvent(window, enter)  # Qt delivers a drop only after an accepted enter
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(400, 300), *args)
    QApplication.sendEvent(window, drop)
    assert drop.isAccepted()
    assert_shows_file(window, path)


def test_pasting_an_image(window, tmp_path):
    path = digit_file(tmp_path)
    QGuiApplication.clipboard().setImage(QImage(str(path)))
    window.actions.paste.trigger()
    assert_shows_file(window, path)


def test_a_blank_image_is_not_classified(window, tmp_path):
    path = tmp_path / "blank.png"
    Image.new("L", (100, 100), 255).save(path)
    assert window.files.open_image(path)
    assert window.session.image is None and window.prediction.digit is None
    assert "blank" in window.prediction.caption.text()
    assert window.last_error is None


def test_a_bad_image_file_is_reported_and_the_app_goes_on(window, tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not really a picture")
    assert not window.files.open_image(bad)
    title, text = window.last_error
    assert "image" in title.lower() and "broken.png" in text
    good = digit_file(tmp_path)
    assert window.files.open_image(good)
    assert_shows_file(window, good)


def test_a_bad_model_file_is_reported_and_the_model_kept(window, tmp_path):
    model_before = window.session.model
    bad = tmp_path / "garbage.safetensors"
    bad.write_bytes(b"\x00" * 64)
    assert not window.files.open_model(bad)
    title, text = window.last_error
    assert "model" in title.lower() and "garbage.safetensors" in text
    assert window.session.model is model_before
    good = digit_file(tmp_path)
    window.files.open_image(good)
    assert_shows_file(window, good)


def test_save_and_open_a_model(window, tmp_path):
    path = tmp_path / "tiny.safetensors"
    save_model(path, build_model(tiny(), seed=3), ModelInfo("tiny", {"test_accuracy": 0.5}))
    assert window.files.open_model(path)
    assert window.session.model.architecture.name == "tiny"
    assert len(window.maps.panels) == len(tiny().layers)
    assert "50.0%" in window.status.model_label.text()
    copy = tmp_path / "copy.safetensors"
    assert window.files.save_model(copy)
    assert copy.exists()
