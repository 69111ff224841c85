"""How every pyqtgraph view of the app repaints: one rectangle around what changed."""

from __future__ import annotations

from PySide6.QtWidgets import QGraphicsView


def repaint_in_one_rect(view: QGraphicsView) -> QGraphicsView:
    """Make ``view`` repaint the bounding rectangle of its changed items, in one pass.

    pyqtgraph asks for MinimalViewportUpdate, the exact region. A stroke changes every
    picture at once, and the overview's region came to ~100 rectangles. The raster engine
    clips and paints each separately: 3.8 ms, where its one bounding rectangle, nearly the
    whole view, takes 1.2 ms (a detail grid: 1.3 -> 0.8 ms).
    """
    view.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.BoundingRectViewportUpdate)
    return view
