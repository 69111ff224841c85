"""The whole network at a glance: every layer from the input to the softmax, filled from the
first start, a click on any value explains exactly it, and the left column fits a laptop."""

import numpy as np
import pytest
from convlens.engine import explain as ex
from convlens.engine import presets
from convlens.engine.model_file import ModelInfo
from convlens.engine.training import build_model
from convlens.gui import layout
from convlens.gui.views.feature_maps import detail_of
from convlens.gui.views.map_image import INK_TABLE, TABLE, colorize
from convlens.gui.views.overview import NetworkOverview
from convlens.gui.views.overview_layout import COLUMN_HEIGHT
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QRegion
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget


def click_cell(overview: NetworkOverview, layer: int, index: int, row: int, col: int) -> None:
    """A real mouse click on the centre of one value of the overview, as laid out."""
    QApplication.processEvents()
    column = next(c for c in overview.columns if c.layer == layer)
    x, y = column.origins[index]
    if column.is_maps:
        point = QPointF(x + col + 0.5, y + row + 0.5)
    else:
        point = QPointF(x + column.width / 2, y + (col + 0.5) * column.cell[1])
    scene = overview.view.mapViewToScene(point)
    QTest.mouseClick(
        overview.viewport(), Qt.MouseButton.LeftButton, pos=overview.mapFromScene(scene)
    )


def test_first_start_shows_the_sample_digit_in_every_layer(first_start):
    window = first_start
    session = window.session
    assert session.source.kind == "sample" and session.trace is not None
    assert window.prediction.digit == session.trace.digit == session.source.label
    overview = window.overview
    assert len(overview.columns) == len(session.model.infos) + 2  # the input, the softmax
    np.testing.assert_array_equal(overview.columns[0].values[0], session.image)
    for column, values in zip(overview.columns[1:], session.trace.outputs, strict=False):
        assert values.any(), f"column {column.layer} is empty"
        np.testing.assert_array_equal(column.values, values)
    np.testing.assert_array_equal(overview.columns[-1].values, session.trace.probabilities)
    assert window.canvas.ink().any()  # the sample is on the canvas, to draw over
    for layer, panel in enumerate(window.maps.panels):  # one colour scale per layer
        assert overview.columns[layer + 1].levels == panel.output.levels()


@pytest.mark.parametrize("layer, index, row, col", [(0, 5, 9, 17), (3, 40, 6, 2), (8, 0, 0, 77)])
def test_a_click_in_the_overview_explains_exactly_that_value(window, digit, layer, index, row, col):
    window.resize(1600, 900)
    click_cell(window.overview, layer, index, row, col)
    window.flush()
    e = window.session.explanation
    if isinstance(e, ex.DenseExplanation):
        assert (e.layer_index, e.unit) == (layer, col)
    else:
        assert (e.layer_index, e.channel, e.row, e.col) == (layer, index, row, col)
    assert layer in window.maps.shown  # the layer's detail opened below the overview
    assert window.explain_view.explanation is e


def test_a_click_on_the_softmax_column_explains_the_softmax(window, digit):
    click_cell(window.overview, len(window.session.model.infos), 0, 0, 3)
    assert isinstance(window.session.explanation, ex.SoftmaxExplanation)


LAPTOP = (1256, 670)  # what the window gets of a 1366x768 screen (its share of the free area)


def _rect(widget: QWidget, window) -> QRect:
    return QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())


@pytest.mark.parametrize("size", [(1366, 768), LAPTOP])
def test_nothing_of_the_left_column_overlaps_on_a_laptop_screen(window, qtbot, size):
    window.resize(*size)
    qtbot.waitUntil(lambda: window.width() <= size[0])
    inputs = window.inputs
    parts = [
        inputs.canvas,
        inputs.hint,
        inputs.brush_slider,
        inputs.clear_button,
        inputs.next_button,
        inputs.input_view,
        inputs.prediction.digit_label,
        inputs.prediction.bars,
    ]
    rects = [_rect(part, window) for part in parts]
    column = _rect(inputs, window)
    for part, rect in zip(parts, rects, strict=True):
        assert part.isVisible() and column.contains(rect), type(part).__name__
        assert rect.height() >= part.minimumSizeHint().height() or rect.height() > 20
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            assert not a.intersects(b), (a, b)
    assert window.statusBar().isVisible() and window.rect().contains(
        _rect(window.statusBar(), window)
    )


@pytest.mark.parametrize("layer, row, col", [(6, 20, 31), (2, 5, 9)])
def test_a_click_in_an_enlarged_view_explains_exactly_that_value(window, digit, layer, row, col):
    """The flattened vector's 2,352 values, wrapped 49 to a row when enlarged, and a pooled
    map: a real click on one cell explains that cell and no neighbour."""
    window.maps.enlarge(layer, "output", 4)
    dialog = window.maps.dialog
    scene = dialog.item.mapToScene(QPointF(col + 0.5, row + 0.5))
    viewport_point = dialog.plot.mapFromScene(scene)
    QTest.mouseClick(dialog.plot.viewport(), Qt.MouseButton.LeftButton, pos=viewport_point)
    window.flush()
    e = window.session.explanation
    if layer == 6:
        assert isinstance(e, ex.FlattenExplanation) and e.index == row * 49 + col
    else:
        assert isinstance(e, ex.PoolExplanation) and (e.channel, e.row, e.col) == (4, row, col)


def test_each_layer_is_one_picture_with_every_map_where_a_click_finds_it(first_start):
    """The overview draws each layer as one picture: every map's colours sit at the map's
    place (the one hover and click use), on the layer's scale, the gaps between transparent."""
    for column in first_start.overview.columns:
        table = INK_TABLE if column.layer < 0 else TABLE
        expected = colorize(column.values, column.levels, table)
        pixels = column.item.pixels
        if not column.is_maps:
            np.testing.assert_array_equal(pixels[:, 0], expected)
            continue
        x0, y0 = column.origins[0]
        _, height, width = column.shape
        covered = np.zeros(pixels.shape, bool)
        for index, (x, y) in enumerate(column.origins):
            top, left = round(y - y0), round(x - x0)
            np.testing.assert_array_equal(
                pixels[top : top + height, left : left + width], expected[index]
            )
            covered[top : top + height, left : left + width] = True
        assert not pixels[~covered].any()  # 0: wholly transparent


def _heading_rects(overview: NetworkOverview) -> dict:
    """Each shown column heading's rectangle on screen (viewport pixels), by its text."""
    transform = overview.viewportTransform()
    return {
        f"{i} {heading.text()}": heading.deviceTransform(transform).mapRect(heading.boundingRect())
        for i, (heading, *_) in enumerate(overview.headings)
        if heading.isVisible()
    }


@pytest.mark.parametrize("size, training", [(LAPTOP, False), (LAPTOP, True), ((1766, 994), False)])
def test_the_overview_headings_never_overlap(first_start, qtbot, size, training):
    """However narrow the columns get, each heading shown is readable: apart from the
    others, in the overview, above the maps. Every one shows but on a laptop with the
    Training dock open (a view ~176 px high): there the activations', dropouts' and
    flatten's give way, never those of the input, the layers with weights and the softmax
    (two rows of them fell off the top of the view), and so do the digits beside the last
    two columns."""
    first_start.resize(*size)
    qtbot.waitUntil(lambda: first_start.width() <= size[0])
    if training:
        layout.show_training(first_start)
        qtbot.waitUntil(lambda: first_start.overview.height() < 200)
    QApplication.processEvents()
    overview = first_start.overview
    rects = _heading_rects(overview)
    shown = [heading.text() for heading, *_ in overview.headings if heading.isVisible()]
    digits = [label.isVisible() for label in overview.digits]
    assert len(digits) == 20  # 0-9 beside the logits and the probabilities
    if training:
        assert "conv 16×5²" in shown and "dense 10" in shown and "softmax" in shown
        assert {"input", "conv 48×3²", "dense 128"} <= set(shown) and len(shown) >= 7
        assert not any(digits)  # rows of 5 px: the digits would be drawn over each other
    else:
        assert len(rects) == len(overview.columns) and all(digits)
    area = QRectF(overview.viewport().rect())
    maps_top = overview.mapFromScene(overview.view.mapViewToScene(QPointF(0, 0))).y()
    names = list(rects)
    for i, name in enumerate(names):
        a = rects[name]
        assert area.contains(a), (name, a, area)
        assert a.bottom() <= maps_top + 1
        for other in names[i + 1 :]:
            assert not a.intersects(rects[other]), (name, other)


@pytest.mark.parametrize("layer, panels", [(0, [0, 1]), (3, [2, 3, 4])])
def test_the_layer_detail_fits_without_scrolling_on_a_laptop_screen(
    first_start, qtbot, layer, panels
):
    """A layer's detail (its input, its kernels, its maps before and after the activation)
    is all in sight at 1366x768 beside a value explained, even the 48 filters of layer 3:
    nothing behind a scroll bar, the overview still there."""
    window = first_start
    window.resize(*LAPTOP)
    qtbot.waitUntil(lambda: window.width() <= LAPTOP[0])
    # as restore_layout lays out a first start, a quarter of the width for the explanations,
    # and wider as a value explained there needs on a real screen (its fonts: 337 px)
    wide = LAPTOP[0] // 4 + 40
    window.resizeDocks([window.explain_dock], [wide], Qt.Orientation.Horizontal)
    QApplication.processEvents()
    window.show_detail(layer)
    window.session.explain_at(layer, 3, 5, 5)  # as a click does: the explanation is wide
    QApplication.processEvents()
    maps = window.maps
    assert maps.verticalScrollBar().maximum() == 0
    assert maps.horizontalScrollBar().maximum() == 0  # its 14 px cut the last panel
    area = QRect(QPoint(0, 0), maps.viewport().size())
    shown = [panel for panel in maps.panels if panel.isVisible()]
    assert [panel.info.index for panel in shown] == panels
    assert window.overview.height() >= layout.OVERVIEW_LEAST
    for panel in shown:
        for view in (panel.kernels, panel.output):
            if view is not None:
                rect = QRect(view.mapTo(maps.viewport(), QPoint(0, 0)), view.size())
                assert area.contains(rect), (panel.info.index, rect, area)
                assert view.height() >= view.minimumHeight() > 40


def test_the_detail_takes_room_from_the_overview_while_the_training_dock_is_open(
    first_start, qtbot
):
    """Layer 3's detail needs 437 px. At 1920x1080 it has them; with the Training dock open the
    overview gives it all but its least (it kept half the height: the detail scrolled by
    167 px, not 77); the dock closed again, the detail needs no scrolling and the overview has
    its height back."""
    window = first_start
    window.resize(1766, 994)  # what the window gets of a 1920x1080 screen
    qtbot.waitUntil(lambda: window.width() == 1766)
    window.show_detail(3)
    QApplication.processEvents()
    scroll, overview = window.maps.verticalScrollBar(), window.overview.height()
    assert scroll.maximum() == 0 and overview > layout.OVERVIEW_LEAST + 100
    layout.show_training(window)
    qtbot.waitUntil(lambda: window.training_dock.height() > 300, timeout=2000)
    qtbot.waitUntil(lambda: window.overview.height() == layout.OVERVIEW_LEAST, timeout=2000)
    needed = window.maps.widget().minimumSizeHint().height()
    assert scroll.maximum() == needed - window.maps.viewport().height() > 0
    window.training_dock.hide()
    window.weights_dock.hide()
    qtbot.waitUntil(lambda: window.overview.height() == overview, timeout=2000)
    assert scroll.maximum() == 0


def test_the_training_dock_opens_below_the_network_on_a_laptop_screen(mnist_window, qtbot):
    """Train > Train... at 1366x768: the Training dock comes under the network, not under the
    input column, so the window stays on the screen, the column keeps its place and the
    panel has room for its controls side by side."""
    window = mnist_window
    window.resize(*LAPTOP)
    qtbot.waitUntil(lambda: window.width() <= LAPTOP[0])
    column, size = _rect(window.inputs, window), window.size()
    window.actions.train.trigger()
    window.training.dialog.hide()  # the dialog stays open; the window behind is what counts
    QApplication.processEvents()
    panel = window.training_panel
    assert window.size() == size  # as small as the column lets it be: 1256x672 here
    assert _rect(window.inputs, window) == column
    dock = _rect(window.training_dock, window)
    assert dock.left() >= column.right() and dock.top() > _rect(window.overview, window).bottom()
    assert window.rect().contains(dock) and not panel.stacked
    controls = panel.controls
    parts = [controls.pause_button, controls.step_button, controls.speed, controls.lr]
    parts += [controls.export_button, panel.curves, panel.run_list, panel.confusion]
    for part in parts:
        assert _rect(panel, window).contains(_rect(part, window)), type(part).__name__
    assert window.rect().contains(_rect(window.statusBar(), window))
    window.training.dialog.reject()


def test_faint_lines_join_each_layer_to_the_next(first_start):
    """Between any two columns the links are drawn (as the view's cached background): a
    vertical line of pixels half-way across the gap crosses some of them."""
    overview = first_start.overview
    image = overview.viewport().grab().toImage()
    for before, after in zip(overview.columns, overview.columns[1:], strict=False):
        x = (before.x + before.width + after.x) / 2
        top, bottom = (
            overview.mapFromScene(overview.view.mapViewToScene(QPointF(x, y)))
            for y in (0, COLUMN_HEIGHT)
        )
        greys = [image.pixelColor(top.x(), y).lightness() for y in range(top.y(), bottom.y())]
        assert min(greys) < 250, (after.layer, min(greys))


class PaintRegions(QObject):
    """The region of every paint event of the watched widgets."""

    def __init__(self, widgets):
        super().__init__()
        self.regions: dict[QWidget, list] = {widget: [] for widget in widgets}
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            self.regions[obj].append(QRegion(event.region()))
        return False


def test_a_stroke_repaints_each_view_in_one_rectangle(window, qtbot, draw, seven):
    """A stroke changes every picture at once. Each view repaints the one rectangle around
    them: the exact region of the overview's pictures was ~100 rectangles, each clipped and
    painted apart (3x the time)."""
    qtbot.waitExposed(window)
    views = [window.overview, window.maps.panels[0].output, window.inputs.input_view]
    painted = PaintRegions([view.viewport() for view in views])
    draw(window.canvas, seven)
    qtbot.waitUntil(lambda: all(painted.regions.values()))
    for view in views:
        counts = [region.rectCount() for region in painted.regions[view.viewport()]]
        assert counts and set(counts) == {1}, (type(view).__name__, counts)


def test_a_model_of_the_same_layers_keeps_the_detail_in_sight(window):
    """A run's end (a model of the same layers) keeps the layer the user looks at; a model of
    other layers opens on its first."""
    window.show_detail(3)
    shown = set(window.maps.shown)
    assert shown == detail_of(window.session.model.infos, 3)
    same_layers = build_model(window.session.model.architecture, seed=1)
    window.session.set_model(same_layers, ModelInfo("same layers", {}))
    assert window.maps.shown == shown
    window.session.set_model(build_model(presets.tiny(), seed=0), ModelInfo("tiny", {}))
    assert window.maps.shown == detail_of(window.session.model.infos, 0)
