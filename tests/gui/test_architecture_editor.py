"""The architecture editor: live shapes, impossible networks marked with their reason, JSON."""

import pytest
from convlens.engine import presets
from convlens.engine.spec import Activation, Architecture, Conv, Dense, Dropout, Flatten, Pool
from convlens.gui.dialogs.architecture_editor import (
    ERROR_COLOR,
    OUTPUT,
    PARAMS,
    PROBLEM,
    ArchitectureEditor,
)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox

OK = QDialogButtonBox.StandardButton.Ok
APPLY = QDialogButtonBox.StandardButton.Apply


def _editor(qtbot, architecture: Architecture) -> ArchitectureEditor:
    editor = ArchitectureEditor(architecture)
    qtbot.addWidget(editor)
    return editor


def _kinds(editor) -> list[str]:
    assert editor.table.rowCount() == len(editor.architecture().layers)
    return [layer.kind for layer in editor.architecture().layers]


def _click(qtbot, editor, name: str) -> None:
    qtbot.mouseClick(editor.buttons[name], Qt.MouseButton.LeftButton)


def test_shows_shapes_and_parameters_of_a_valid_network(qtbot):
    editor = _editor(qtbot, presets.tiny())
    assert _kinds(editor) == ["conv", "activation", "pool", "flatten", "dense"]
    assert editor.table.item(0, OUTPUT).text() == "4 × 24 × 24"
    assert editor.table.item(0, PARAMS).text() == "104"
    assert editor.table.item(4, PARAMS).text() == "5,770"
    default = _editor(qtbot, presets.default())
    assert default.table.item(6, OUTPUT).text() == "2,352"  # as its parameters: 301,184
    assert editor.box.button(OK).isEnabled() and editor.box.button(APPLY).isEnabled()
    assert editor.error_row() is None and "5,874 parameters" in editor.status.text()


def _tiny_with(index: int, layer) -> Architecture:
    architecture = presets.tiny()
    architecture.layers[index] = layer
    return architecture


IMPOSSIBLE = {
    "window larger than its input": (_tiny_with(2, Pool("max", 30)), 2, "larger than its 24x24"),
    "stride 0": (_tiny_with(0, Conv(4, 5, stride=0)), 0, "stride must be a whole number"),
    "no 10-unit output": (_tiny_with(4, Dense(12)), 4, "dense layer of 10 units"),
    "dense without flatten": (
        Architecture([Conv(4, 5), Dense(10)]),
        1,
        "add a flatten layer",
    ),
    "negative dropout": (
        Architecture([Flatten(), Dropout(-0.1), Dense(10)]),
        1,
        "dropout rate must be at least 0",
    ),
    "dropout of 1": (Architecture([Flatten(), Dropout(1.0), Dense(10)]), 1, "below 1, not 1.0"),
    "conv after flatten": (
        Architecture([Flatten(), Conv(4, 3), Dense(10)]),
        1,
        "conv needs feature maps",
    ),
}


@pytest.mark.parametrize("case", IMPOSSIBLE)
def test_impossible_network_is_marked_at_its_row_and_cannot_be_applied(qtbot, case):
    architecture, row, reason = IMPOSSIBLE[case]
    editor = _editor(qtbot, architecture)
    assert editor.error_row() == row
    assert reason in editor.table.item(row, PROBLEM).text()
    assert editor.table.item(row, 1).background().color() == ERROR_COLOR
    others = [r for r in range(editor.table.rowCount()) if r != row]
    assert all(editor.table.item(r, PROBLEM).text() == "" for r in others)
    assert reason in editor.status.text()
    assert not editor.box.button(OK).isEnabled() and not editor.box.button(APPLY).isEnabled()


def test_editing_a_setting_marks_and_unmarks_the_row(qtbot):
    editor = _editor(qtbot, presets.tiny())
    editor.table.selectRow(2)
    editor.form.editors["size"].setValue(25)
    assert (
        editor.error_row() == 2 and "pooling window 25x25" in editor.table.item(2, PROBLEM).text()
    )
    assert not editor.box.button(OK).isEnabled()
    editor.form.editors["size"].setValue(3)
    assert editor.error_row() is None and editor.table.item(2, OUTPUT).text() == "4 × 8 × 8"
    editor.form.editors["stride_same"].setChecked(False)
    editor.form.editors["stride"].setValue(1)
    assert editor.architecture().layers[2] == Pool("max", 3, stride=1)
    editor.table.selectRow(0)
    editor.form.editors["padding"].setCurrentText("width")
    editor.form.editors["padding_width"].setValue(2)
    assert editor.architecture().layers[0].padding == 2
    assert editor.table.item(0, OUTPUT).text() == "4 × 28 × 28"


def test_push_pop_insert_remove_and_reorder(qtbot):
    editor = _editor(qtbot, presets.tiny())
    editor.kind.setCurrentText("dropout")
    _click(qtbot, editor, "push")
    assert _kinds(editor)[-1] == "dropout" and editor.selected() == 5
    assert editor.error_row() == 5  # no longer ends with the 10-unit dense layer
    _click(qtbot, editor, "pop")
    assert _kinds(editor) == ["conv", "activation", "pool", "flatten", "dense"]
    editor.table.selectRow(3)
    editor.kind.setCurrentText("batchnorm")
    _click(qtbot, editor, "insert")
    assert _kinds(editor) == ["conv", "activation", "pool", "batchnorm", "flatten", "dense"]
    assert editor.selected() == 3 and editor.error_row() is None
    _click(qtbot, editor, "up")
    assert _kinds(editor)[2:4] == ["batchnorm", "pool"] and editor.selected() == 2
    _click(qtbot, editor, "down")
    _click(qtbot, editor, "down")
    assert _kinds(editor)[3:5] == ["flatten", "batchnorm"] and editor.selected() == 4
    assert (
        editor.table.item(4, OUTPUT).text() == "576"
        and editor.table.item(4, PARAMS).text() == "1,152"
    )
    _click(qtbot, editor, "remove")
    assert _kinds(editor) == ["conv", "activation", "pool", "flatten", "dense"]
    editor.table.selectRow(0)
    assert not editor.buttons["up"].isEnabled()
    editor.table.selectRow(4)
    assert not editor.buttons["down"].isEnabled()


def test_apply_emits_the_edited_architecture(qtbot):
    editor = _editor(qtbot, presets.tiny())
    editor.table.selectRow(0)
    editor.form.editors["filters"].setValue(6)
    with qtbot.waitSignal(editor.apply_requested) as signal:
        qtbot.mouseClick(editor.box.button(APPLY), Qt.MouseButton.LeftButton)
    assert signal.args[0].layers[0] == Conv(6, 5)
    assert signal.args[0] is not editor.architecture()
    assert signal.args[1] is False  # Apply: the editor stays
    with qtbot.waitSignal(editor.apply_requested) as signal:
        editor.box.accepted.emit()  # OK: applied, then closed by whoever applies it
    assert signal.args[1] is True


def test_presets_replace_the_layers(qtbot):
    editor = _editor(qtbot, presets.tiny())
    editor.presets.setCurrentText("lenet5")
    editor.presets.activated.emit(editor.presets.currentIndex())
    assert editor.architecture() == presets.lenet5()
    assert editor.name.text() == "lenet5"


def test_json_round_trip_through_save_and_load(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "mine.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    architecture = Architecture(
        [
            Conv(3, 4, 2, "same"),
            Activation("tanh"),
            Pool("sum", 2, 1),
            Flatten("column"),
            Dense(10),
        ],
        "mine",
    )
    saver = _editor(qtbot, architecture)
    saver.save_json()
    assert Architecture.from_json(path.read_text()) == architecture
    loader = _editor(qtbot, presets.default())
    loader.load_json()
    assert loader.architecture() == architecture
    assert _kinds(loader) == ["conv", "activation", "pool", "flatten", "dense"]


@pytest.mark.parametrize(
    "text, message",
    [("{not json", "not valid JSON"), ('{"layers": [{"kind": "warp"}]}', "unknown layer kind")],
)
def test_loading_a_bad_file_says_why_and_keeps_the_layers(
    qtbot, tmp_path, monkeypatch, text, message
):
    path = tmp_path / "bad.json"
    path.write_text(text)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    editor = _editor(qtbot, presets.tiny())
    editor.load_json()
    assert len(warnings) == 1 and message in warnings[0] and "bad.json" in warnings[0]
    assert editor.architecture() == presets.tiny()
