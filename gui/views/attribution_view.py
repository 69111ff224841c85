"""The 'Why' dock: which pixels made the network say this digit, for the class and method the
user picks, laid over the input; a click on an occlusion map explains that pixel."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from convlens.gui.views.overlay_image import OverlayView
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

METHODS = {
    "saliency": "Saliency (d score / d ink)",
    "gradient_x_input": "Gradient × input",
    "gradcam": "Grad-CAM",
    "occlusion": "Occlusion",
}
READING = {
    "saliency": "Red: more ink there would raise the score of {digit}; blue: lower it.",
    "gradient_x_input": "Red: this ink raises the score of {digit}; blue: it lowers it.",
    "gradcam": "Red: where layer {layer}'s maps speak for {digit}.",
    "occlusion": "Red: covering a {size}×{size} patch here lowers p({digit}); blue: raises "
    "it. Click a pixel to see by how much.",
}


@dataclass(frozen=True)
class WhyChoice:
    """What the user asks to see explained."""

    target: int | None  # the digit; None: the predicted one
    method: str  # a key of METHODS
    layer: int | None  # Grad-CAM's layer (None: the last conv)
    size: int  # occlusion's patch side
    stride: int  # occlusion's step between patches


class AttributionView(QWidget):
    """Pickers above, the map over the input below; ``choice_changed`` when a picker moves,
    ``pixel_clicked(row, col)`` on a click in the map."""

    choice_changed = Signal()
    pixel_clicked = Signal(int, int)
    hovered = Signal(str)
    nudge_clicked = Signal()
    embedding_clicked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.target = QComboBox()
        self.target.addItem("the predicted digit", None)
        for digit in range(10):
            self.target.addItem(str(digit), digit)
        self.method = QComboBox()
        for key, text in METHODS.items():
            self.method.addItem(text, key)
        self.layer = QComboBox()
        self.layer.setToolTip("The conv layer whose maps Grad-CAM weighs")
        self.size = QSpinBox()
        self.size.setRange(1, 28)
        self.size.setValue(4)
        self.size.setSuffix(" px")
        self.stride = QSpinBox()
        self.stride.setRange(1, 28)
        self.stride.setValue(2)
        self.stride.setSuffix(" px")
        form = QFormLayout()
        form.addRow("Explain", self.target)
        form.addRow("Method", self.method)
        form.addRow("Layer", self.layer)
        patch = QHBoxLayout()
        patch.addWidget(self.size)
        patch.addWidget(QLabel("stride"))
        patch.addWidget(self.stride)
        form.addRow("Patch", patch)
        self.map = OverlayView("attribution")
        self.map.setMinimumSize(220, 110)
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.point = QLabel("")
        self.point.setWordWrap(True)
        self.point.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.nudge_button = QPushButton("Make it a…")
        self.nudge_button.setToolTip("Nudge the drawing towards another digit, a little")
        self.embedding_button = QPushButton("Embedding")
        self.embedding_button.setToolTip("Where this drawing lies among the test digits")
        buttons = QHBoxLayout()
        buttons.addWidget(self.nudge_button)
        buttons.addWidget(self.embedding_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.map, 1)
        layout.addWidget(self.caption)
        layout.addWidget(self.point)
        layout.addLayout(buttons)
        for box in (self.target, self.method, self.layer):
            box.currentIndexChanged.connect(self._on_changed)
        for spin in (self.size, self.stride):
            spin.valueChanged.connect(self._on_changed)
        self.map.clicked.connect(self.pixel_clicked)
        self.map.hovered.connect(self._on_hovered)
        self.nudge_button.clicked.connect(self.nudge_clicked)
        self.embedding_button.clicked.connect(self.embedding_clicked)
        self._show_options()

    def choice(self) -> WhyChoice:
        return WhyChoice(
            self.target.currentData(),
            self.method.currentData(),
            self.layer.currentData(),
            self.size.value(),
            self.stride.value(),
        )

    def set_conv_layers(self, layers: list[tuple[int, str]]) -> None:
        """Grad-CAM's choices, (index, name) each; the last one is chosen."""
        self.layer.blockSignals(True)
        self.layer.clear()
        for index, name in layers:
            self.layer.addItem(f"{index}: {name}", index)
        self.layer.setCurrentIndex(len(layers) - 1)
        self.layer.blockSignals(False)
        self._show_options()

    def set_predicted(self, digit: int | None) -> None:
        text = "the predicted digit" if digit is None else f"the predicted digit ({digit})"
        self.target.setItemText(0, text)

    def show_map(self, image, values: np.ndarray | None, method: str, digit, layer=None) -> None:
        """The input's ink and ``values`` over it (None: nothing to explain, or computing)."""
        self.map.set_ink(image)
        self.map.show_map(values)
        if values is None:
            self.caption.setText("Draw a digit to see why the network reads it so.")
        elif method == "gradcam" and not values.any():
            self.caption.setText(
                f"Grad-CAM is 0 everywhere: no map of layer {layer} speaks for {digit} "
                "(it keeps only the positive part)."
            )
        else:
            size = self.size.value()
            self.caption.setText(READING[method].format(digit=digit, layer=layer, size=size))
        self.point.setText("")

    def show_busy(self, text: str) -> None:
        self.caption.setText(text)

    def show_point(self, text: str) -> None:
        self.point.setText(text)

    def _show_options(self) -> None:
        method = self.method.currentData()
        self.layer.setEnabled(method == "gradcam" and self.layer.count() > 0)
        self.size.setEnabled(method == "occlusion")
        self.stride.setEnabled(method == "occlusion")

    def _on_changed(self, *_args) -> None:
        self._show_options()
        self.choice_changed.emit()

    def _on_hovered(self, row: int, col: int, value: float) -> None:
        if not np.isnan(value):
            self.hovered.emit(f"Why · row {row}, column {col}: {value:.4g}")
