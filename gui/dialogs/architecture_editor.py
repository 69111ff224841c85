"""Model > Architecture...: edit the layer list, see shapes and parameter counts live.

The dialog edits a copy of the architecture. An impossible network is marked at the offending
row with the reason, and OK/Apply stay disabled until it is fixed. ``applied(architecture)``
``apply_requested(architecture, close)`` fires on Apply (close False) and on OK (close True);
the receiver builds an untrained model from it and, for OK, closes the editor with ``accept``
once the model is replaced (so that an answer of Cancel to a question on the way keeps the
editor and its edits).
"""

from __future__ import annotations

import copy

from convlens.engine import spec
from convlens.engine.files import atomic_write
from convlens.engine.presets import PRESETS
from convlens.gui.dialogs.layer_form import LayerForm
from convlens.gui.views.layer_text import describe_layer
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

COLUMNS = ("#", "layer", "output", "parameters", "problem")
OUTPUT, PARAMS, PROBLEM = (COLUMNS.index(name) for name in ("output", "parameters", "problem"))
ERROR_COLOR = QColor(255, 190, 190)


class ArchitectureEditor(QDialog):
    """Add (push), pop, insert, remove and reorder layers and edit each one's settings."""

    apply_requested = Signal(object, bool)  # engine.spec.Architecture, close when applied
    changed = Signal(object)  # engine.spec.Architecture: after every edit, even an impossible one

    def __init__(self, architecture: spec.Architecture, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Architecture")
        self._architecture = copy.deepcopy(architecture)

        self.name = QLineEdit(self._architecture.name)
        self.name.textChanged.connect(lambda text: setattr(self._architecture, "name", text))
        self.presets = QComboBox()
        self.presets.addItems(["load a preset…", *PRESETS])
        self.presets.activated.connect(self._on_preset)
        load, save = QPushButton("Load JSON…"), QPushButton("Save JSON…")
        load.clicked.connect(self.load_json)
        save.clicked.connect(self.save_json)
        top = QHBoxLayout()
        for widget in (QLabel("name"), self.name, self.presets, load, save):
            top.addWidget(widget)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.form = LayerForm(None)

        self.kind = QComboBox()
        self.kind.addItems(list(spec.LAYER_TYPES))
        self.buttons = {
            name: QPushButton(text)
            for name, text in [
                ("push", "Add (push)"),
                ("insert", "Insert before"),
                ("pop", "Pop last"),
                ("remove", "Remove"),
                ("up", "Up"),
                ("down", "Down"),
            ]
        }
        for name, button in self.buttons.items():
            button.clicked.connect(getattr(self, f"_on_{name}"))
        edit_row = QHBoxLayout()
        edit_row.addWidget(self.kind)
        for button in self.buttons.values():
            edit_row.addWidget(button)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.Cancel
        )
        self.box.accepted.connect(self._on_ok)
        self.box.rejected.connect(self.reject)
        self.box.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self._on_apply)

        self.settings = QGroupBox("settings")
        settings_box = QVBoxLayout(self.settings)
        settings_box.addWidget(self.form)
        settings_box.addStretch(1)
        middle = QHBoxLayout()
        middle.addWidget(self.table, 1)
        middle.addWidget(self.settings)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(middle, 1)
        layout.addLayout(edit_row)
        layout.addWidget(self.status)
        layout.addWidget(self.box)
        self._show_new()

    def architecture(self) -> spec.Architecture:
        """A copy of the architecture as edited."""
        return copy.deepcopy(self._architecture)

    def selected(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def error_row(self) -> int | None:
        """The row marked as impossible (a network-wide problem marks the last row)."""
        error = self.analysis.error
        if error is None or not self._architecture.layers:
            return None
        return len(self._architecture.layers) - 1 if error.index is None else error.index

    def set_architecture(self, architecture: spec.Architecture) -> None:
        self._architecture = copy.deepcopy(architecture)
        self.name.setText(architecture.name)
        self._show_new()

    def _show_new(self) -> None:
        """Show a new layer list with its first problem selected (or its first layer)."""
        self._refresh(select=0)
        if self.error_row() is not None:
            self.table.selectRow(self.error_row())

    # Editing
    def _new_layer(self) -> spec.LayerSpec:
        return spec.LAYER_TYPES[self.kind.currentText()]()

    def _on_push(self) -> None:
        self._architecture.push(self._new_layer())
        self._refresh(select=len(self._architecture.layers) - 1)

    def _on_insert(self) -> None:
        index = self.selected() or 0
        self._architecture.insert(index, self._new_layer())
        self._refresh(select=index)

    def _on_pop(self) -> None:
        self._architecture.pop()
        self._refresh(select=len(self._architecture.layers) - 1)

    def _on_remove(self) -> None:
        index = self.selected()
        self._architecture.remove(index)
        self._refresh(select=min(index, len(self._architecture.layers) - 1))

    def _move(self, step: int) -> None:
        index = self.selected()
        self._architecture.move(index, index + step)
        self._refresh(select=index + step)

    def _on_up(self) -> None:
        self._move(-1)

    def _on_down(self) -> None:
        self._move(1)

    def _on_preset(self, index: int) -> None:
        if index > 0:
            self.set_architecture(PRESETS[self.presets.itemText(index)]())
            self.presets.setCurrentIndex(0)

    # Files
    def save_json(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save architecture", f"{self._architecture.name}.json", "Architecture (*.json)"
        )
        if not path:
            return
        try:
            atomic_write(path, (self._architecture.to_json() + "\n").encode("utf-8"))
        except OSError as error:
            QMessageBox.warning(self, "Cannot save the architecture", f"{path}:\n{error}")

    def load_json(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Load architecture", "", "Architecture (*.json);;All files (*)"
        )
        if not path:
            return
        try:  # regular files only, size-capped: a FIFO or /dev/zero cannot hang the editor
            architecture = spec.Architecture.from_file(path)
        except spec.ArchitectureError as error:
            QMessageBox.warning(self, "Cannot load the architecture", str(error))
            return
        self.set_architecture(architecture)

    # Showing
    def _refresh(self, select: int | None = None) -> None:
        """Re-analyse and redraw every row; ``select`` a row (which rebuilds the form)."""
        layers = self._architecture.layers
        self.analysis = self._architecture.analyse()
        infos = self.analysis.layers
        bad = self.error_row()
        error = self.analysis.error
        self.table.blockSignals(True)  # the selection is set below, once
        self.table.setRowCount(len(layers))
        for i, layer in enumerate(layers):
            known = i < len(infos)
            cells = [
                str(i),
                describe_layer(layer),
                " × ".join(f"{n:,}" for n in infos[i].out_shape) if known else "—",
                f"{infos[i].params:,}" if known else "—",
                error.reason if i == bad else "",
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in (OUTPUT, PARAMS):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                item.setToolTip(text)
                if i == bad:
                    item.setBackground(ERROR_COLOR)
                self.table.setItem(i, column, item)
        self.table.resizeColumnsToContents()
        self.table.blockSignals(False)
        if select is not None and 0 <= select < len(layers):
            self.table.selectRow(select)
        self._on_selection()
        if error is None:
            self.status.setText(f"{self.analysis.params:,} parameters: ready to train.")
            self.status.setStyleSheet("")
        else:
            self.status.setText(f"Impossible network, {error}")
            self.status.setStyleSheet("color: #b00020")
        for button in (QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Apply):
            self.box.button(button).setEnabled(error is None)
        self.changed.emit(self.architecture())

    def _on_selection(self) -> None:
        index = self.selected()
        count = len(self._architecture.layers)
        layer = self._architecture.layers[index] if index is not None else None
        if layer is not self.form.layer:
            form = LayerForm(layer)
            form.changed.connect(self._refresh)  # keeps the selection and this form
            self.settings.layout().replaceWidget(self.form, form)
            self.form.deleteLater()
            self.form = form
        kind = "" if layer is None else f"layer {index}: {layer.kind}"
        self.settings.setTitle(f"settings of {kind}" if kind else "settings")
        self.buttons["pop"].setEnabled(count > 0)
        for name in ("remove", "up", "down"):
            self.buttons[name].setEnabled(index is not None)
        self.buttons["up"].setEnabled(bool(index))
        self.buttons["down"].setEnabled(index is not None and index < count - 1)

    def _on_apply(self) -> None:
        self.apply_requested.emit(self.architecture(), False)

    def _on_ok(self) -> None:
        self.apply_requested.emit(self.architecture(), True)
