"""The colour scale: nice symmetric levels, MapImage's colours equal pyqtgraph's, and the bar's
labels legible at any height."""

import numpy as np
import pyqtgraph as pg
import pytest
from convlens.gui.views.map_grid import MapGrid
from convlens.gui.views.map_image import (
    COLORMAP,
    TABLE,
    MapImage,
    SharedColours,
    colorize,
    nice_ceiling,
    steady_levels,
    symmetric_levels,
)
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter


@pytest.mark.parametrize(
    ("value", "nice"), [(0.013, 0.015), (0.9, 1.0), (1.0, 1.0), (2.2, 2.5), (6.02, 8.0), (71, 80)]
)
def test_nice_ceiling(value, nice):
    assert nice_ceiling(value) == pytest.approx(nice)


def test_levels_are_symmetric_and_blank_is_unit():
    assert symmetric_levels(np.array([-0.2, 3.3])) == (-4.0, 4.0)
    assert symmetric_levels(np.zeros((2, 3))) == (-1.0, 1.0)
    assert symmetric_levels(np.array([np.nan, -0.5])) == (-0.5, 0.5)


@pytest.mark.parametrize(
    ("values", "current", "levels"),
    [
        ([-0.5, 3.3], (-4.0, 4.0), (-4.0, 4.0)),  # fits: kept
        ([0.0, 0.0], (-4.0, 4.0), (-4.0, 4.0)),  # blank: kept
        ([2.0, np.nan], (-4.0, 4.0), (-4.0, 4.0)),  # exactly half: kept
        ([4.5], (-4.0, 4.0), (-5.0, 5.0)),  # outgrown: widened
        ([1.9], (-4.0, 4.0), (-2.0, 2.0)),  # over twice too wide: narrowed
        ([1.0], (0.0, 4.0), (-1.0, 1.0)),  # not symmetric: replaced
        ([3.3], None, (-4.0, 4.0)),  # no scale yet: fitted
    ],
)
def test_steady_levels_keep_a_scale_that_still_suits(values, current, levels):
    assert steady_levels(np.array(values), current) == levels


def test_map_image_colours_match_pyqtgraph(qtbot):
    values = np.linspace(-2, 2, 35, dtype=np.float32).reshape(5, 7)
    values[1, 1] = np.nan
    ours = MapImage()
    ours.show(values, (-2.0, 2.0))
    ours.render()
    theirs = pg.ImageItem(axisOrder="row-major")
    theirs.setColorMap(COLORMAP)
    theirs.setImage(values, autoLevels=False, levels=(-2.0, 2.0))
    theirs.render()
    a = ours.qimage.convertToFormat(ours.qimage.Format.Format_ARGB32)
    b = theirs.qimage.convertToFormat(ours.qimage.Format.Format_ARGB32)
    for row in range(5):
        for col in range(7):
            if (row, col) != (1, 1):
                assert a.pixel(col, row) == b.pixel(col, row), (row, col)
    assert a.pixelColor(1, 1).alpha() == b.pixelColor(1, 1).alpha() == 0  # NaN: transparent


def test_shared_colours_colour_an_array_once_per_scale():
    """The overview and the detail ask for the same array's colours: made once, and made
    again for another scale or another array (even one equal in value)."""
    shared = SharedColours()
    values = np.linspace(-2, 2, 30, dtype=np.float32).reshape(3, 10)
    first = shared(values, (-2.0, 2.0), TABLE)
    np.testing.assert_array_equal(first, colorize(values, (-2.0, 2.0), TABLE))
    assert shared(values, (-2, 2), TABLE) is first
    wider = shared(values, (-4.0, 4.0), TABLE)
    np.testing.assert_array_equal(wider, colorize(values, (-4.0, 4.0), TABLE))
    assert shared(values.copy(), (-4.0, 4.0), TABLE) is not wider


def _bar_labels(grid: MapGrid) -> list[tuple[QRectF, str]]:
    """The colour bar's tick labels as pyqtgraph draws them: (rect, text)."""
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = grid.colorbar.axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _, text in texts]


@pytest.mark.parametrize("height, labels", [(41, "ends"), (60, None), (120, "own"), (300, "own")])
def test_the_colour_bar_labels_never_overlap(qtbot, height, labels):
    """A row of maps squeezed to its least height (41 px, a laptop) has a 25 px bar, where
    pyqtgraph drew three labels or more over each other: there the bar's two ends alone are
    labelled; a taller bar keeps pyqtgraph's labels (at 60 px, those of -5..5 but not of
    -8..8). Levels of -5..5, then -8..8."""
    grid = MapGrid(16, (14, 14), "value")
    qtbot.addWidget(grid)
    grid.resize(900, height)
    grid.show()
    qtbot.waitExposed(grid)
    for largest in (4.3, 7.5):
        grid.set_maps(np.full((16, 14, 14), largest, np.float32))
        drawn = _bar_labels(grid)
        texts = [text for _, text in drawn]
        end = f"{grid.levels()[1]:g}"
        if labels == "ends":
            assert texts == [f"-{end}", end]
        elif labels == "own":
            assert len(texts) >= 3
        for i, (rect, text) in enumerate(drawn):
            for other, other_text in drawn[i + 1 :]:
                assert not rect.intersects(other), (text, other_text)
