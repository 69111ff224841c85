"""The main window's menus, actions and shortcuts, each connected to a controller."""

from __future__ import annotations

from dataclasses import dataclass

from convlens.engine.presets import PRESETS
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox

ABOUT = (
    "<h3>ConvLens</h3>"
    "<p>See how a convolutional neural network classifies a digit: every kernel, feature map "
    "and number, live as you draw, and while it learns.</p>"
    "<p>Draw with the left button, erase with the right one. Hover over a map to read its "
    "values; click a value to see how it was computed, double-click a map to enlarge it; "
    "click the probability bars to see the softmax.</p>"
)


@dataclass
class Actions:
    open_image: QAction
    paste: QAction
    open_model: QAction
    save_model: QAction
    quit: QAction
    undo: QAction
    redo: QAction
    clear: QAction
    eraser: QAction
    next_digit: QAction
    train: QAction
    stop: QAction
    architecture: QAction
    presets: QMenu
    choose_data: QAction
    download_data: QAction
    about: QAction


def _action(window: QMainWindow, menu, text: str, slot, *keys) -> QAction:
    action = QAction(text, window)
    if keys:
        action.setShortcuts([QKeySequence(key) for key in keys])
    action.triggered.connect(lambda _checked=False: slot())
    menu.addAction(action)
    return action


def build_menus(window) -> Actions:
    """Menus File, Edit, Train, Model, Data and Help, connected to the window's controllers
    (``files``, ``training``, ``models``, ``data``) and views (``canvas``, the docks)."""
    bar = window.menuBar()
    files, training, model, data = window.files, window.training, window.models, window.data
    file = bar.addMenu("&File")
    open_image = _action(
        window, file, "Open image…", files.ask_open_image, QKeySequence.StandardKey.Open
    )
    paste = _action(window, file, "Paste", files.paste, QKeySequence.StandardKey.Paste)
    file.addSeparator()
    open_model = _action(window, file, "Open model…", files.ask_open_model, "Ctrl+Shift+O")
    save_model = _action(
        window, file, "Save model…", files.ask_save_model, QKeySequence.StandardKey.Save
    )
    file.addSeparator()
    quit_ = _action(window, file, "Quit", window.close, "Ctrl+Q")  # StandardKey.Quit: none on some

    edit = bar.addMenu("&Edit")
    undo = _action(window, edit, "Undo", window.canvas.undo, QKeySequence.StandardKey.Undo)
    redo = _action(window, edit, "Redo", window.canvas.redo, "Ctrl+Shift+Z", "Ctrl+Y")
    clear = _action(window, edit, "Clear", window.canvas.clear, "Delete", "Ctrl+L")
    edit.addSeparator()
    eraser = window.inputs.eraser_button
    eraser_action = _action(window, edit, "Eraser", eraser.toggle, "E")
    slider = window.inputs.brush_slider
    _action(window, edit, "Thinner pen", lambda: slider.setValue(slider.value() - 2), "[")
    _action(window, edit, "Thicker pen", lambda: slider.setValue(slider.value() + 2), "]")
    edit.addSeparator()
    next_digit = _action(window, edit, "Next test digit", window.input.next_digit, "N")
    _action(window, edit, "Random test digit", window.input.random_digit, "R")
    _action(window, edit, "Previous mistake", window.mistakes.previous_mistake, "Shift+M")
    _action(window, edit, "Next mistake", window.mistakes.next_mistake, "M")
    player = window.explain_view.player
    _action(window, edit, "Play or pause the step-through", player.toggle, "Space")
    _action(window, edit, "Step the step-through", player.advance, "S")

    train_menu = bar.addMenu("&Train")
    train = _action(window, train_menu, "Train…", training.ask, "Ctrl+T")
    stop = _action(window, train_menu, "Stop", training.stop, "Esc", "Ctrl+.")
    stop.setEnabled(False)
    _action(window, train_menu, "Export run…", window.watch.ask_export)
    window.experiments.add_menu(train_menu)
    train_menu.addSeparator()
    train_menu.addAction(window.training_dock.toggleViewAction())
    train_menu.addAction(window.weights_dock.toggleViewAction())

    model_menu = bar.addMenu("&Model")
    architecture = _action(
        window, model_menu, "Architecture…", model.edit_architecture, "Ctrl+Shift+A"
    )
    presets = model_menu.addMenu("Presets (untrained)")
    presets.setToolTipsVisible(True)
    for name, make in PRESETS.items():
        preset = _action(window, presets, name, lambda make=make: model.apply_architecture(make()))
        preset.setToolTip(make.__doc__)
    _action(window, model_menu, "Show as code…", window.viewers.show_code)
    model_menu.addSeparator()
    model_menu.addAction(window.explain_dock.toggleViewAction())
    model_menu.addAction(window.mistakes.dock.toggleViewAction())

    data_menu = bar.addMenu("&Data")
    choose_data = _action(window, data_menu, "Choose MNIST folder…", data.choose_folder)
    download_data = _action(window, data_menu, "Download MNIST", data.download)

    help_menu = bar.addMenu("&Help")
    _action(window, help_menu, "Guide", window.viewers.show_guide, "F1")
    about = _action(window, help_menu, "About ConvLens", lambda: show_about(window))
    return Actions(
        open_image, paste, open_model, save_model, quit_, undo, redo, clear, eraser_action,
        next_digit, train, stop,
        architecture, presets, choose_data, download_data, about,
    )  # fmt: skip


def show_about(window: QMainWindow) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, "About ConvLens", ABOUT, parent=window)
    box.open()
