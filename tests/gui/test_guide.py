"""Help > Guide: it opens, and it names every concept the app teaches and every shortcut."""

import pytest
from convlens.gui.dialogs.guide import GuideDialog
from PySide6.QtGui import QAction, QKeySequence

CONCEPTS = [
    # the panels
    "canvas", "eraser", "brush size", "undo", "clear", "network input", "28x28",
    "bounding box", "20x20", "centre of mass", "feature maps", "kernel", "explain",
    "step-through", "training", "weights and gradients", "architecture editor", "test set",
    # convolution
    "convolution", "filters", "depth", "filter size", "stride", "zero padding", "dot product",
    "bias",
    # activations, pooling, flattening, dense, softmax
    "relu", "sigmoid", "tanh", "vanishing gradient", "max pooling", "min pooling",
    "average pooling", "sum pooling", "flatten", "row-major", "column-major", "x w + b",
    "softmax",
    # training
    "total error", "½ σ (target − output)²", "cross-entropy", "backpropagation", "batch size",
    "l1", "l2", "dropout",
]  # fmt: skip
SHORTCUTS = [
    "Ctrl+O", "Ctrl+V", "Ctrl+Shift+O", "Ctrl+S", "Ctrl+Q", "Ctrl+Z", "Delete", "Ctrl+L",
    "Ctrl+T", "Esc", "Ctrl+.", "Ctrl+Shift+A", "Ctrl+Shift+Z", "Ctrl+Y", "E", "[", "]", "N",
    "R", "Space", "S", "F1",
]  # fmt: skip


@pytest.fixture
def guide(qtbot) -> GuideDialog:
    dialog = GuideDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _shortcut_cells(guide: GuideDialog) -> set[str]:
    """The keys in the first column of the shortcuts table, one by one."""
    text = guide.text()
    table = text[text.index("Keys\nWhat they do") :].splitlines()[2::2]
    return {key.strip() for row in table for key in row.replace(" and ", ",").split(",")}


def _portable(keys: str) -> str:
    """Keys as Qt spells them ('Delete' -> 'Del')."""
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.PortableText)


def test_the_guide_opens_without_blocking_the_window(guide):
    assert guide.isVisible() and not guide.isModal()
    assert guide.text().startswith("ConvLens: a guide for your first read")


def test_the_guide_fits_on_the_screen(guide):
    """It asks for 820 px: on the tests' 800x800 screen (and at 1366x768) its Close button
    was below the screen's edge."""
    screen = guide.screen().availableGeometry()
    assert guide.height() > 600 and screen.contains(guide.frameGeometry())


@pytest.mark.parametrize("concept", CONCEPTS)
def test_the_guide_explains(guide, concept):
    assert concept in guide.text().lower()


def test_the_guide_lists_every_shortcut(guide):
    assert _shortcut_cells(guide) == set(SHORTCUTS)


def test_every_shortcut_of_the_menus_is_in_the_guide(window, qtbot):
    dialog = GuideDialog(window)
    qtbot.addWidget(dialog)
    actions = [a for a in vars(window.actions).values() if isinstance(a, QAction)]
    keys = {
        shortcut.toString(QKeySequence.SequenceFormat.PortableText)
        for action in actions
        for shortcut in action.shortcuts()
        if not shortcut.isEmpty()  # a standard key this platform binds to nothing
    }
    assert {"Ctrl+O", "Ctrl+Shift+A", "Esc", "Del"} <= keys
    assert keys <= {_portable(cell) for cell in _shortcut_cells(dialog)}


def test_a_missing_guide_says_so(qtbot, tmp_path):
    dialog = GuideDialog(path=tmp_path / "guide.html")
    qtbot.addWidget(dialog)
    assert "The guide cannot be read from" in dialog.text()
    assert "guide.html" in dialog.text()
