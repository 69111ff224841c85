"""The curves of every run: loss and accuracy, training and validation, one colour per run.

A run's reports are kept as columns (engine.history.curves' names), so a live run, a run read
from a model file and a run another feature adds are drawn the same way. The legend beside the
plots names the line styles; the run list names the colours and shows or hides each run. The
axes follow the newest run shown, so an earlier diverged run never squashes a later one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from convlens.gui.views.repaint import repaint_in_one_rect
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontMetrics, QIcon, QPixmap, QPixmapCache
from PySide6.QtWidgets import QGraphicsItem, QListWidget, QListWidgetItem

# Column -> (plot, line style, legend text). Colours say which run; styles which curve.
LINES = {
    "data_loss": ("loss", Qt.PenStyle.SolidLine, "training (running mean)"),
    "val_loss": ("loss", Qt.PenStyle.DashLine, "validation"),
    "reg_loss": ("loss", Qt.PenStyle.DotLine, "regularization term"),
    "accuracy": ("accuracy", Qt.PenStyle.SolidLine, "training (running mean)"),
    "val_accuracy": ("accuracy", Qt.PenStyle.DashLine, "validation"),
}
X_AXES = {"seen": "images seen", "global_step": "steps"}
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
HEADROOM = 1.1  # the loss axis ends this much above the highest point of the run it follows
# The finished runs' curves are drawn from pixmaps, kept in Qt's pixmap cache (10 MB unless
# raised): 0.5-0.7 MB a run from random weights in the Training dock of a 1920x1080 screen,
# so room for ~100 runs. Beyond that they are drawn again at every paint, as a live run is.
PIXMAP_CACHE_KB = 64 * 1024


@dataclass
class RunCurves:
    """One run in the plots: its columns, its curve items and its row in the run list."""

    label: str
    color: str
    columns: dict[str, list] = field(default_factory=dict)
    items: dict[str, pg.PlotCurveItem | pg.PlotDataItem] = field(default_factory=dict)
    drawn: dict[str, tuple[str, int]] = field(default_factory=dict)  # key -> x axis, points
    row: QListWidgetItem | None = None
    planned: dict[str, float] = field(default_factory=dict)  # x axis -> where the run will end

    def visible(self) -> bool:
        return self.row is not None and self.row.checkState() == Qt.CheckState.Checked

    def extent(self, axis: str) -> float:
        """Where the run ends (or, while it runs, will end) on ``axis``."""
        done = max((v for v in self.columns.get(axis, []) if v is not None), default=0)
        return max(done, self.planned.get(axis, 0))

    def loss_top(self) -> float:
        """The highest finite loss the run reported (0 if none)."""
        values = [
            v
            for key in ("data_loss", "val_loss", "reg_loss")
            for v in self.columns.get(key, [])
            if v is not None and math.isfinite(v)
        ]
        return max(values, default=0.0)


def _series(values: list) -> np.ndarray:
    """A column as floats, None and non-finite values as NaN (left out of the line)."""
    array = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    array[~np.isfinite(array)] = np.nan
    return array


def _swatch(color: str) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


class RunCurvesView(pg.GraphicsLayoutWidget):
    """Passive: ``start_live``, ``extend_live``, ``add_run``; the run list is ``run_list``."""

    def __init__(self, parent=None):
        super().__init__(parent)
        repaint_in_one_rect(self)
        self.setBackground("w")
        self.plots = {
            "loss": self.addPlot(row=0, col=0),
            "accuracy": self.addPlot(row=0, col=1),
        }
        for name, plot in self.plots.items():
            plot.setLabel("left", name)  # not a title: on a laptop every row of pixels counts
            plot.setMenuEnabled(False)
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.disableAutoRange()
            for side in ("left", "bottom"):  # redrawn from a cache, not at every new point
                plot.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            # Room for the widest tick label, fixed: new labels ("0.005" -> "0.01") resized
            # the plot in its paint, which then painted it all two or three times (~90 ms).
            left = plot.getAxis("left")
            left.setWidth(QFontMetrics(left.font()).horizontalAdvance("0.0005") + 10)
            left.enableAutoSIPrefix(False)  # "0.005", not "5" under "loss (x0.001)" (cut short)
        self.plots["loss"].setYRange(0, 2.5, padding=0)
        self.plots["accuracy"].setYRange(0, 1, padding=0.02)
        # outside the plots, one row under both: a line style means the same in each
        self.legend = pg.LegendItem(colCount=3)
        self.addItem(self.legend, row=1, col=0, colspan=2)
        for style, text in {style: text for _, style, text in LINES.values()}.items():
            sample = pg.PlotDataItem(pen=pg.mkPen("#444", width=2, style=style))
            self.legend.addItem(sample, text)
        self.run_list = QListWidget()
        self.run_list.setWordWrap(True)  # a run's name is long: wrapped, never cut
        self.run_list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.run_list.setToolTip("Every run since the app started: tick to show, untick to hide")
        self.run_list.itemChanged.connect(self._on_item_changed)
        self.runs: list[RunCurves] = []
        self.live: RunCurves | None = None
        QPixmapCache.setCacheLimit(max(QPixmapCache.cacheLimit(), PIXMAP_CACHE_KB))
        self.x_axis = "seen"
        self.set_x_axis("seen")

    def set_stacked(self, stacked: bool) -> None:
        """Loss above accuracy, the legend in two columns under both (a narrow panel), or
        side by side over a legend in one row."""
        layout = self.ci
        accuracy = self.plots["accuracy"]
        for item in (accuracy, self.legend):
            layout.removeItem(item)
        layout.addItem(accuracy, row=1 if stacked else 0, col=0 if stacked else 1)
        layout.addItem(self.legend, row=2 if stacked else 1, col=0, colspan=1 if stacked else 2)
        self.legend.setColumnCount(2 if stacked else 3)

    # --- runs ------------------------------------------------------------------------------
    def add_run(self, label: str, columns: dict[str, list] | None = None) -> RunCurves:
        """A run with these curves (engine.history.curves' columns; more may follow with
        ``extend_live``), shown, and listed with its colour; the axes then follow it."""
        run = RunCurves(label, COLORS[len(self.runs) % len(COLORS)])
        run.columns = {key: list(values) for key, values in (columns or {}).items()}
        row = QListWidgetItem(_swatch(run.color), label)
        row.setToolTip(label)
        row.setFlags(row.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        row.setCheckState(Qt.CheckState.Checked)
        self.run_list.blockSignals(True)  # no toggle for a run not yet in self.runs
        self.run_list.addItem(row)
        self.run_list.blockSignals(False)
        run.row = row
        self.runs.append(run)
        self._draw(run)
        self.rescale()
        return run

    def start_live(self, label: str) -> RunCurves:
        """The run that starts now: empty curves, extended by ``extend_live``."""
        self.live = self.add_run(label)
        return self.live

    def extend_live(self, report: dict, planned: dict[str, float]) -> None:
        """One more report of the live run (a dict of column values); ``planned``: where the
        run will end on each x axis, so the x range is set once, not at every point."""
        run = self.live
        if run is None:
            return
        for key, value in report.items():
            run.columns.setdefault(key, []).append(value)
        run.planned = planned
        self._draw(run)
        top = run.loss_top() * HEADROOM
        if top > self._loss_end() or run.extent(self.x_axis) > self._x_end():
            self.rescale(grow=len(run.columns[self.x_axis]) > 1)  # fitted to its points

    def end_live(self, note: str = "") -> None:
        """The live run ended; ``note`` ('stopped early', 'diverged') joins its label."""
        run, self.live = self.live, None
        if run is not None:
            if note:
                run.label = f"{run.label}, {note}"
                run.row.setText(run.label)
                run.row.setToolTip(run.label)
            run.planned = {}
            for item in run.items.values():
                _keep_drawn(item)
            self.rescale(grow=True)  # the axis that held the run holds it still

    def set_visible(self, run: RunCurves, visible: bool) -> None:
        run.row.setCheckState(Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)

    def labels(self) -> list[str]:
        return [run.label for run in self.runs]

    def _on_item_changed(self, row: QListWidgetItem) -> None:
        for run in self.runs:
            if run.row is row:
                for item in run.items.values():
                    item.setVisible(run.visible())
        self.rescale()

    # --- axes ------------------------------------------------------------------------------
    def set_x_axis(self, axis: str) -> None:
        """'seen' (images seen) or 'global_step' (steps): runs of any length compare."""
        self.x_axis = axis
        for plot in self.plots.values():
            plot.setLabel("bottom", X_AXES[axis])
        for run in self.runs:
            self._draw(run)
        self.rescale()

    def followed(self) -> RunCurves | None:
        """The run the axes follow: the live one, else the newest shown."""
        if self.live is not None and self.live.visible():
            return self.live
        shown = [run for run in self.runs if run.visible()]
        return shown[-1] if shown else None

    def rescale(self, grow: bool = False) -> None:
        """x: the longest run shown; loss: from 0 to just above the followed run's highest.
        ``grow``: the live run's loss outgrew its axis, fitted to the run's earlier points,
        which then at least doubles. A run
        from trained weights starts near 0 and creeps up, and each new range redraws the
        axis (~30 ms of the window's time): a few times per run, not at every report."""
        end = max((run.extent(self.x_axis) for run in self.runs if run.visible()), default=0)
        for plot in self.plots.values():
            plot.setXRange(0, end or 1, padding=0.02)
        followed = self.followed()
        top = followed.loss_top() if followed is not None else 0.0
        loss_end = top * HEADROOM if top > 0 else 2.5
        if grow:  # under a live run the axis never shrinks; outgrown, it at least doubles
            current = self._loss_end()
            loss_end = current if loss_end <= current else max(loss_end, 2 * current)
        self.plots["loss"].setYRange(0, loss_end, padding=0)

    def _x_end(self) -> float:
        return self.plots["loss"].viewRange()[0][1]

    def _loss_end(self) -> float:
        return self.plots["loss"].viewRange()[1][1]

    def _draw(self, run: RunCurves) -> None:
        """Each curve of ``run`` that has points: made with its first (a run without
        validation or regularization has no such curves), redrawn only when its points
        change (a validation curve gets one now and then; setData is a report's main cost)."""
        x = _series(run.columns.get(self.x_axis, []))
        for key in LINES:
            y = _series(run.columns.get(key, []))
            if len(y) != len(x):  # a column the run does not have (an older file)
                y = np.full(len(x), np.nan)
            if key.startswith("val_"):  # measured a few times an epoch: only those points
                kept = ~np.isnan(y)
                x_shown, y_shown = x[kept], y[kept]
            else:
                x_shown, y_shown = x, y
            drawn = (self.x_axis, len(x_shown))
            if run.drawn.get(key) == drawn or (key not in run.items and np.isnan(y).all()):
                continue
            if key not in run.items:
                run.items[key] = self._curve(run, key)
            run.items[key].setData(x_shown, y_shown)
            run.drawn[key] = drawn

    def _curve(self, run: RunCurves, key: str) -> pg.PlotCurveItem | pg.PlotDataItem:
        """The item that draws column ``key`` of ``run``: a plain curve, or (validation: a
        few points) a PlotDataItem that marks each point too."""
        plot, style, _ = LINES[key]
        pen = pg.mkPen(run.color, width=2 if style == Qt.PenStyle.SolidLine else 1.5)
        pen.setStyle(style)
        if key.startswith("val_"):
            item = pg.PlotDataItem(
                pen=pen, symbol="o", symbolSize=5, symbolPen=run.color,
                symbolBrush=run.color, connect="finite",
            )  # fmt: skip
        else:  # a tenth of a PlotDataItem's cost to make and to update
            item = pg.PlotCurveItem(pen=pen, connect="finite")
        item.setVisible(run.visible())
        if run is not self.live:
            _keep_drawn(item)
        self.plots[plot].addItem(item)
        return item


def _keep_drawn(item: pg.PlotCurveItem | pg.PlotDataItem) -> None:
    """Draw a finished run's curve from a pixmap, made again only when the axes change: a
    live run's new point repainted every earlier run's curves under it too (14 ms a report
    with 8 runs shown, against 4 ms with one)."""
    parts = (item.curve, item.scatter) if isinstance(item, pg.PlotDataItem) else (item,)
    for part in parts:
        part.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
