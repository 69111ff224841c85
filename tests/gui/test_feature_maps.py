"""The feature-map view is built from the architecture and shows the engine's numbers."""

import numpy as np
import pytest
from convlens.engine import spec
from convlens.engine.model_file import ModelInfo
from convlens.engine.network import trace_image
from convlens.engine.presets import PRESETS
from convlens.engine.training import build_model
from convlens.gui.views.layer_panel import mosaic_layout
from convlens.gui.views.map_grid import MapGrid, StripView
from convlens.gui.views.map_image import STEADY_SLACK, TABLE, colorize, nice_ceiling
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.gui.helpers import hover, show_image


def check_panels(window):
    """One panel per layer; the right number of maps; the values those of the engine, drawn
    once the panels are in sight."""
    infos = window.session.model.infos
    window.maps.show_layers(set(range(len(infos))))
    assert [panel.info for panel in window.maps.panels] == infos
    trace = trace_image(window.session.model, window.session.image)
    weights = dict(enumerate(window.session.model.layers))
    for info, panel, output in zip(infos, window.maps.panels, trace.outputs, strict=True):
        if len(info.out_shape) == 3:
            assert isinstance(panel.output, MapGrid)
            assert len(panel.output.items) == info.out_shape[0]
            for item, values in zip(panel.output.items, output, strict=True):
                np.testing.assert_array_equal(item.image, values)
            low, high = panel.output.levels()
            need = np.abs(output).max()
            assert -low == high >= need  # 0 in the middle, every value on the scale
            assert high <= max(nice_ceiling(need), STEADY_SLACK * need)
        else:
            assert isinstance(panel.output, StripView)
            np.testing.assert_array_equal(panel.output.item.image, output.reshape(1, -1))
        if isinstance(info.layer, spec.Conv):
            kernels = weights[info.index].weight.detach().numpy()
            assert len(panel.kernels.items) == info.layer.filters
            rows, columns = mosaic_layout(kernels.shape[1])
            k = info.layer.size
            for item, weight in zip(panel.kernels.items, kernels, strict=True):
                assert item.image.shape == (rows * (k + 1) - 1, columns * (k + 1) - 1)
                gaps = np.ones(item.image.shape, bool)
                for c, channel in enumerate(weight):  # slice c at its place, row by row
                    r, q = divmod(c, columns)
                    place = np.s_[r * (k + 1) : r * (k + 1) + k, q * (k + 1) : q * (k + 1) + k]
                    np.testing.assert_array_equal(item.image[place], channel)
                    gaps[place] = False
                assert np.isnan(item.image[gaps]).all()
        else:
            assert panel.kernels is None


def test_default_model_panels_show_the_trace(window, digit):
    assert len(window.maps.panels) == 12
    assert len(window.maps.panels[3].output.items) == 48
    check_panels(window)
    trace = trace_image(window.session.model, digit)
    for panel, output in zip(window.maps.panels, trace.outputs, strict=True):
        # the first values shown are fitted exactly (the bars' placeholder scale is not kept)
        assert panel.output.levels()[1] == nice_ceiling(np.abs(output).max())
        if panel.kernels is not None:
            need = np.nanmax(np.abs(np.stack([item.image for item in panel.kernels.items])))
            assert panel.kernels.levels()[1] == nice_ceiling(need)


@pytest.mark.parametrize("preset", ["tiny", "lenet5"])
def test_other_architectures_rebuild_the_panels(window, digit, preset):
    model = build_model(PRESETS[preset](), seed=1)
    window.session.set_model(model, ModelInfo(preset, {}))
    assert len(window.maps.panels) == len(model.infos)
    check_panels(window)


def test_same_architecture_updates_in_place(window, digit):
    panels = list(window.maps.panels)
    window.session.set_model(build_model(PRESETS["default"](), seed=5), ModelInfo("fresh", {}))
    assert window.maps.panels == panels
    check_panels(window)


def test_panels_out_of_sight_are_drawn_once_shown(window, digit):
    """A layer whose detail is not open holds its new values, its maps drawn when shown."""
    window.show_detail(0)
    hidden = window.maps.panels[3].output
    assert not hidden.isVisible()
    show_image(window, 0.5 * digit)
    outputs = window.session.trace.outputs
    np.testing.assert_array_equal(hidden.data, outputs[3])
    assert not np.array_equal(hidden.items[0].image, outputs[3][0])  # not drawn yet
    window.show_detail(3)
    for item, values in zip(hidden.items, outputs[3], strict=True):
        np.testing.assert_array_equal(item.image, values)
        expected = colorize(values, hidden.levels(), TABLE)
        np.testing.assert_array_equal(item._pixels, expected)
    assert tuple(hidden.colorbar.levels()) == hidden.levels()


def test_blank_input_shows_zeros(window):
    show_image(window, None)
    window.maps.show_layers(set(range(len(window.maps.panels))))
    for panel in window.maps.panels:
        view = panel.output
        images = (
            [item.image for item in view.items] if isinstance(view, MapGrid) else [view.item.image]
        )
        assert not any(image.any() for image in images)


def test_the_scales_stay_put_from_one_digit_to_the_next(window, digit):
    """A blank canvas, then the same digit, then a fainter one: the colour scales stay, so a
    colour means the same value throughout; a far stronger digit widens them."""
    levels = [panel.output.levels() for panel in window.maps.panels]
    for image in (None, digit, 0.8 * digit):
        show_image(window, image)
        assert [panel.output.levels() for panel in window.maps.panels] == levels
    check_panels(window)
    show_image(window, 10 * digit)  # far out of the range of ink: every value grows
    wider = [panel.output.levels() for panel in window.maps.panels]
    assert all(new[1] > old[1] for new, old in zip(wider, levels, strict=True))
    check_panels(window)


def view_point(grid, item, row, col):
    """Where pixel (row, col) of ``item`` is in ``grid``'s viewport, its panel in sight."""
    window = grid.window()
    window.show_detail(grid.parentWidget().info.index)
    QApplication.processEvents()  # lay the panels out
    window.maps.ensureWidgetVisible(grid)
    QApplication.processEvents()
    return grid.mapFromScene(item.mapToScene(QPointF(col + 0.5, row + 0.5)))


def test_hover_reports_the_value_under_the_cursor(window, digit, qtbot):
    grid = window.maps.panels[0].output
    point = view_point(grid, grid.items[5], 12, 17)
    with qtbot.waitSignal(window.maps.hovered) as hovered:
        hover(grid.viewport(), point)
    value = trace_image(window.session.model, digit).outputs[0][5, 12, 17]
    assert hovered.args[0] == f"Layer 0 (conv) · map 5 · row 12, column 17: {value:.4g}"
    assert window.status.currentMessage() == hovered.args[0]


def double_click(view, point) -> None:
    """A double click as Qt delivers it: press, release, double-click (the second press),
    release. ``QTest.mouseDClick`` alone sends only the middle event, and pyqtgraph reports a
    click on its release."""
    args = (view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    QTest.mouseClick(*args)
    QTest.mouseDClick(*args)
    QTest.mouseRelease(*args)


def test_click_emits_map_clicked_and_double_click_enlarges(window, digit, qtbot):
    grid = window.maps.panels[2].output  # max pool, 16 maps 14x14
    point = view_point(grid, grid.items[9], 4, 6)
    with qtbot.waitSignal(window.maps.map_clicked) as clicked:
        QTest.mouseClick(
            grid.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
        )
    assert clicked.args == [2, 9, 4, 6]
    assert window.maps.dialog is None  # a click explains; the maps stay in sight
    double_click(grid, point)
    dialog = window.maps.dialog
    assert dialog.isVisible()
    np.testing.assert_array_equal(
        dialog.item.image, trace_image(window.session.model, digit).outputs[2][9]
    )
    show_image(window, digit[::-1].copy())  # the open dialog follows the new image
    np.testing.assert_array_equal(dialog.item.image, window.session.trace.outputs[2][9])


def test_double_clicking_a_dense_strip_enlarges_it_wrapped(window, digit, qtbot):
    strip = window.maps.panels[8].output  # dense, 128 units
    window.show_detail(8)
    window.maps.ensureWidgetVisible(strip)  # a click reaches what is scrolled into view
    QApplication.processEvents()  # let the scroll area apply the move
    point = strip.mapFromScene(strip.item.mapToScene(QPointF(100.5, 0.5)))
    with qtbot.waitSignal(window.maps.map_clicked) as clicked:
        double_click(strip, point)
    assert clicked.args == [8, 0, 0, 100]
    shown = window.maps.dialog.item.image
    np.testing.assert_array_equal(shown.ravel()[:128], window.session.trace.outputs[8])
    assert np.isnan(shown.ravel()[128:]).all()
