"""A sweep's results as a PNG (``sweep --plot FILE.png``): final accuracy and loss against
the value, training and validation side by side, drawn with Pillow (no plotting library).

The values are spaced evenly in the order given, each labelled under its point: a sweep's
values are few and often spread by factors (4, 16, 64, ...) or are names (relu, tanh), so
even spacing reads well for all of them. The gap between the two lines is the overfitting;
both low is the underfitting. A value that could not be trained is marked "error".
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from convlens.engine.sweep import SweepRun
from PIL import Image, ImageDraw, ImageFont

TRAIN_COLOUR = (31, 119, 180)  # the training curves' blue in the app
VAL_COLOUR = (255, 127, 14)
LEGEND = (("training", TRAIN_COLOUR), ("validation", VAL_COLOUR))
PANEL = (420, 300)  # width, height of one plot's area, in pixels
MARGIN = (60, 40, 20, 60)  # left, top, right, bottom around each plot area
LINES = (("accuracy", "train_accuracy", "val_accuracy"), ("loss", "train_loss", "val_loss"))


def _top(runs: Sequence[SweepRun], keys: tuple[str, str]) -> float:
    """The y axis' upper end: 1 for accuracies, the largest loss (rounded up) for losses."""
    values = [getattr(run, key) for run in runs for key in keys if getattr(run, key) is not None]
    return max([1.0, *values]) if values else 1.0


def point(runs: Sequence[SweepRun], panel: int, index: int, value: float) -> tuple[int, int]:
    """Where ``value`` of run ``index`` lands in ``panel`` (0: accuracy, 1: loss), in pixels."""
    left, top, right, _ = MARGIN
    x0 = left + panel * (PANEL[0] + left + right)
    x = x0 + PANEL[0] * (index + 0.5) / len(runs)
    y = top + PANEL[1] * (1 - value / _top(runs, LINES[panel][1:]))
    return round(x), round(y)


def sweep_png(runs: Sequence[SweepRun], setting: str) -> bytes:
    """The plot of ``runs`` (one per value, errors included) as PNG bytes."""
    left, top, right, bottom = MARGIN
    width = 2 * (left + PANEL[0] + right)
    image = Image.new("RGB", (width, top + PANEL[1] + bottom), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    for panel, (title, *keys) in enumerate(LINES):
        x0 = left + panel * (PANEL[0] + left + right)
        highest = _top(runs, keys)
        draw.text((x0, 8), f"final {title} against {setting}", fill="black", font=font)
        for k in range(5):  # grid lines at quarters of the axis
            y = top + PANEL[1] * k / 4
            draw.line([(x0, y), (x0 + PANEL[0], y)], fill=(225, 225, 225))
            draw.text((x0 - 50, y - 6), f"{highest * (1 - k / 4):.2f}", fill="black", font=font)
        draw.rectangle([x0, top, x0 + PANEL[0], top + PANEL[1]], outline="black")
        for index, run in enumerate(runs):
            x, _ = point(runs, panel, index, 0.0)
            label = str(run.value) if run.error is None else f"{run.value}: error"
            draw.text((x - 3 * len(label), top + PANEL[1] + 8), label, fill="black", font=font)
        for key, (_, colour) in zip(keys, LEGEND, strict=True):
            points = [
                point(runs, panel, index, getattr(run, key))
                for index, run in enumerate(runs)
                if getattr(run, key) is not None
            ]
            if len(points) > 1:
                draw.line(points, fill=colour, width=2)
            for x, y in points:
                draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill=colour)
        for row, (name, colour) in enumerate(LEGEND):
            y = top + PANEL[1] + 30 + 14 * row
            draw.rectangle([x0, y, x0 + 10, y + 10], fill=colour)
            draw.text((x0 + 16, y - 1), name, fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
