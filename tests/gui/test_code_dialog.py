"""Model > Show as code: both languages shown, copied to the clipboard, live with the editor."""

from convlens.engine import presets
from convlens.engine.code_export import keras_code, pytorch_code
from convlens.engine.spec import Activation, Architecture, Conv, Dense, Flatten, Pool
from convlens.gui.dialogs.architecture_editor import ArchitectureEditor
from convlens.gui.dialogs.code_dialog import CodeDialog
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QFontDatabase, QGuiApplication


def _dialog(qtbot) -> CodeDialog:
    dialog = CodeDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_shows_the_architecture_in_both_languages_read_only(qtbot):
    dialog = _dialog(qtbot)
    architecture = Architecture(
        [Conv(6, 4, padding="same"), Pool("sum", 2), Activation("tanh"), Flatten("column")]
        + [Dense(10)],
        name="mine",
    )
    dialog.show_architecture(architecture)
    assert not dialog.isModal()
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == ["PyTorch", "Keras"]
    assert dialog.code("pytorch") == pytorch_code(architecture)
    assert dialog.code("keras") == keras_code(architecture)
    assert "nn.ZeroPad2d((1, 2, 1, 2))" in dialog.code("pytorch")
    fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()
    for text in dialog.texts.values():
        assert text.isReadOnly() and text.font().family() == fixed


def test_copy_puts_the_tabs_code_on_the_clipboard(qtbot):
    dialog = _dialog(qtbot)
    dialog.show_architecture(presets.lenet5())
    for language in ("keras", "pytorch"):
        with qtbot.waitSignal(dialog.copied) as copied:
            qtbot.mouseClick(dialog.copy_buttons[language], Qt.MouseButton.LeftButton)
        assert copied.args == [language]
        assert QGuiApplication.clipboard().text() == dialog.code(language)
    assert "nn.AvgPool2d(2)" in QGuiApplication.clipboard().text()


def test_follows_the_architecture_editor_live_and_names_an_impossible_layer(qtbot):
    dialog = _dialog(qtbot)
    editor = ArchitectureEditor(presets.tiny())
    qtbot.addWidget(editor)
    editor.changed.connect(dialog.show_architecture)
    dialog.show_architecture(editor.architecture())
    assert dialog.code("keras") == keras_code(presets.tiny())

    editor.kind.setCurrentText("conv")
    qtbot.mouseClick(editor.buttons["push"], Qt.MouseButton.LeftButton)  # a conv after the dense
    assert (
        dialog.code("pytorch") == "# Impossible network, layer 5: conv needs feature maps, "
        "but its input is flat"
    )
    assert not dialog.copy_buttons["pytorch"].isEnabled()
    assert "layer 5" in dialog.status.text()

    qtbot.mouseClick(editor.buttons["pop"], Qt.MouseButton.LeftButton)
    editor.table.selectRow(0)
    editor.form.editors["filters"].setValue(7)  # the first conv now has 7 filters
    assert editor.architecture().layers[0].filters == 7
    assert dialog.code("pytorch") == pytorch_code(editor.architecture())
    assert "nn.Conv2d(1, 7, 5)" in dialog.code("pytorch")
    assert dialog.copy_buttons["pytorch"].isEnabled()


def test_model_show_as_code_follows_the_model_and_the_editor(tiny_window):
    window = tiny_window
    [show] = [a for a in window.findChildren(QAction) if a.text() == "Show as code…"]
    show.trigger()
    dialog = window.viewers.code_dialog
    assert dialog.isVisible() and dialog.code("pytorch") == pytorch_code(presets.tiny())
    window.models.apply_architecture(presets.lenet5())
    assert dialog.code("keras") == keras_code(presets.lenet5())
    window.actions.architecture.trigger()
    editor = window.models.editor
    editor.table.selectRow(0)
    editor.form.editors["filters"].setValue(9)  # edited, not applied: the code follows it
    assert "nn.Conv2d(1, 9, 5, padding=2)" in dialog.code("pytorch")
