"""Explain mode: a click on a value asks the Session to explain it; the Session's explanation
is shown in the Explain dock and outlined on the maps, and the step-through walks its layer."""

from __future__ import annotations

from convlens.engine import explain as ex
from convlens.gui.session import Session
from convlens.gui.throttle import Throttle
from convlens.gui.views.explain_marks import ExplainMarks
from convlens.gui.views.explain_view import ExplainView
from PySide6.QtCore import QObject

# A big conv explanation (16 channels of patch, kernel and products) takes ~20 ms to refill;
# while drawing it follows at this pace, the maps at the canvas's.
EXPLAIN_INTERVAL_MS = 150


class ExplainController(QObject):
    """Between the Session's explanation and the views that show it."""

    def __init__(self, session: Session, view: ExplainView, marks: ExplainMarks, parent=None):
        super().__init__(parent)
        self._session = session
        self._view = view
        self._marks = marks
        self._fill: tuple[int, int, int] | None = None  # layer, map, cell of a step-through
        self._throttle = Throttle(EXPLAIN_INTERVAL_MS, self._refresh, self)
        session.explanation_changed.connect(self._throttle.request)
        session.trace_changed.connect(self._on_trace_changed)
        session.model_changed.connect(self.flush)  # the outlines go on the new panels at once
        view.step_changed.connect(self._on_step)

    def map_clicked(self, layer: int, channel: int, row: int, col: int) -> None:
        """A click on a map value (vectors: the view says (0, 0, unit))."""
        if len(self._session.shown_model.infos[layer].out_shape) == 1:
            channel, row, col = col, 0, 0
        self._session.explain_at(layer, channel, row, col)
        self.flush()

    def explain_softmax(self) -> None:
        self._session.explain_softmax()
        self.flush()

    def dock_toggled(self, shown: bool) -> None:
        if not shown:  # closing the panel ends explain mode: no outlines left on the maps
            self._session.clear_explanation()
            self.flush()

    def flush(self) -> None:
        """Show the Session's explanation now (it otherwise follows within ~150 ms)."""
        self._throttle.request()
        self._throttle.flush()

    def _on_trace_changed(self) -> None:
        self._fill = None  # the maps were all redrawn in full

    def _on_step(self, layer: int, channel: int, step: ex.Step) -> None:
        """Fill the output map up to this cell, and move the outlines to its window."""
        self._fill = (layer, channel, step.index)
        self._session.explain_at(layer, channel, step.row, step.col)
        self.flush()

    def _refresh(self) -> None:
        e = self._session.explanation
        steps, position = [], -1
        if isinstance(e, ex.ConvExplanation | ex.PoolExplanation):
            info = self._session.shown_model.infos[e.layer_index]
            steps = ex.step_through(info)
            position = e.row * info.out_shape[2] + e.col
        self._view.show_explanation(e, steps, position)
        self._marks.show(e)
        if (
            e is not None
            and self._fill is not None
            and self._fill[:2]
            == (
                e.layer_index,
                getattr(e, "channel", None),
            )
        ):
            self._marks.fill_until(*self._fill)
