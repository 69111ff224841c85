"""Nothing trained here is lost without a question: quitting, a new architecture and opening a
model all ask first (Save…, Discard, Cancel), and each panel shows what the Session holds."""

import numpy as np
import pytest
from convlens.engine import presets
from convlens.engine.model_file import ModelInfo, load_model, save_model
from convlens.engine.training import build_model
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog

from tests.gui.helpers import finish_a_run


def answer(window, text: str) -> None:
    question = window.files.guard.question
    assert question is not None and question.isVisible()
    assert {b.text() for b in question.buttons()} >= {"Save…", "Discard", "Cancel"}
    next(b for b in question.buttons() if b.text() == text).click()


def test_quitting_with_an_unsaved_model_asks(tiny_window, qtbot):
    window = tiny_window
    finish_a_run(window)
    assert not window.close()
    answer(window, "Cancel")
    assert window.isVisible()
    window.close()
    answer(window, "Discard")
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)


def test_save_then_quit(tiny_window, qtbot, tmp_path, monkeypatch):
    window = tiny_window
    trained, _ = finish_a_run(window)
    path = tmp_path / "kept.safetensors"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    window.close()
    answer(window, "Save…")
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    saved, _ = load_model(path)
    np.testing.assert_array_equal(
        saved.layers[0].weight.detach(), trained.layers[0].weight.detach()
    )


def test_ok_then_cancel_returns_to_the_editor_with_its_edits(tiny_window, qtbot):
    window = tiny_window
    trained, _ = finish_a_run(window)
    window.actions.architecture.trigger()
    editor = window.models.editor
    editor.table.selectRow(0)
    editor.form.editors["filters"].setValue(6)
    editor.box.button(QDialogButtonBox.StandardButton.Ok).click()
    answer(window, "Cancel")
    assert editor.isVisible() and editor.architecture().layers[0].filters == 6
    assert window.session.model is trained
    editor.box.button(QDialogButtonBox.StandardButton.Ok).click()
    answer(window, "Discard")
    assert not editor.isVisible()
    assert window.session.model.architecture.layers[0].filters == 6


def test_a_damaged_model_file_is_refused_before_any_question(tiny_window, tmp_path):
    window = tiny_window
    trained, _ = finish_a_run(window)
    path = tmp_path / "broken.safetensors"
    path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    assert not window.files.open_model(path)
    assert window.files.guard.question is None
    assert window.last_error[0] == "Cannot open the model"
    assert window.session.model is trained


def test_a_model_file_opens_after_the_question(tiny_window, tmp_path):
    window = tiny_window
    finish_a_run(window)
    path = tmp_path / "other.safetensors"
    save_model(path, build_model(presets.tiny(), seed=3), ModelInfo("other", {}))
    assert window.files.open_model(path)
    answer(window, "Discard")
    assert window.session.info.name == "other"


@pytest.mark.parametrize("how", ["go back", "open a model"])
def test_the_panels_show_what_the_session_holds(tiny_window, tmp_path, how):
    window = tiny_window
    _, evaluation = finish_a_run(window)
    assert "on trial" in window.status.model_label.text()
    np.testing.assert_array_equal(window.training_panel.confusion.matrix, evaluation.confusion)
    assert window.weights_view.gradients[0] == [0.01]
    if how == "go back":
        window.training_panel.revert_button.click()
    else:
        path = tmp_path / "other.safetensors"
        save_model(path, build_model(presets.tiny(), seed=3), ModelInfo("other", {}))
        window.files.open_model(path)
        answer(window, "Discard")
    assert "on trial" not in window.status.model_label.text()
    assert "trained here" not in window.status.model_label.text()
    assert not window.training_panel.confusion.matrix.any()  # no evaluation of this model
    assert all(values == [] for values in window.weights_view.gradients.values())
    assert not window.training_panel.revert_button.isVisible()
