"""The explain view shows exactly the numbers of an explanation, and plays a layer cell by cell."""

import numpy as np
import pytest
from convlens.engine import explain as ex
from convlens.engine import presets
from convlens.engine.network import trace_image
from convlens.engine.spec import (
    Activation,
    Architecture,
    BatchNorm,
    Conv,
    Dense,
    Dropout,
    Flatten,
    Pool,
)
from convlens.engine.training import build_model
from convlens.gui.views.explain_panels import ConvPanel
from convlens.gui.views.explain_view import ExplainView
from convlens.gui.views.number_grid import field_item, field_rect, fmt, padding_item
from PySide6.QtCore import QRectF


def _ring() -> np.ndarray:
    rows, cols = np.indices((28, 28))
    distance = np.hypot(rows - 13.5, (cols - 14.0) * 1.3)
    return np.clip(1.5 - np.abs(distance - 8.0), 0.0, 1.0).astype(np.float32)


class Shown:
    """An ExplainView fed as the app feeds it: explanations of one traced image, and the
    step-through's cells explained as it reaches them."""

    def __init__(self, qtbot, model):
        self.view = ExplainView()
        qtbot.addWidget(self.view)
        self.set_source(model, trace_image(model, _ring()))
        self.view.step_changed.connect(
            lambda layer, c, step: self.explain_at(layer, c, step.row, step.col)
        )

    def set_source(self, model, trace) -> None:
        self.model, self.trace = model, trace

    def explain_at(self, *where) -> None:
        e = ex.explain(self.model, self.trace, *where)
        steps, position = [], -1
        if isinstance(e, ex.ConvExplanation | ex.PoolExplanation):
            info = self.model.infos[e.layer_index]
            steps, position = ex.step_through(info), e.row * info.out_shape[2] + e.col
        self.view.show_explanation(e, steps, position)

    def __getattr__(self, name):
        return getattr(self.view, name)


@pytest.fixture
def view(qtbot):
    return Shown(qtbot, build_model(presets.default(), seed=1).eval())


def _grid_matches(grid, values, padded=None):
    np.testing.assert_array_equal(grid.values, values)
    for (r, c), value in np.ndenumerate(values):
        assert grid.text(r, c) == fmt(value)
    if padded is not None:
        np.testing.assert_array_equal(grid.padded, padded)


def test_conv_shows_patch_kernel_products_sums_bias_and_relu(view):
    view.explain_at(3, 7, 0, 4)  # multi-channel, on the padded top edge
    e = view.explanation
    panel = view.panel
    assert isinstance(panel, ConvPanel) and len(panel.grids["patch"]) == 16
    assert panel.grids["ink"] == []
    for c in range(16):
        _grid_matches(panel.grids["patch"][c], e.patch[c], e.padded)
        _grid_matches(panel.grids["kernel"][c], e.kernel[c])
        _grid_matches(panel.grids["products"][c], e.products[c])
        assert panel.sums[c].text() == fmt(e.channel_sums[c])
    assert e.padded[0].all() and not e.padded[1:].any()  # 3x3 kernel: one padded row
    assert panel.grids["patch"][0].text(0, 0) == "0"
    assert f"bias {fmt(e.bias)} = <b>{fmt(e.total)}</b>" in panel.lines[0].text()
    assert (
        f"max(0, x); f({fmt(e.total)}) = <b>{fmt(e.activation.output)}</b>" in panel.lines[1].text()
    )
    assert "zero padding left 1, right 1, top 1, bottom 1" in panel.lines[2].text()
    np.testing.assert_allclose(e.total, view.trace.outputs[3][7, 0, 4], rtol=1e-5, atol=1e-5)


def test_first_conv_shows_the_ink_and_its_standardisation(view):
    view.explain_at(0, 2, 10, 11)
    e = view.explanation
    _grid_matches(view.panel.grids["ink"][0], e.ink)
    _grid_matches(view.panel.grids["patch"][0], e.patch[0])
    assert "standardises the ink" in view.panel.lines[3].text()


def test_the_equations_wrap_in_sight_while_the_grids_scroll_sideways(view, qtbot):
    """In an Explain dock of 330 px (a laptop's) the panel is as wide as its four 5x5 grids;
    its lines wrapped at that width and were cut at the edge: they wrap at the width in
    sight now, each with the height of its lines."""
    view.view.resize(330, 600)
    view.view.show()
    qtbot.waitExposed(view.view)
    view.explain_at(0, 7, 12, 8)
    viewport = view.scroll.viewport()
    assert view.scroll.horizontalScrollBar().maximum() > 0  # the grids: wider than the dock
    shown = [label for label in view.panel.lines if label.isVisible()]
    assert len(shown) == 4
    for label in shown:
        qtbot.waitUntil(lambda label=label: label.height() >= label.heightForWidth(label.width()))
        right = label.mapTo(viewport, label.rect().topRight()).x()
        assert right < viewport.width(), label.text()


def test_pool_highlights_the_winner(view):
    view.explain_at(2, 5, 6, 6)
    e = view.explanation
    grid = view.panel.grids["window"][0]
    _grid_matches(grid, e.values)
    assert grid.highlight == e.chosen and grid.item(*e.chosen).font().bold()
    assert f"<b>{fmt(e.result)}</b>" in view.panel.lines[0].text()


def test_dense_names_top_contributions(view):
    view.explain_at(8, 42)
    e, table = view.explanation, view.panel.table
    assert table.rowCount() == len(e.top) + 3
    for r, i in enumerate(e.top):
        assert table.item(r, 0).text() == e.top_names[r]
        assert table.item(r, 3).text() == fmt(e.contributions[i])
    assert table.item(len(e.top), 3).text() == fmt(e.rest)
    assert table.item(table.rowCount() - 1, 3).text() == fmt(e.total)
    assert "x (1×2352) · W (2352×128) + b (128)" in view.panel.lines[0].text()


def test_softmax_shows_logits_exps_sum_and_probabilities(view):
    view.explain_at(len(view.model.layers), 0)
    e, table = view.explanation, view.panel.table
    for d in range(10):
        cells = [table.item(d, c).text() for c in range(6)]
        assert cells == [
            str(d),
            fmt(e.logits[d]),
            fmt(e.scaled[d]),
            fmt(e.scaled[d] - e.shift),
            fmt(e.exps[d]),
            fmt(e.probabilities[d]),
        ]
    assert table.item(10, 4).text() == fmt(e.exp_sum) and table.item(10, 5).text() == "1"
    assert "Σ p = <b>1.000000</b>" in view.panel.lines[0].text()


def test_the_softmax_of_a_calibrated_model_divides_by_its_temperature(qtbot):
    model = build_model(presets.tiny(), seed=3).eval()
    model.temperature = 2.0
    view = Shown(qtbot, model)
    view.explain_at(len(model.layers), 0)
    e, table = view.explanation, view.panel.table
    np.testing.assert_allclose(e.scaled, e.logits / 2.0)
    np.testing.assert_allclose(e.probabilities, view.trace.probabilities, rtol=1e-5)
    assert table.horizontalHeaderItem(2).text() == "z / T"
    assert "T = 2" in view.panel.lines[0].text() and view.panel.lines[1].isVisibleTo(view.panel)


def test_flatten_and_element_wise_layers(qtbot):
    model = build_model(
        Architecture(
            [
                Conv(2, 3),
                BatchNorm(),
                Activation("tanh"),
                Pool("sum", 2),
                Flatten("column"),
                Dropout(0.2),
                Dense(10),
            ]
        ),
        seed=2,
    ).eval()
    view = Shown(qtbot, model)
    view.explain_at(4, 300)  # flatten element 300 (column-major)
    e = view.explanation
    assert (e.channel, e.row, e.col) == ex.flatten_source((2, 13, 13), "column", 300)
    assert view.panel.grids["column"][0].text(e.row, e.col) == "300"
    assert view.panel.grids["row"][0].highlight == (e.row, e.col)
    assert f"= {e.row_major_index}" in view.panel.lines[1].text()
    view.explain_at(1, 1, 3, 3)
    assert f"<b>{fmt(view.explanation.output)}</b>" in view.panel.lines[2].text()
    view.explain_at(2, 0, 5, 5)
    assert f"Tanh: f(x) = tanh(x); f({fmt(view.explanation.input)})" in view.panel.lines[0].text()
    view.explain_at(5, 17)
    assert "only acts while training" in view.panel.lines[0].text()
    assert not view.player.isEnabled()  # nothing to play for an element-wise value


def test_step_through_refills_the_same_panel(view, qtbot):
    view.explain_at(0, 3, 0, 26)
    panel = view.panel
    received = []
    view.step_changed.connect(lambda layer, channel, step: received.append((layer, channel, step)))
    view.player.advance()  # (0, 26) -> (0, 27)
    layer, channel, step = received[-1]
    assert (layer, channel, step.row, step.col, step.index) == (0, 3, 0, 27, 27)
    assert view.panel is panel
    _grid_matches(panel.grids["patch"][0], view.explanation.patch[0], view.explanation.padded)
    assert view.explanation.col == 27 and panel.grids["patch"][0].padded[:, -2:].all()
    view.player.speed.setValue(60)
    view.player.play()
    qtbot.waitUntil(lambda: len(received) >= 4, timeout=3000)
    view.player.pause()
    assert [s.index for _, _, s in received[:4]] == [27, 28, 29, 30]
    assert received[1][2].field == ex.field_of(view.model.infos[0], 1, 0)


def test_field_outline_uses_image_pixel_coordinates():
    field = ex.Field(top=-1, left=-2, size=5, stride=1, in_size=(28, 28), padding=(2, 2, 1, 3))
    assert field_rect(field) == QRectF(-2, -1, 5, 5)
    assert field_item(field).rect() == QRectF(-2, -1, 5, 5)
    assert padding_item(field).rect() == QRectF(-2, -1, 32, 32)


def test_the_same_value_again_refills_the_panel_and_none_clears(view):
    view.explain_at(3, 7, 2, 4)
    panel = view.panel
    blank = np.zeros((28, 28), np.float32)
    view.set_source(view.model, trace_image(view.model, blank))
    view.explain_at(3, 7, 2, 4)  # a new drawing: the same value, new numbers
    e = view.explanation
    assert view.panel is panel and (e.layer_index, e.channel, e.row, e.col) == (3, 7, 2, 4)
    _grid_matches(panel.grids["patch"][5], e.patch[5], e.padded)
    np.testing.assert_allclose(e.total, view.trace.outputs[3][7, 2, 4], rtol=1e-5, atol=1e-5)
    view.show_explanation(None)
    assert view.explanation is None and view.panel is None and not view.player.isEnabled()
    assert view.title.text().startswith("Click a value")
