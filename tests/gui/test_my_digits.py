"""My digits in the window: drawn with the mouse, added with the keys and the buttons, saved,
shown with the model's verdicts, reloaded in a new window, relabelled, deleted, imported;
training on them, and the before-and-after comparison."""

import math

import numpy as np
import pytest
import torch
from convlens.engine.evaluation import evaluate
from convlens.engine.images import center_digit
from convlens.engine.my_digits import MyDigits, as_uint8
from convlens.engine.network import trace_image
from convlens.engine.presets import tiny
from convlens.engine.training import TrainConfig, build_model
from convlens.gui.app import configure_pyqtgraph
from convlens.gui.main_window import MainWindow
from convlens.gui.services.mnist_source import FOLDER_KEY as MNIST_KEY
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from tests.engine.drawn_digits import flagged_one, seven

TIMEOUT_MS = 120_000  # a loaded machine is slow; the tests assert on outcomes, not on time


def polyline(corners, per_segment=15):
    """Points along straight segments, as densely as a real drag."""
    points = []
    for (x0, y0), (x1, y1) in zip(corners, corners[1:], strict=False):
        for t in np.linspace(0, 1, per_segment, endpoint=False):
            points.append((int(x0 + t * (x1 - x0)), int(y0 + t * (y1 - y0))))
    return [*points, corners[-1]]


FLAGGED_ONE = polyline([(80, 120), (160, 50), (150, 235)])  # a long flag, then the stem
ZERO = [(int(140 + 55 * math.sin(a)), int(145 - 85 * math.cos(a))) for a in np.linspace(0, 6.4, 60)]


def folder_of(window):
    return window.my_digits.store.folder


def files_in(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.png"))


def draw_and_add(window, qtbot, draw, points, label, key=True):
    """Clear, draw one stroke with real mouse events, then add it with its key (the canvas
    has the focus after the click) or its button under the canvas."""
    window.actions.clear.trigger()
    draw(window.canvas, points)
    expected = as_uint8(center_digit(window.canvas.ink()))
    if key:
        assert QApplication.focusWidget() is window.canvas  # the click gave it the focus
        qtbot.keyClick(QApplication.focusWidget(), getattr(Qt.Key, f"Key_{label}"))
    else:
        qtbot.mouseClick(window.my_digits.bar.buttons[label], Qt.MouseButton.LeftButton)
    return expected


def panel_keys(window, label):
    return window.my_digits.panel.strips[label].keys()


def second_window(qtbot, settings, model, info):
    configure_pyqtgraph()
    other = MainWindow(model, info, settings, None)
    qtbot.addWidget(other, before_close_func=lambda w: w.shutdown())
    other.show()
    return other


def test_drawn_digits_are_added_saved_shown_and_reloaded(
    window, qtbot, draw, seven, settings, tmp_path
):
    folder = folder_of(window)
    assert folder == tmp_path / "my_digits"  # the settings' folder (the tests' own)
    one = draw_and_add(window, qtbot, draw, FLAGGED_ONE, 1)
    sev = draw_and_add(window, qtbot, draw, seven, 7)
    zero = draw_and_add(window, qtbot, draw, ZERO, 0, key=False)

    files = files_in(folder)
    assert [f.split("/")[0] for f in files] == ["0", "1", "7"]
    for name, expected in zip(files, (zero, one, sev), strict=True):
        with Image.open(folder / name) as im:
            np.testing.assert_array_equal(np.asarray(im), expected)  # what the network saw
    assert not list(folder.rglob(".*"))  # no temporary file left by the atomic writes

    # The panel: a row per class, each digit framed by the model's own verdict on it.
    panel = window.my_digits.panel
    assert [len(panel_keys(window, d)) for d in range(10)] == [1, 1, 0, 0, 0, 0, 0, 1, 0, 0]
    verdicts = [
        trace_image(window.session.model, e.astype(np.float32) / 255).digit
        for e in (zero, one, sev)
    ]
    assert window.my_digits.predicted.tolist() == verdicts
    for label, verdict in zip((0, 1, 7), verdicts, strict=True):
        caption = panel.strips[label].item(0).text()
        assert caption == ("✓" if verdict == label else f"→ {verdict}")
    right = sum(v == d for v, d in zip(verdicts, (0, 1, 7), strict=True))
    assert f"3 digits of yours: the model reads {right} right" in panel.summary.text()

    window.close()
    other = second_window(qtbot, settings, window.session.model, window.session.info)
    assert folder_of(other) == folder
    assert sorted(str(p) for p in other.my_digits.digits.paths) == [str(folder / f) for f in files]
    np.testing.assert_array_equal(other.my_digits.digits.images, np.stack([zero, one, sev]))
    assert [len(panel_keys(other, d)) for d in (0, 1, 7)] == [1, 1, 1]


def test_a_digit_clicked_becomes_the_input_and_verdicts_follow_the_model(
    window, qtbot, draw, seven
):
    stored = draw_and_add(window, qtbot, draw, seven, 7)
    window.actions.clear.trigger()
    window.flush()
    strip = window.my_digits.panel.strips[7]
    window.my_digits.dock.show()
    window.my_digits.dock.raise_()
    qtbot.waitUntil(strip.isVisible)
    item = strip.item(0)
    qtbot.mouseClick(
        strip.viewport(), Qt.MouseButton.LeftButton, pos=strip.visualItemRect(item).center()
    )
    np.testing.assert_array_equal(window.session.image, stored.astype(np.float32) / 255)
    assert window.session.source.kind == "file" and "my digits, 7/" in window.session.source.name
    assert window.prediction.digit == trace_image(window.session.model, window.session.image).digit

    # Another model: the verdicts are its own.
    other = build_model(tiny(), seed=3)
    window.session.set_model(other, window.session.info)
    expected = evaluate(other, torch.from_numpy(stored[None]), torch.tensor([7])).predicted
    assert window.my_digits.predicted.tolist() == expected.tolist()
    guess = int(expected[0])
    assert strip.item(0).text() == ("✓" if guess == 7 else f"→ {guess}")  # redrawn in place


def test_relabel_and_delete_move_and_remove_the_files(window, qtbot, draw, seven):
    folder = folder_of(window)
    draw_and_add(window, qtbot, draw, FLAGGED_ONE, 7)  # a wrong label, to be corrected
    draw_and_add(window, qtbot, draw, seven, 7)
    first, second = sorted(folder.glob("7/*.png"))
    content = first.read_bytes()
    panel = window.my_digits.panel
    menu = panel.menu_for(str(first))
    relabel = next(a.menu() for a in menu.actions() if a.text() == "Relabel as")
    next(a for a in relabel.actions() if a.text() == "1").trigger()
    assert not first.exists() and (folder / "1" / first.name).read_bytes() == content
    assert panel_keys(window, 1) == [str(folder / "1" / first.name)]
    assert panel_keys(window, 7) == [str(second)]

    menu = panel.menu_for(str(second))
    next(a for a in menu.actions() if a.text() == "Delete").trigger()
    assert not second.exists() and panel_keys(window, 7) == []
    assert files_in(folder) == [f"1/{first.name}"]


def test_an_imported_folder_adds_the_digits_and_reports_the_bad_files(window, qtbot, tmp_path):
    source = tmp_path / "labelled"
    MyDigits(source).add_drawing(flagged_one(), 1)
    MyDigits(source).add_drawing(seven(), 7)
    (source / "7" / "damaged.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    (source / "7" / "notes.txt").write_text("not an image")
    (source / "cats").mkdir()
    before = {p: p.read_bytes() for p in source.rglob("*") if p.is_file()}
    with qtbot.waitSignal(window.my_digits.importer.finished, timeout=TIMEOUT_MS):
        window.my_digits.import_folder(source)
    qtbot.waitUntil(lambda: not window.my_digits.importer.is_running(), timeout=TIMEOUT_MS)
    assert [len(panel_keys(window, d)) for d in (1, 7)] == [1, 1]
    title, text = window.last_error
    assert title == "Some files were skipped" and "Imported 2 digit(s). 3 file(s)" in text
    for name in ("7/damaged.png", "7/notes.txt", "cats/"):
        assert name in text
    assert {p: p.read_bytes() for p in source.rglob("*") if p.is_file()} == before


def test_a_fine_tune_on_my_digits_shows_before_and_after(
    tiny_window, qtbot, draw, seven, settings, small_mnist
):
    window = tiny_window
    settings.setValue(MNIST_KEY, str(small_mnist))
    window.source.counts = None  # the shipped subset: 2,000 and 1,000 images
    for points, label in ((FLAGGED_ONE, 1), (seven, 7), (ZERO, 0)):
        draw_and_add(window, qtbot, draw, points, label)
    before = window.session.model
    window.actions.train.trigger()
    dialog = window.training.dialog
    choice = window.my_digits.training.choice
    assert choice.mine.text() == "my digits (3)" and choice.mine.isEnabled()
    choice.both.setChecked(True)
    assert choice.fine_tune()  # the short fine-tune goes with my digits
    dialog.start_random.setChecked(True)  # the fine-tune starts from the current model anyway
    dialog.device.setCurrentText("cpu")
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    training = window.my_digits.training
    with qtbot.waitSignal(training.comparer.finished, timeout=TIMEOUT_MS) as compared:
        with qtbot.waitSignal(window.trainer.finished, timeout=TIMEOUT_MS) as finished:
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not training.comparer.is_running(), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=TIMEOUT_MS)

    after, result, _, config = finished.args
    assert config.max_steps == 200 and config.lr == 1e-4 and config.extra_repeat > 100
    assert result.history[-1].global_step == 200
    assert window.session.model is after and window.session.previous[0] is before

    comparison = compared.args[0]
    mine = window.my_digits.digits
    x, y = torch.from_numpy(mine.images), torch.from_numpy(mine.labels)
    assert comparison.mine_before.predicted.tolist() == evaluate(before, x, y).predicted.tolist()
    assert comparison.mine_after.predicted.tolist() == evaluate(after, x, y).predicted.tolist()
    assert comparison.test_after.confusion.sum() == 1_000

    shown = training.dialog
    assert shown.isVisible()
    rows = [[label.text() for label in row] for row in shown.score_labels]
    assert rows[0][:3] == [
        "my digits (3)",
        f"{comparison.mine_before.accuracy:.2%}",
        f"{comparison.mine_after.accuracy:.2%}",
    ]
    assert rows[1][0] == "MNIST test (1,000)"
    assert rows[1][2] == f"{comparison.test_after.accuracy:.2%}"
    assert shown.changed.count() == len(comparison.changed())

    # The same input through both: their own probabilities and maps.
    window.input.show_sample(4)
    image = window.session.image
    np.testing.assert_allclose(
        shown.before.bars.values, trace_image(before, image).probabilities, atol=1e-6
    )
    np.testing.assert_allclose(
        shown.after.bars.values, trace_image(after, image).probabilities, atol=1e-6
    )
    layer = shown.layer.currentData()
    np.testing.assert_allclose(
        shown.grids["after − before"].data,
        trace_image(after, image).outputs[layer] - trace_image(before, image).outputs[layer],
        atol=1e-6,
    )


@pytest.mark.parametrize("choice", ["mnist", "mine"])
def test_the_dialogs_choice_makes_the_runs_data(tiny_window, qtbot, draw, seven, choice):
    window = tiny_window
    draw_and_add(window, qtbot, draw, seven, 7)
    training = window.my_digits.training
    training.rows()
    getattr(training.choice, choice).setChecked(True)
    training.choice.finetune.setChecked(False)
    config, from_current, extra = training.apply(TrainConfig(epochs=2), False)
    assert not from_current and config.epochs == 2
    if choice == "mnist":
        assert extra is None
    else:
        assert not extra.with_base and extra.labels.tolist() == [7] and config.extra_repeat == 1
