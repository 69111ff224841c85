"""Draw the sample digits the app starts with, as a user would: strokes on the real canvas.

    python resources/samples/make_samples.py

They are ConvLens's own (no MNIST image), white ink on black, 280x280 like the canvas.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from convlens.gui.views.canvas import DrawingCanvas  # noqa: E402
from PIL import Image  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def ellipse(cx, cy, rx, ry, start=0.0, turns=1.0, steps=48):
    t = np.linspace(start, start + 2 * np.pi * turns, steps)
    return list(zip(cx + rx * np.sin(t), cy - ry * np.cos(t), strict=True))


STROKES = {  # each digit: its strokes, each a polyline in canvas pixels
    0: [ellipse(140, 140, 62, 95)],
    1: [[(120, 80), (158, 45), (150, 235)]],
    2: [[(85, 95), (105, 58), (150, 45), (192, 70), (192, 115), (90, 230), (208, 228)]],
    3: [
        [(85, 62), (170, 50), (196, 90), (130, 135), (198, 168), (190, 218), (120, 235), (82, 215)]
    ],
    4: [[(165, 45), (78, 172), (215, 172)], [(168, 95), (168, 238)]],
    5: [[(200, 50), (105, 52), (96, 128), (160, 116), (200, 158), (188, 214), (92, 226)]],
    6: [
        [(190, 52), (125, 85), (92, 165), (110, 225), (168, 228), (192, 182), (160, 146), (98, 165)]
    ],
    7: [[(75, 55), (210, 55), (128, 238)]],
    8: [ellipse(140, 92, 48, 45), ellipse(140, 185, 58, 50, start=np.pi)],
    9: [ellipse(140, 98, 52, 48, start=np.pi / 2), [(192, 98), (172, 238)]],
}


LEFT, NONE = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier


def draw(canvas: DrawingCanvas, strokes) -> np.ndarray:
    canvas.clear()
    for stroke in strokes:
        points = [QPoint(int(x), int(y)) for x, y in np.repeat(np.asarray(stroke), 1, axis=0)]
        QTest.mousePress(
            canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[0]
        )
        for a, b in zip(points, points[1:], strict=False):
            for t in np.linspace(0, 1, 8, endpoint=False)[1:]:
                QTest.mouseMove(canvas, a + (b - a) * t)
            QTest.mouseMove(canvas, b)
        QTest.mouseRelease(
            canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[-1]
        )
    return canvas.ink()


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    canvas = DrawingCanvas()
    canvas.brush_size = 22
    canvas.show()
    folder = Path(__file__).resolve().parent
    for digit, strokes in STROKES.items():
        ink = draw(canvas, strokes)
        Image.fromarray(np.round(ink * 255).astype(np.uint8)).save(folder / f"{digit}.png")
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
