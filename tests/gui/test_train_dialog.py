"""The Train dialog on its own: every field round-trips, explains itself, and says what does
nothing; the split in words; back to the defaults; opened whole."""

from convlens.engine.training import TrainConfig
from convlens.gui.dialogs.train_dialog import DEFAULTS, DataFacts, TrainDialog
from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

FULL = DataFacts(train_count=60_000, test_count=10_000, has_dropout=True)


def dialog_for(qtbot, config=DEFAULTS, facts=FULL, warning=""):
    dialog = TrainDialog(config, True, None, facts, warning)
    qtbot.addWidget(dialog)
    return dialog


def test_every_setting_round_trips(qtbot):
    config = TrainConfig(
        epochs=7, batch_size=64, lr=0.01, optimizer="sgd", momentum=0.8, schedule="cosine",
        loss="mse", l1=1e-5, l2=2e-4, dropout=0.3, augment=True, device="cpu", seed=5,
        train_limit=12_000, validation=3_000,
    )  # fmt: skip
    dialog = dialog_for(qtbot, config)
    assert dialog.config() == config
    dialog.start_random.setChecked(True)
    assert not dialog.from_current()


def test_every_field_has_a_tooltip(qtbot):
    dialog = dialog_for(qtbot)
    form = dialog.layout()
    rows = 0
    for row in range(form.rowCount()):
        label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
        if label is None or field is None:  # the warning, the split, the buttons span the row
            continue
        rows += 1
        label, field = label.widget(), field.widget()
        assert label.toolTip() and field.toolTip() == label.toolTip(), label.text()
        for child in field.findChildren(QWidget):  # the boxes of a row of several
            assert child.toolTip() == label.toolTip(), label.text()
    assert rows == 16


def test_what_does_nothing_is_said(qtbot):
    config = TrainConfig(dropout=0.3, optimizer="adam", momentum=0.5)
    dialog = dialog_for(qtbot, config, DataFacts(60_000, 10_000, has_dropout=False))
    dialog.show()
    assert dialog.dropout_note.isVisible() and "no dropout layer" in dialog.dropout_note.text()
    assert not dialog.dropout_on.isEnabled() and dialog.config().dropout is None
    assert not dialog.momentum.isEnabled()  # Adam has no momentum setting
    dialog.optimizer.setCurrentIndex(dialog.optimizer.findData("sgd"))
    assert dialog.momentum.isEnabled()
    with_dropout = dialog_for(qtbot, config)
    with_dropout.show()
    assert not with_dropout.dropout_note.isVisible() and with_dropout.config().dropout == 0.3


def test_the_split_is_shown_in_words(qtbot):
    dialog = dialog_for(qtbot)
    assert dialog.split.text() == (
        "Trains on images 0–54,999 of 60,000; validates on 55,000–59,999; "
        "the test accuracy is on the 10,000 test images."
    )
    dialog.train_limit.setValue(1000)
    dialog.validation.setValue(0)
    assert dialog.split.text().startswith("Trains on images 0–999 of 60,000; no validation")
    dialog.validation.setValue(59_000)
    dialog.train_limit.setValue(0)
    assert "images 0–999 of 60,000" in dialog.split.text()
    unknown = dialog_for(qtbot, facts=DataFacts())
    assert unknown.split.text().startswith("Trains on all images; validates on the last 5,000")


def test_reset_to_defaults_and_the_warning(qtbot):
    dialog = dialog_for(qtbot, TrainConfig(lr=5.0, epochs=9), warning="The last run … failed")
    dialog.show()
    assert dialog.warning.isVisible() and dialog.lr_note.text()
    dialog.reset_button.click()
    assert dialog.config() == DEFAULTS and DEFAULTS.validation == 5000
    assert not dialog.warning.isVisible() and not dialog.lr_note.text()


def test_the_dialog_opens_as_tall_as_its_rows_need(qtbot):
    """Qt opens a window at most two thirds of the screen high (533 px on the tests' 800x800
    screen, 512 px at 1366x768), then at its least height, where the split's two wrapped
    lines were cut at the top and bottom: it now opens as tall as its rows, on the screen.
    The warning of a diverged run makes it taller than 533 px here, as the app's own rows
    (what to train on) do at 1366x768."""
    warning = "The last run with exactly these settings diverged. " * 3
    dialog = dialog_for(qtbot, warning=warning)
    dialog.show()
    qtbot.waitExposed(dialog)
    screen = dialog.screen().availableGeometry()
    assert dialog.height() > screen.height() * 2 / 3  # else the case is not the one above
    assert screen.contains(dialog.frameGeometry())
    wrapped = [label for label in dialog.findChildren(QLabel) if label.wordWrap()]
    assert dialog.split in wrapped and dialog.split.text().count(" ") > 12  # two lines
    for label in wrapped:
        if label.isVisible():
            assert label.height() >= label.heightForWidth(label.width()), label.text()
