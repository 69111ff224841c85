"""Digits as users make them, drawn with Pillow: fourteen styles, from a mouse on the canvas to
a photographed marker digit on uneven paper, a printed "7", a digit cropped tight to its ink
and a tiny scan enlarged. Every style is a function
``(digit, rng) -> (image, file extension)``; the same random stream gives the same image.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

Point = tuple[float, float]
Stroke = list[Point]
FONT_DIRS = (Path("/usr/share/fonts"), Path("/Library/Fonts"), Path("C:/Windows/Fonts"))


# --- handwriting: each digit as pen strokes in a unit box (x right, y down) -----------------


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float) -> Stroke:
    """Points along an ellipse from angle ``start`` to ``end`` (degrees; 90 points down)."""
    n = max(8, int(abs(end - start) / 6))
    angles = np.radians(np.linspace(start, end, n))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


def digit_strokes(digit: int, rng: random.Random) -> list[Stroke]:
    """One way of writing ``digit``; ``rng`` picks between the common variants."""
    variant = rng.randrange(3)
    if digit == 0:
        return [_arc(0.5, 0.5, rng.uniform(0.22, 0.32), 0.46, 265, 265 + rng.uniform(340, 380))]
    if digit == 1:
        stem = [(0.52, 0.04), (0.48, 0.96)]
        if variant == 1:
            return [[(0.3, 0.22), *stem]]  # a flag
        if variant == 2:
            return [[(0.32, 0.2), *stem], [(0.3, 0.96), (0.68, 0.96)]]  # flag and base
        return [stem]
    if digit == 2:
        top = _arc(0.5, 0.3, 0.27, 0.25, 195, 380)
        if variant == 2:  # a loop at the bottom
            return [[*top, (0.25, 0.88)] + _arc(0.3, 0.86, 0.08, 0.08, 90, 400) + [(0.84, 0.93)]]
        return [[*top, (0.2, 0.95), (0.82, 0.94)]]
    if digit == 3:
        if variant == 2:  # flat top, like a z with a belly
            return [
                [(0.2, 0.05), (0.75, 0.05), (0.45, 0.42)] + _arc(0.47, 0.7, 0.3, 0.26, 250, 520)
            ]
        upper = _arc(0.47, 0.27, 0.25, 0.22, 200, 450)
        return [upper + _arc(0.47, 0.72, 0.29, 0.24, 270, 520)]
    if digit == 4:
        if variant == 1:  # open top
            return [[(0.25, 0.04), (0.2, 0.6), (0.84, 0.6)], [(0.68, 0.04), (0.68, 0.96)]]
        return [[(0.62, 0.04), (0.14, 0.64), (0.86, 0.64)], [(0.64, 0.3), (0.64, 0.96)]]
    if digit == 5:
        bar = [(0.78, 0.05), (0.3, 0.05)]
        belly = _arc(0.47, 0.69, 0.3, 0.26, 222, 497)
        if variant == 2:  # the bar last, as many people write it
            return [[(0.3, 0.05), (0.27, 0.47)] + belly, bar]
        return [[*bar, (0.27, 0.47)], belly]
    if digit == 6:
        loop = _arc(0.5, 0.72, 0.24, 0.23, 180, -175)
        if variant == 2:  # a straight back
            return [[(0.66, 0.04), (0.27, 0.66)] + loop]
        return [_arc(0.72, 0.7, 0.46, 0.66, 262, 180) + loop]
    if digit == 7:
        strokes = [[(0.18, 0.05), (0.82, 0.05), (0.42, 0.96)]]
        return strokes + [[(0.4, 0.5), (0.76, 0.5)]] if variant == 2 else strokes
    if digit == 8:
        if variant == 2:  # one stroke: an S and back up
            s = _arc(0.5, 0.27, 0.21, 0.22, 0, -270) + _arc(0.5, 0.72, 0.27, 0.24, 270, 450)
            return [s + _arc(0.5, 0.72, 0.27, 0.24, 90, 270) + [(0.71, 0.27)]]
        return [_arc(0.5, 0.27, 0.21, 0.22, 90, 450), _arc(0.5, 0.72, 0.27, 0.24, 270, 630)]
    loop = _arc(0.48, 0.29, 0.25, 0.24, 5, -355)
    if variant == 2:  # a curved tail
        return [loop + _arc(0.35, 0.55, 0.38, 0.42, 0, 110)]
    return [loop + [(0.71, 0.96) if variant else (0.62, 0.96)]]


def _warp(strokes: list[Stroke], rng: random.Random, slant: float, tilt: float) -> list[Stroke]:
    """Hand-made variation: a smooth wobble, a slant, a tilt (degrees) and an aspect ratio."""
    a1, a2 = rng.uniform(-0.05, 0.05), rng.uniform(-0.05, 0.05)
    p1, p2 = rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)
    tilt = math.radians(tilt + rng.uniform(-10, 10))
    aspect = rng.uniform(0.8, 1.15)
    out = []
    for stroke in strokes:
        moved = []
        for x, y in stroke:
            x += a1 * math.sin(2 * math.pi * y + p1)
            y += a2 * math.sin(2 * math.pi * x + p2)
            x = 0.5 + (x - 0.5) * aspect + slant * (0.5 - y)  # slant: the top leans right
            dx, dy = x - 0.5, y - 0.5
            moved.append(
                (
                    0.5 + dx * math.cos(tilt) - dy * math.sin(tilt),
                    0.5 + dx * math.sin(tilt) + dy * math.cos(tilt),
                )
            )
        out.append(moved)
    return out


def _draw_hand(
    size: tuple[int, int],
    digit: int,
    rng: random.Random,
    box: tuple[float, float, float],  # left, top, height of the digit in pixels
    pen: float,  # pen width in pixels
    slant: float = 0.0,
    shake: float = 0.0,  # hand or mouse tremor, pixels
    tilt: float = 0.0,  # degrees clockwise, on top of a random +-10
) -> Image.Image:
    """An 'L' image, 255 where the pen went, drawn 4x larger and shrunk for smooth edges."""
    k = 4
    width, height = size
    im = Image.new("L", (width * k, height * k), 0)
    draw = ImageDraw.Draw(im)
    left, top, h = box
    r = pen * k / 2
    for stroke in _warp(digit_strokes(digit, rng), rng, slant, tilt):
        points = [
            ((left + x * h + rng.gauss(0, shake)) * k, (top + y * h + rng.gauss(0, shake)) * k)
            for x, y in stroke
        ]
        draw.line(points, fill=255, width=max(1, round(pen * k)), joint="curve")
        for x, y in (points[0], points[-1]):  # round pen tips
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return im.resize(size, Image.Resampling.BOX)


def _place(rng: random.Random, size: tuple[int, int], height: float) -> tuple[float, float, float]:
    """A random box of the given height that fits the image (x extent ~0.9 of the height)."""
    width, full = size
    left = rng.uniform(0.05 * height, max(0.05 * height, width - 0.95 * height))
    top = rng.uniform(0.02 * height, max(0.02 * height, full - 1.02 * height))
    return left, top, height


# --- the styles ---------------------------------------------------------------------------


def _on_paper(ink: Image.Image, rng: random.Random, colour=(20, 20, 30)) -> Image.Image:
    """Ink on white paper: RGB, dark on light."""
    paper = Image.new("RGB", ink.size, (250, 250, 247))
    return Image.composite(Image.new("RGB", ink.size, colour), paper, ink)


def canvas(digit: int, rng: random.Random) -> tuple[Image.Image, str]:
    """The app's drawing canvas: a thick round pen, white on black, anywhere on 280x280."""
    size = (280, 280)
    box = _place(rng, size, rng.uniform(110, 230))
    return _draw_hand(size, digit, rng, box, rng.uniform(12, 22), shake=rng.uniform(0, 2.5)), "png"


def thin_pen(digit: int, rng: random.Random) -> tuple[Image.Image, str]:
    """A fine pen on white paper, scanned: strokes 1.5-3 px on a 300 px digit."""
    size = (400, 400)
    ink = _draw_hand(
        size, digit, rng, _place(rng, size, rng.uniform(200, 320)), rng.uniform(1.5, 3)
    )
    return _on_paper(ink, rng), "png"


def marker(digit: int, rng: random.Random) -> tuple[Image.Image, str]:
    """A thick marker: strokes a seventh to a fifth of the digit's height."""
    size = (300, 300)
    height = rng.uniform(170, 240)
    pen = height * rng.uniform(0.14, 0.2)
    return _on_paper(_draw_hand(size, digit, rng, _place(rng, size, height), pen), rng), "png"


def slanted(digit: int, rng: random.Random) -> tuple[Image.Image, str]:
    """Fast cursive-like writing leaning right (or, now and then, left)."""
    size = (300, 300)
    slant = rng.uniform(0.25, 0.5) * (1 if rng.random() < 0.8 else -0.6)
    box = (rng.uniform(60, 90), rng.uniform(30, 60), rng.uniform(170, 220))
    return _on_paper(_draw_hand(size, digit, rng, box, rng.uniform(5, 10), slant), rng), "png"


def rotated(digit: int, rng: random.Random) -> tuple[Image.Image, str]:
    """Written, or photographed, at an angle: 15-30 degrees either way."""
    size = (320, 320)
    tilt = rng.uniform(15, 25) * rng.choice((-1, 1))
    box = (rng.uniform(60, 80), rng.uniform(40, 60), rng.uniform(180, 220))
    ink = _draw_hand(size, digit, rng, box, rng.uniform(6, 12), tilt=tilt)
    return _on_paper(ink, rng), "png"


def off_centre(digit: int, rng: random.Random) -> tuple[Image.Image, str]:
    """A small digit in a corner of a large, mostly empty image."""
    size = (640, 480)
    height = rng.uniform(60, 110)
    corner = rng.choice([(20, 20), (520, 20), (20, 340), (520, 340)])
    box = (corner[0] + rng.uniform(0, 20), corner[1] + rng.uniform(0, 20), height)
    return _on_paper(_draw_hand(size, digit, rng, box, rng.uniform(4, 8)), rng), "png"


def large(digit: int, rng: random.Random) -> tuple[Image.Image, str]:
    """A digit that fills its image to the edges."""
    size = (200, 220)
    box = (rng.uniform(5, 20), rng.uniform(2, 8), rng.uniform(200, 212))
    return _on_paper(_draw_hand(size, digit, rng, box, rng.uniform(8, 16)), rng), "png"


def transparent(digit: int, rng: random.Random) -> tuple[Image.Image, str]:
    """White ink on a transparent background (RGBA): how many drawing apps export."""
    size = (256, 256)
    ink = _draw_hand(size, digit, rng, _place(rng, size, rng.uniform(150, 220)), rng.uniform(8, 18))
    rgba = Image.new("RGBA", size, (255, 255, 255, 0))
    rgba.putalpha(ink)
    return rgba, "png"


def photo(digit: int, rng: random.Random) -> tuple[Image.Image, str]:
    """A phone photo of ink on paper: uneven light, a shadow, noise, blur, JPEG."""
    size = (640, 480)
    height = rng.uniform(150, 320)
    ink = _draw_hand(size, digit, rng, _place(rng, size, height), height * rng.uniform(0.04, 0.12))
    ink = ink.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.5)))
    yy, xx = np.mgrid[0 : size[1], 0 : size[0]].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (xx * math.cos(angle) + yy * math.sin(angle)) / max(size)
    light = 0.55 + rng.uniform(0.25, 0.4) * (ramp - ramp.min())  # one side darker
    cx, cy = rng.uniform(0, size[0]), rng.uniform(0, size[1])
    light *= 1 - 0.15 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * 150.0**2))  # a shadow
    tint = np.array([1.0, 0.97, 0.9], np.float32)  # warm indoor light
    alpha = np.asarray(ink, np.float32)[..., None] / 255 * rng.uniform(0.75, 0.95)
    paper = light[..., None] * tint * 255
    pixels = paper * (1 - alpha) + np.array([25, 25, 60], np.float32) * alpha
    pixels += np.random.default_rng(rng.randrange(2**32)).normal(0, 4, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)), "jpg"


def _ink_box(ink: Image.Image) -> tuple[int, int, int, int]:
    """(left, top, right, bottom), exclusive, of the pixels the pen touched visibly."""
    return Image.eval(ink, lambda v: 255 if v > 24 else 0).getbbox() or (0, 0, *ink.size)


def tight_crop(digit: int, rng: random.Random) -> tuple[Image.Image, str]:
    """A scan or photo cropped down to the digit: its ink touches every edge (0-2 px margin),
    any pen from fine to marker, so the ink covers from a tenth to over half the image."""
    size = (320, 320)
    height = rng.uniform(180, 280)
    ink = _draw_hand(size, digit, rng, _place(rng, size, height), height * rng.uniform(0.03, 0.2))
    left, top, right, bottom = _ink_box(ink)
    m = [rng.randint(0, 2) for _ in range(4)]
    ink = ink.crop((left - m[0], top - m[1], right + m[2], bottom + m[3]))
    image = _on_paper(ink, rng)
    if rng.random() < 0.5:  # from a phone: a little noise and JPEG
        pixels = np.asarray(image, np.float32)
        pixels += np.random.default_rng(rng.randrange(2**32)).normal(0, 3, pixels.shape)
        return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)), "jpg"
    return image, "png"


def fills_frame(digit: int, rng: random.Random) -> tuple[Image.Image, str]:
    """A digit as tall as its image, top to bottom, with a thick pen: little paper is left."""
    height = rng.randint(100, 240)
    width = round(height * rng.uniform(0.75, 1.0))
    ink = _draw_hand(
        (width, height), digit, rng, (width * 0.08, 0, height), height * rng.uniform(0.1, 0.2)
    )
    left, top, right, bottom = _ink_box(ink)  # squeeze out the rows the pen did not reach
    ink = ink.crop((0, top, width, bottom))
    return _on_paper(ink, rng), "png"


def tiny_scan(digit: int, rng: random.Random) -> tuple[Image.Image, str]:
    """A small scan (16-40 px, the digit filling it, grey paper, blur, noise) that the user
    enlarged 4-10x with whatever filter their program used."""
    height = rng.randint(16, 40)
    width = round(height * rng.uniform(0.7, 1.0))
    box = (rng.uniform(0, 0.1) * width, rng.uniform(0, 0.06) * height, height * 0.94)
    ink = _draw_hand((width, height), digit, rng, box, height * rng.uniform(0.08, 0.16))
    ink = ink.filter(ImageFilter.GaussianBlur(rng.uniform(0.2, 0.6)))
    paper = rng.uniform(200, 245)
    pixels = paper - (paper - rng.uniform(10, 70)) * np.asarray(ink, np.float32) / 255
    pixels += np.random.default_rng(rng.randrange(2**32)).normal(0, 2, pixels.shape)
    small = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    factor = rng.randint(4, 10)
    resample = rng.choice([Image.Resampling.NEAREST, Image.Resampling.BILINEAR, Image.BICUBIC])
    return small.resize((width * factor, height * factor), resample), rng.choice(["png", "jpg"])


def _fonts() -> list[Path]:
    """The TrueType fonts to print digits with: DejaVu, Noto, Liberation where installed."""
    found = []
    for folder in FONT_DIRS:
        if folder.is_dir():
            found += [
                p
                for p in folder.rglob("*.ttf")
                if p.stem.startswith(("DejaVu", "Noto", "Liberation", "Arial", "Times"))
                and "Math" not in p.stem
                and "ExtraLight" not in p.stem
            ]
    return sorted(found)


def printed(digit: int, rng: random.Random) -> tuple[Image.Image, str]:
    """A printed digit in one of the installed fonts (PIL's own font if none)."""
    size = (300, 300)
    fonts = _fonts()
    px = rng.randint(120, 220)
    font = ImageFont.truetype(str(rng.choice(fonts)), px) if fonts else ImageFont.load_default(px)
    im = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(im)
    left, top, right, bottom = draw.textbbox((0, 0), str(digit), font=font)
    x = rng.uniform(10, max(10, size[0] - (right - left) - 10)) - left
    y = rng.uniform(10, max(10, size[1] - (bottom - top) - 10)) - top
    draw.text((x, y), str(digit), fill=(0, 0, 0), font=font)
    return im, "png"


def printed_scan(digit: int, rng: random.Random) -> tuple[Image.Image, str]:
    """A printed digit, scanned: slightly rotated, grey paper, JPEG."""
    im, _ = printed(digit, rng)
    im = im.rotate(rng.uniform(-6, 6), Image.Resampling.BICUBIC, fillcolor=(255, 255, 255))
    pixels = np.asarray(im, np.float32) * rng.uniform(0.8, 0.95) + rng.uniform(5, 25)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)), "jpg"


STYLES: dict[str, Callable[[int, random.Random], tuple[Image.Image, str]]] = {
    f.__name__: f
    for f in (canvas, thin_pen, marker, slanted, rotated, off_centre, large, transparent, photo,
              printed, printed_scan, tight_crop, fills_frame, tiny_scan)
}  # fmt: skip
