"""Explain mode's panel: how the chosen value was computed, and a step-through of its layer.

Passive: ``show_explanation(e, steps, position)`` shows an engine explanation (None: the
prompt); ``step_changed(layer, channel, step)`` asks for the explanation of the cell the
step-through reached, which then comes back through ``show_explanation``.
"""

from __future__ import annotations

from convlens.engine import explain as ex
from convlens.gui.views.explain_panels import Panel, panel_for
from convlens.gui.views.resize_watch import on_resize
from convlens.gui.views.step_player import StepPlayer
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

PROMPT = (
    "Click a value in a feature map to see how it was computed, or the probability bars "
    "for the softmax. Double-click a map to enlarge it."
)


def title_of(e: ex.Explanation) -> str:
    """A one-line heading: which layer, which value."""
    if isinstance(e, ex.SoftmaxExplanation):
        return (
            f"Softmax: the 10 digits' probabilities (the network says {e.probabilities.argmax()})"
        )
    if isinstance(e, ex.ConvExplanation):
        return (
            f"Layer {e.layer_index}, convolution: filter {e.channel} at row {e.row}, column {e.col}"
        )
    if isinstance(e, ex.PoolExplanation):
        return (
            f"Layer {e.layer_index}, {e.op} pooling: map {e.channel} at row {e.row}, column {e.col}"
        )
    if isinstance(e, ex.FlattenExplanation):
        return f"Layer {e.layer_index}, flatten: element {e.index} of the vector"
    if isinstance(e, ex.DenseExplanation):
        return f"Layer {e.layer_index}, dense: unit {e.unit} of {e.n_out}"
    kind = {
        ex.ActivationExplanation: "activation",
        ex.BatchNormExplanation: "batch norm",
        ex.DropoutExplanation: "dropout",
    }[type(e)]
    where = ", ".join(str(i) for i in e.position)
    return f"Layer {e.layer_index}, {kind}: value at ({where})"


class ExplainView(QWidget):
    """Shows one explanation at a time; conv and pool values can be played cell by cell."""

    step_changed = Signal(int, int, object)  # layer index, channel, engine.explain.Step

    def __init__(self, parent=None):
        super().__init__(parent)
        self.explanation: ex.Explanation | None = None
        self.panel: Panel | None = None

        self.title = QLabel(PROMPT)
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        on_resize(self.scroll.viewport(), self._wrap_lines)  # its width: where lines wrap
        self.player = StepPlayer()
        self.player.step_changed.connect(self._on_step)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)  # a dock below the maps: every pixel of height counts
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.player)

    def show_explanation(
        self, e: ex.Explanation | None, steps: list[ex.Step] = (), position: int = -1
    ) -> None:
        """Show ``e`` (None: the prompt). ``steps`` are its layer's cells for the step-through
        (conv and pool), ``position`` the index of ``e``'s own cell among them. The same
        value's layer and channel again (a new drawing, a step) keeps the player going."""
        if e is None:
            self.clear()
            return
        same = self._key(e) == self._key(self.explanation)
        self.explanation = e
        self.title.setText(title_of(e))
        if same and hasattr(self.panel, "set_explanation"):
            self.panel.set_explanation(e)  # same grids, new numbers: no flicker while playing
        else:
            self.panel = panel_for(e)
            self.scroll.setWidget(self.panel)  # the scroll area deletes the previous panel
            self._wrap_lines()
        if not same or len(steps) != len(self.player.steps):
            self.player.set_steps(list(steps), position)
        else:
            self.player.position = position
            self.player.show_counter()

    def clear(self) -> None:
        """Show the prompt and nothing else."""
        self.explanation = self.panel = None
        self.title.setText(PROMPT)
        panel = self.scroll.takeWidget()
        if panel is not None:
            panel.deleteLater()
        self.player.set_steps([])

    def _wrap_lines(self) -> None:
        """The equations wrap at the width in sight, while the grids below them may scroll
        sideways: the panel is as wide as its grids (a conv's four 5x5 grids, ~600 px), and
        its lines wrapped at that width were cut by a laptop's Explain dock (~330 px)."""
        if self.panel is None:
            return
        margins = self.panel.box.contentsMargins()
        width = self.scroll.viewport().width() - margins.left() - margins.right()
        for label in self.panel.lines:
            label.setMaximumWidth(max(width, 100))

    @staticmethod
    def _key(e: ex.Explanation | None):
        if e is None:
            return None
        return (type(e), getattr(e, "layer_index", None), getattr(e, "channel", None))

    def _on_step(self, step: ex.Step) -> None:
        e = self.explanation
        self.step_changed.emit(e.layer_index, e.channel, step)
