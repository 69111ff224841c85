"""Explain mode in the window: a click on a value explains it, outlined on the maps, and played."""

import numpy as np
import pytest
from convlens.engine import explain as ex
from convlens.gui.views.number_grid import field_rect
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.gui.helpers import show_image


def click(view, item, row: int, col: int) -> None:
    """A real left click on pixel (row, col) of ``item`` in ``view`` (scrolled into sight)."""
    window = view.window()
    window.show_detail(view.parentWidget().info.index)  # its panel, below the overview
    QApplication.processEvents()  # lay the panels out
    window.maps.ensureWidgetVisible(view)
    QApplication.processEvents()  # let the scroll area apply the move
    point = view.mapFromScene(item.mapToScene(QPointF(col + 0.5, row + 0.5)))
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
    )


def test_clicking_a_conv_value_explains_it_and_outlines_its_field_on_the_input(window, digit):
    grid = window.maps.panels[0].output  # conv 16 filters 5x5, same padding
    click(grid, grid.items[5], 12, 17)
    e = window.session.explanation
    assert isinstance(e, ex.ConvExplanation) and (e.layer_index, e.channel) == (0, 5)
    assert (e.row, e.col) == (12, 17)
    assert e.total == pytest.approx(float(window.session.trace.outputs[0][5, 12, 17]), abs=1e-5)
    assert window.explain_dock.isVisible()
    [outline] = window.marks.field_outlines  # one input channel: the network's input image
    assert outline.parentItem() is window.inputs.input_view.item
    assert outline.rect() == QRectF(15, 10, 5, 5)  # rows 10..14, columns 15..19
    assert window.marks.cell_outline.parentItem() is grid.items[5]
    assert window.marks.cell_outline.rect() == QRectF(17, 12, 1, 1)
    assert window.maps.dialog is None  # no enlarged map over the outlines (double click: yes)


def test_a_later_conv_is_outlined_on_every_map_of_the_previous_layer(window, digit):
    grid = window.maps.panels[3].output  # conv 48 filters 3x3 on layer 2's 16 maps
    click(grid, grid.items[7], 0, 4)
    e = window.session.explanation
    assert isinstance(e, ex.ConvExplanation) and (e.layer_index, e.channel) == (3, 7)
    assert e.total == pytest.approx(float(window.session.trace.outputs[3][7, 0, 4]), abs=1e-5)
    previous = window.maps.panels[2].output.items
    assert [outline.parentItem() for outline in window.marks.field_outlines] == previous
    assert all(outline.rect() == QRectF(3, -1, 3, 3) for outline in window.marks.field_outlines)


def test_clicking_a_pooled_value_outlines_its_window_on_its_input_map(window, digit):
    grid = window.maps.panels[2].output  # max pool 2x2 of layer 1's maps
    click(grid, grid.items[9], 4, 6)
    e = window.session.explanation
    assert isinstance(e, ex.PoolExplanation) and (e.channel, e.row, e.col) == (9, 4, 6)
    assert e.result == pytest.approx(float(window.session.trace.outputs[2][9, 4, 6]), abs=1e-5)
    [outline] = window.marks.field_outlines
    assert outline.parentItem() is window.maps.panels[1].output.items[9]
    assert outline.rect() == QRectF(12, 8, 2, 2)


def test_clicking_a_dense_unit_explains_that_unit(window, digit):
    strip = window.maps.panels[8].output  # dense, 128 units
    click(strip, strip.item, 0, 100)
    e = window.session.explanation
    assert isinstance(e, ex.DenseExplanation) and e.unit == 100
    assert e.total == pytest.approx(float(window.session.trace.outputs[8][100]), abs=1e-5)
    assert window.marks.cell_outline.parentItem() is strip.item
    assert window.marks.cell_outline.rect() == QRectF(100, 0, 1, 1)


def test_clicking_the_probabilities_explains_the_softmax(window, digit):
    bars = window.prediction.bars
    point = bars.plot_rect().center().toPoint()  # among the bars, over digit 4 or 5
    QTest.mouseClick(bars, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    e = window.session.explanation
    assert isinstance(e, ex.SoftmaxExplanation)
    np.testing.assert_allclose(e.probabilities, window.session.trace.probabilities, atol=1e-6)
    assert window.explain_view.title.text().startswith("Softmax")
    assert window.marks.field_outlines == [] and window.marks.cell_outline is None


def test_stepping_fills_the_map_cell_by_cell_and_moves_the_outline(window, digit, qtbot):
    grid = window.maps.panels[0].output
    click(grid, grid.items[3], 12, 17)
    player = window.explain_view.player
    qtbot.mouseClick(player.rewind_button, Qt.MouseButton.LeftButton)
    info = window.session.model.infos[0]
    for index in range(3):
        if index:
            qtbot.mouseClick(player.step_button, Qt.MouseButton.LeftButton)
        shown = grid.items[3].image
        assert np.isfinite(shown).sum() == index + 1  # computed so far; NaN (blank) after
        np.testing.assert_array_equal(
            shown[0, : index + 1], window.session.trace.outputs[0][3, 0, : index + 1]
        )
        assert window.marks.field_outlines[0].rect() == field_rect(ex.field_of(info, 0, index))
        assert window.marks.cell_outline.rect() == QRectF(index, 0, 1, 1)
        e = window.session.explanation
        assert (e.row, e.col) == (0, index)
        assert e.total == pytest.approx(
            float(window.session.trace.outputs[0][3, 0, index]), abs=1e-5
        )

    player.speed.setValue(player.SPEEDS[1])
    qtbot.mouseClick(player.play_button, Qt.MouseButton.LeftButton)  # plays on from cell 2
    qtbot.waitUntil(lambda: player.position >= 30, timeout=20_000)
    qtbot.mouseClick(player.play_button, Qt.MouseButton.LeftButton)  # pause
    position = player.position
    assert np.isfinite(grid.items[3].image).sum() == position + 1
    row, col = divmod(position, 28)
    assert window.marks.field_outlines[0].rect() == field_rect(ex.field_of(info, row, col))

    other = window.maps.panels[2].output  # explaining elsewhere shows the map in full again
    click(other, other.items[0], 0, 0)
    assert np.isfinite(grid.items[3].image).all()


def test_the_explanation_follows_the_drawing_and_the_model(window, digit):
    window.session.explain_at(1, 2, 5, 6)  # the ReLU after the first conv
    show_image(window, digit[::-1].copy())
    window.flush()
    e = window.session.explanation
    assert isinstance(e, ex.ActivationExplanation) and e.position == (2, 5, 6)
    assert e.output == pytest.approx(float(window.session.trace.outputs[1][2, 5, 6]), abs=1e-6)
    show_image(window, None)
    window.flush()
    assert window.session.explanation is None and window.marks.field_outlines == []
    show_image(window, digit)
    window.flush()
    assert window.session.explanation.position == (2, 5, 6)  # back where it was
    assert window.marks.field_outlines[0].parentItem() is window.maps.panels[0].output.items[2]

    window.explain_dock.toggleViewAction().trigger()  # closing the panel leaves explain mode
    assert window.session.explanation is None and window.marks.cell_outline is None


def test_a_deeper_unit_shows_its_field_on_the_input_and_its_kernel(window, digit):
    window.session.explain_at(3, 7, 2, 4)  # the second conv, row 2, column 4
    window.flush()
    field, kernel = window.marks.context_outlines
    assert field.parentItem() is window.inputs.input_view.item
    # its 3x3 window (padding 1) reads pooled rows 1..3, columns 3..5; the 2x2 pool makes them
    # rows 2..7, columns 6..11 of the first conv, whose 5x5 windows (padding 2) read input
    # rows 0..9 and columns 4..13
    assert field.rect() == QRectF(4, 0, 10, 10)
    assert kernel.parentItem() is window.maps.panels[3].kernels.items[7]
