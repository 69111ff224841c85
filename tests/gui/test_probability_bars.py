"""The ten bars of the verdict, painted by hand: heights, the winner's colour, a click."""

import numpy as np
from convlens.gui.views.probability_bars import BAR, WINNER, ProbabilityBars
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest


def test_each_bar_is_as_tall_as_its_probability_and_the_winner_stands_out(qtbot):
    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    bars.resize(380, 200)
    bars.show()
    qtbot.waitExposed(bars)
    values = np.array([0.02, 0.0, 0.0, 0.9, 0.0, 0.05, 0.0, 0.03, 0.0, 0.0], np.float32)
    bars.set_values(values, winner=3)
    area = bars.plot_rect()
    for digit, value in enumerate(values):
        rect = bars.bar_rect(digit)
        assert rect.bottom() == area.bottom()
        assert rect.height() == np.float32(value) * area.height()
    image = bars.grab().toImage()
    three, five = bars.bar_rect(3).center().toPoint(), bars.bar_rect(5).center().toPoint()
    assert image.pixelColor(three) == WINNER and image.pixelColor(five) == BAR
    empty = bars.bar_rect(1)  # a zero: no bar, the page (a quarter up, between the lines)
    page = image.pixelColor(int(empty.center().x()), int(area.bottom() - area.height() / 4))
    assert page.lightness() == 255
    with qtbot.waitSignal(bars.clicked):
        QTest.mouseClick(bars, Qt.MouseButton.LeftButton, pos=three)
