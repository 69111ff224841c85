"""Digits drawn as pen strokes with Pillow, the way a user draws them on the canvas."""

import math

import numpy as np
from PIL import Image, ImageDraw

SIDE = 280  # the canvas: ten times the network's input


def strokes(lines, width: int) -> np.ndarray:
    """An (SIDE, SIDE) float ink map (1 = ink) of polylines given in 0..1 coordinates."""
    canvas = Image.new("L", (SIDE, SIDE), 0)
    draw = ImageDraw.Draw(canvas)
    for line in lines:
        points = [(x * SIDE, y * SIDE) for x, y in line]
        draw.line(points, fill=255, width=width, joint="curve")
        for x, y in points:  # round pen ends
            draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=255)
    return np.asarray(canvas, np.float32) / 255


def flagged_one(slant: float = 0.0, width: int = 18, flag: float = 0.4, base: bool = False):
    """A '1' with a long flag at the top (and maybe a base), leaning ``slant`` degrees right.
    Flags this long the shipped model reads as 7s, though it learnt shorter ones."""
    lean = math.tan(math.radians(slant))
    top, bottom = (0.5 + 0.3 * lean, 0.2), (0.5 - 0.3 * lean, 0.8)
    flag_end = (top[0] - flag, top[1] + 0.7 * flag)
    lines = [[flag_end, top, bottom]]
    if base:
        lines.append([(bottom[0] - 0.12, bottom[1]), (bottom[0] + 0.12, bottom[1])])
    return strokes(lines, width)


def seven(slant: float = 0.0, width: int = 18):
    """A plain 7: a bar, then a long stroke down and left."""
    lean = math.tan(math.radians(slant))
    return strokes([[(0.3, 0.2), (0.72, 0.2), (0.45 - 0.3 * lean, 0.8)]], width)
