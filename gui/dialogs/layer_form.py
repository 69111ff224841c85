"""Editors for every setting of one layer spec (spinboxes and combos), for the architecture editor.

The form edits the spec in place and says ``changed``; it shows impossible values as they are
where it can (a 0 stride, an unknown pooling op) so that the editor can explain them.
"""

from __future__ import annotations

from convlens.engine import spec
from convlens.gui.dialogs.form_rows import row_of
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

MAX_SIZE = 64  # spinbox limit for sizes and strides: room to try one too large for its input
PADDINGS = ("valid", "same", "width")


def _whole(value) -> int:
    """A spinbox shows whole numbers only; anything else (from a JSON file) shows as 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class LayerForm(QWidget):
    """One row per hyperparameter of ``layer``; ``editors`` holds the widgets by setting name."""

    changed = Signal()

    def __init__(self, layer: spec.LayerSpec | None, parent=None):
        super().__init__(parent)
        self.layer = layer
        self.editors: dict[str, QWidget] = {}
        self.form = QFormLayout(self)
        if layer is None:
            self.form.addRow(QLabel("Select a layer to edit its settings."))
        elif isinstance(layer, spec.Conv):
            self._spin("filters", "filters", 1024, "kernels, and maps in the output")
            self._spin("size", "filter size", MAX_SIZE, "each kernel is size × size × input depth")
            self._spin("stride", "stride", MAX_SIZE, "step between kernel positions")
            self._padding()
        elif isinstance(layer, spec.Activation):
            self._combo("function", "function", spec.Activation.FUNCTIONS)
        elif isinstance(layer, spec.Pool):
            self._combo("op", "pooling", spec.Pool.OPS)
            self._spin("size", "window", MAX_SIZE, "the window is size × size")
            self._pool_stride()
        elif isinstance(layer, spec.Flatten):
            self._combo("order", "order", ("row", "column"))
        elif isinstance(layer, spec.Dense):
            self._spin("units", "units", 4096, "outputs of x W + b")
        elif isinstance(layer, spec.Dropout):
            rate = QDoubleSpinBox(decimals=2, singleStep=0.05, maximum=1.0)
            rate.setValue(layer.rate if isinstance(layer.rate, int | float) else 0.0)
            rate.setToolTip("share of inputs zeroed while training, at least 0 and below 1")
            rate.valueChanged.connect(lambda value: self._set("rate", value))
            self._add("rate", "rate", rate)
        else:
            self.form.addRow(QLabel("No settings: it learns a scale γ and a shift β per channel."))

    def _set(self, name: str, value) -> None:
        setattr(self.layer, name, value)
        self.changed.emit()

    def _add(self, name: str, label: str, widget: QWidget) -> None:
        self.editors[name] = widget
        self.form.addRow(label, widget)

    def _spin(self, name: str, label: str, maximum: int, tip: str) -> None:
        # The minimum is 0, not 1, so that a 0 read from a file shows and is explained.
        box = QSpinBox(maximum=maximum)
        box.setValue(_whole(getattr(self.layer, name)))
        box.setToolTip(tip)
        box.valueChanged.connect(lambda value: self._set(name, value))
        self._add(name, label, box)

    def _combo(self, name: str, label: str, options: tuple[str, ...]) -> None:
        box = QComboBox()
        box.addItems(options)
        current = str(getattr(self.layer, name))
        if current not in options:
            box.addItem(current)  # an unknown value from a file: shown, and marked as an error
        box.setCurrentText(current)
        box.currentTextChanged.connect(lambda value: self._set(name, value))
        self._add(name, label, box)

    def _padding(self) -> None:
        padding = self.layer.padding
        mode = QComboBox()
        mode.addItems(PADDINGS)
        mode.setToolTip("valid: none; same: keeps the size at stride 1; width: zeros on each side")
        width = QSpinBox(maximum=MAX_SIZE)
        width.setToolTip("zero rows and columns added on each side")
        mode.setCurrentText(padding if padding in PADDINGS[:2] else "width")
        width.setValue(_whole(padding))
        width.setEnabled(mode.currentText() == "width")

        def on_change(*_) -> None:
            width.setEnabled(mode.currentText() == "width")
            text = mode.currentText()
            self._set("padding", width.value() if text == "width" else text)

        mode.currentTextChanged.connect(on_change)
        width.valueChanged.connect(on_change)
        self.editors.update(padding=mode, padding_width=width)
        self.form.addRow("padding", row_of(mode, width))

    def _pool_stride(self) -> None:
        same = QCheckBox("= window")
        same.setToolTip("windows side by side, without overlap")
        box = QSpinBox(maximum=MAX_SIZE)
        same.setChecked(self.layer.stride is None)
        box.setValue(_whole(self.layer.step))
        box.setEnabled(self.layer.stride is not None)

        def on_change(*_) -> None:
            box.setEnabled(not same.isChecked())
            self._set("stride", None if same.isChecked() else box.value())

        same.toggled.connect(on_change)
        box.valueChanged.connect(on_change)
        self.editors.update(stride=box, stride_same=same)
        self.form.addRow("stride", row_of(same, box))
