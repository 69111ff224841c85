"""Explain mode's panel: how the clicked value was computed, and a step-through of its layer.

Wiring: ``set_source(model, trace)`` whenever the model or the traced image changes, then
``explain_at(layer, channel, row, col)`` from the feature-map view's ``map_clicked`` (or
``show_explanation(engine.explain.explain(...))``). ``step_changed(layer, channel, step)`` tells
the map view which cell the step-through reached (fill cells up to ``step.index``, outline
``step.field`` with ``gui.number_grid.field_item``).
"""

from __future__ import annotations

from convlens.engine import explain as ex
from convlens.engine.network import Network, Trace
from convlens.gui.explain_panels import Panel, panel_for
from convlens.gui.step_player import StepPlayer
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
        self.model: Network | None = None
        self.trace: Trace | None = None
        self.explanation: ex.Explanation | None = None
        self.panel: Panel | None = None
        self.where: tuple[int, int, int, int] | None = None  # explain_at's arguments, if used

        self.title = QLabel(PROMPT)
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.player = StepPlayer()
        self.player.step_changed.connect(self._on_step)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)  # a dock below the maps: every pixel of height counts
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.player)

    def set_source(self, model: Network | None, trace: Trace | None) -> None:
        """The model and traced image to explain; call it whenever either changes.

        A value chosen with ``explain_at`` is explained again from the new trace (so the numbers
        follow the drawing and the training); a different model object clears the view.
        """
        same_model = model is self.model
        self.model, self.trace = model, trace
        if self.where is None:
            return
        if not same_model or model is None or trace is None:
            self.clear()
        else:
            self._show(ex.explain(model, trace, *self.where))

    def explain_at(self, layer_index: int, channel: int, row: int = 0, col: int = 0) -> None:
        """Explain a value of the current source (see ``engine.explain.explain``)."""
        if self.model is None or self.trace is None:
            raise RuntimeError("set_source(model, trace) before explaining")
        self.show_explanation(ex.explain(self.model, self.trace, layer_index, channel, row, col))
        self.where = (layer_index, channel, row, col)

    def show_explanation(self, e: ex.Explanation) -> None:
        """Show ``e``; for a conv or pool value with a source, ready the step-through there."""
        self.where = None  # unknown until explain_at sets it
        self._show(e)
        steps, position = [], -1
        windowed = isinstance(e, ex.ConvExplanation | ex.PoolExplanation)
        if windowed and self.model is not None and self.trace is not None:
            info = self.model.infos[e.layer_index]
            steps = ex.step_through(info)
            position = e.row * info.out_shape[2] + e.col
        self.player.set_steps(steps, position)

    def clear(self) -> None:
        """Show nothing (the model changed, so the old position may not exist)."""
        self.explanation = self.panel = self.where = None
        self.title.setText(PROMPT)
        panel = self.scroll.takeWidget()
        if panel is not None:
            panel.deleteLater()
        self.player.set_steps([])

    def _show(self, e: ex.Explanation) -> None:
        self.explanation = e
        self.title.setText(title_of(e))
        key = (type(e), getattr(e, "layer_index", None), getattr(e, "channel", None))
        if self.panel is not None and getattr(self.panel, "key", None) == key:
            self.panel.set_explanation(e)  # same grids, new numbers: no flicker while playing
            return
        self.panel = panel_for(e)
        self.scroll.setWidget(self.panel)  # the scroll area deletes the previous panel

    def _on_step(self, step: ex.Step) -> None:
        e = self.explanation
        self.where = (e.layer_index, e.channel, step.row, step.col)
        self._show(ex.explain(self.model, self.trace, *self.where))
        self.step_changed.emit(e.layer_index, e.channel, step)
