"""One panel per kind of explanation; ``panel_for`` builds the right one.

Every panel keeps what it shows where a test can read it: ``grids`` (NumberGrids by role),
``lines`` (the equations, as QLabels) and, for dense and softmax, ``table``.
"""

from __future__ import annotations

from convlens.engine import explain as ex
from convlens.engine.choices import ACTIVATIONS
from convlens.engine.network import MNIST_MEAN, MNIST_STD
from convlens.gui.views.number_grid import NumberGrid, fmt
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


def _label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


def _activation_text(a: ex.ActivationExplanation) -> str:
    return (
        f"{ACTIVATIONS[a.function]}: f(x) = {a.formula}; f({fmt(a.input)}) = <b>{fmt(a.output)}</b>"
    )


def _window_text(field: ex.Field, source: str) -> str:
    last = field.size - 1
    text = (
        f"window: rows {field.top}…{field.top + last}, columns {field.left}…{field.left + last} "
        f"of {source}, stride {field.stride}"
    )
    if any(field.padding):
        left, right, top, bottom = field.padding
        text += (
            f"; zero padding left {left}, right {right}, top {top}, bottom {bottom} "
            "(hatched cells are padding zeros)"
        )
    return text


class Panel(QWidget):
    """Equations as lines of text above optional extra widgets."""

    def __init__(self, lines: list[str] = (), parent=None):
        super().__init__(parent)
        self.grids: dict[str, list[NumberGrid]] = {}
        self.table: QTableWidget | None = None
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(4, 4, 4, 4)
        self.box.setSpacing(4)
        self.lines = [_label(text) for text in lines]
        for label in self.lines:
            self.box.addWidget(label)
        self.box.addStretch(1)

    def add(self, widget: QWidget) -> None:
        self.box.insertWidget(self.box.count() - 1, widget, 0, Qt.AlignmentFlag.AlignLeft)


class ConvPanel(Panel):
    """Per input channel: patch x kernel = products, their sum; then + bias and the activation.

    ``set_explanation`` refills the same grids, so a step-through does not rebuild widgets.
    """

    def __init__(self, e: ex.ConvExplanation, parent=None):
        super().__init__(["", "", "", ""], parent)
        self.key = (type(e), e.layer_index, e.channel)
        self.grids = {"ink": [], "patch": [], "kernel": [], "products": []}
        roles = (["ink"] if e.ink is not None else []) + ["patch", "kernel", "products"]
        table = QWidget()
        grid = QGridLayout(table)
        grid.setHorizontalSpacing(6)
        headers = {"ink": "ink", "patch": "input patch", "kernel": "kernel", "products": "products"}
        if e.ink is not None:
            headers["patch"] = "standardised"
        ops = {"ink": "→", "patch": "×", "kernel": "=", "products": "Σ"}
        grid.addWidget(QLabel("channel"), 0, 0)
        for c in range(len(e.patch)):
            grid.addWidget(QLabel(str(c)), c + 1, 0)
        for j, role in enumerate(roles):
            grid.addWidget(QLabel(headers[role]), 0, 2 * j + 1)
            for c in range(len(e.patch)):
                values = e.ink if role == "ink" else getattr(e, role)[c]
                number_grid = NumberGrid(values, None if role == "kernel" else e.padded)
                self.grids[role].append(number_grid)
                grid.addWidget(number_grid, c + 1, 2 * j + 1)
                grid.addWidget(QLabel(ops[role]), c + 1, 2 * j + 2)
        grid.addWidget(QLabel("sum"), 0, 2 * len(roles) + 1)
        self.sums = [_label() for _ in e.patch]
        for c, label in enumerate(self.sums):
            grid.addWidget(label, c + 1, 2 * len(roles) + 1)
        grid.setColumnStretch(2 * len(roles) + 2, 1)
        self.add(table)  # below the result: the sum, the bias, the activation come first
        self.set_explanation(e)

    def set_explanation(self, e: ex.ConvExplanation) -> None:
        for role, grids in self.grids.items():
            for c, number_grid in enumerate(grids):
                values = e.ink if role == "ink" else getattr(e, role)[c]
                number_grid.set_values(values, None if role == "kernel" else e.padded)
        for label, value in zip(self.sums, e.channel_sums, strict=True):
            label.setText(fmt(value))
        channels = len(e.channel_sums)
        summed = "the products" if channels == 1 else f"the {channels} channel sums"
        self.lines[0].setText(
            f"Σ of {summed} = {fmt(e.channel_sums.sum())}; + bias {fmt(e.bias)} "
            f"= <b>{fmt(e.total)}</b>, the pre-activation value"
        )
        self.lines[1].setText("" if e.activation is None else _activation_text(e.activation))
        self.lines[2].setText(_window_text(e.field, e.source))
        self.lines[3].setText(
            f"The network first standardises the ink: (ink − {MNIST_MEAN}) / {MNIST_STD}."
            if e.ink is not None
            else ""
        )
        for label in self.lines:
            label.setVisible(bool(label.text()))


class PoolPanel(Panel):
    """The window on the input map, the winning cell highlighted, and the op's result."""

    def __init__(self, e: ex.PoolExplanation, parent=None):
        super().__init__(["", ""], parent)
        self.key = (type(e), e.layer_index, e.channel)
        self.grids = {"window": [NumberGrid(e.values)]}
        self.add(self.grids["window"][0])  # below the result
        self.set_explanation(e)

    def set_explanation(self, e: ex.PoolExplanation) -> None:
        self.grids["window"][0].set_values(e.values, highlight=e.chosen)
        n = e.values.size
        how = {"max": "the largest", "min": "the smallest", "average": "the mean", "sum": "the sum"}
        self.lines[0].setText(
            f"{e.op} pooling: {how[e.op]} of the {n} values = <b>{fmt(e.result)}</b>"
        )
        self.lines[1].setText(_window_text(e.field, e.source))


def _flatten_panel(e: ex.FlattenExplanation) -> Panel:
    c, h, w = e.shape
    lines = [
        f"map {e.channel}, row {e.row}, column {e.col} of the {c}×{h}×{w} maps lands at "
        f"<b>x[{e.index}]</b> ({e.order}-major order)",
        f"row-major: {e.channel}·{h}·{w} + {e.row}·{w} + {e.col} = {e.row_major_index}",
        f"column-major: {e.channel}·{h}·{w} + {e.col}·{h} + {e.row} = {e.column_major_index}",
    ]
    if e.input is not None:
        lines.append(f"value {fmt(e.input)}, unchanged")
    panel = Panel(lines)
    row = QWidget()
    box = QHBoxLayout(row)
    for order in ("row", "column"):
        mapping = ex.flatten_mapping(e.shape, order)[e.channel]
        number_grid = NumberGrid(mapping, highlight=(e.row, e.col), integers=True)
        panel.grids[order] = [number_grid]
        box.addWidget(QLabel(f"{order}-major\nindices of\nmap {e.channel}"))
        box.addWidget(number_grid)
    box.addStretch(1)
    panel.add(row)
    return panel


def _table(headers: list[str], rows: list[list]) -> QTableWidget:
    """Text cells as given, numbers with 3 significant digits (full value in the tooltip)."""
    table = QTableWidget(len(rows), len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem(value if isinstance(value, str) else fmt(value))
            if not isinstance(value, str):
                item.setToolTip(repr(float(value)))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
    return table


def _dense_panel(e: ex.DenseExplanation) -> Panel:
    panel = Panel(
        [
            f"x (1×{e.n_in}) · W ({e.n_in}×{e.n_out}) + b ({e.n_out}) → unit {e.unit}: "
            f"Σ x<sub>i</sub>·W<sub>i,{e.unit}</sub> + b<sub>{e.unit}</sub> "
            f"= <b>{fmt(e.total)}</b>",
            f"x comes from {e.source}; the largest contributions first",
        ]
    )
    rows = [
        [name, e.x[i], e.weights[i], e.contributions[i]]
        for i, name in zip(e.top, e.top_names, strict=True)
    ]
    others = e.n_in - len(e.top)
    if others:
        rows.append([f"the other {others} inputs", "", "", e.rest])
    rows += [["bias b", "", "", e.bias], ["output", "", "", e.total]]
    panel.table = _table(["input", "x", "w", "x·w"], rows)
    panel.add(panel.table)
    return panel


def _softmax_panel(e: ex.SoftmaxExplanation) -> Panel:
    t = f"{e.temperature:.4g}"
    scaled = "z" if e.temperature == 1 else "z / T"
    panel = Panel(
        [
            f"p<sub>i</sub> = e<sup>{scaled}<sub>i</sub></sup> / Σ<sub>j</sub> "
            f"e<sup>{scaled}<sub>j</sub></sup>; Σ p = <b>{e.total:.6f}</b>"
            + ("" if e.temperature == 1 else f", with the temperature T = {t}"),
            (
                ""
                if e.temperature == 1
                else f"T = {t} was fitted on held-out images so that the probabilities match "
                "how often the network is right (its calibration)"
            ),
            f"max {scaled} = {fmt(e.shift)} is subtracted first (it cancels in the division and "
            "keeps e<sup>x</sup> from overflowing); Σ e<sup>x − max</sup> = "
            f"{fmt(e.exp_sum)}",
        ]
    )
    panel.lines[1].setVisible(e.temperature != 1)
    rows = [
        [str(d), z, s, s - e.shift, x, p]
        for d, (z, s, x, p) in enumerate(
            zip(e.logits, e.scaled, e.exps, e.probabilities, strict=True)
        )
    ]
    rows.append(["Σ", "", "", "", e.exp_sum, e.total])
    headers = ["digit", "logit z", scaled, "x − max", "e^(x − max)", "p = e / Σ"]
    panel.table = _table(headers, rows)
    panel.add(panel.table)
    return panel


def _element_panel(e) -> Panel:
    if isinstance(e, ex.ActivationExplanation):
        lines = [_activation_text(e)]
    elif isinstance(e, ex.BatchNormExplanation):
        lines = [
            "batch norm (running statistics): (x − mean) / √(var + eps) · γ + β",
            f"({fmt(e.input)} − {fmt(e.mean)}) / √({fmt(e.var)} + {e.eps:g}) = {fmt(e.normalised)}",
            f"{fmt(e.normalised)} · {fmt(e.gamma)} + {fmt(e.beta)} = <b>{fmt(e.output)}</b>",
        ]
    else:
        lines = [
            f"dropout (rate {e.rate:g}) only acts while training; when classifying it passes "
            f"its input through: {fmt(e.input)} → <b>{fmt(e.output)}</b>"
        ]
    return Panel(lines)


def panel_for(e: ex.Explanation) -> Panel:
    """The panel that shows explanation ``e``."""
    if isinstance(e, ex.ConvExplanation):
        return ConvPanel(e)
    if isinstance(e, ex.PoolExplanation):
        return PoolPanel(e)
    if isinstance(e, ex.FlattenExplanation):
        return _flatten_panel(e)
    if isinstance(e, ex.DenseExplanation):
        return _dense_panel(e)
    if isinstance(e, ex.SoftmaxExplanation):
        return _softmax_panel(e)
    return _element_panel(e)
