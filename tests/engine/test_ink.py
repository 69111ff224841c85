"""engine.ink on synthetic digits with a known bounding box: any coverage, crop, polarity,
size and light. Each image is written to disk and read back through read_ink, as users do."""

import numpy as np
import pytest
from convlens.engine import ink
from convlens.engine.images import BlankImageError, NoDigitError, load_digit, read_ink
from PIL import Image, ImageDraw


def ring(size: tuple[int, int], box: tuple[int, int, int, int], width: int) -> np.ndarray:
    """A '0': an ellipse outline inside ``box`` (left, top, right, bottom; inclusive)."""
    im = Image.new("L", size, 0)
    ImageDraw.Draw(im).ellipse(box, outline=255, width=width)
    return np.asarray(im, np.float32) / 255


def seven(size: tuple[int, int], box: tuple[int, int, int, int], width: int) -> np.ndarray:
    """A '7': a bar and a stem drawn inside ``box``, square ends, so the box is exact."""
    left, top, right, bottom = box
    half = width / 2
    im = Image.new("L", size, 0)
    draw = ImageDraw.Draw(im)
    draw.rectangle((left, top, right, top + width - 1), fill=255)
    stem = [(right - width, top), (right, top), (left + 0.35 * (right - left) + half, bottom)]
    draw.polygon([*stem, (left + 0.35 * (right - left) - half, bottom)], fill=255)
    return np.asarray(im, np.float32) / 255


def box_of(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the pixels above one half, inclusive."""
    rows = np.flatnonzero((mask > 0.5).any(axis=1))
    cols = np.flatnonzero((mask > 0.5).any(axis=0))
    return int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])


def render(drawn: np.ndarray, polarity: str, light: np.ndarray | float = 1.0, seed: int = 0):
    """Ink on paper as 8-bit grey: black on white paper, or white on black; lit by ``light``,
    with a little sensor noise."""
    rng = np.random.default_rng(seed)
    if polarity == "dark_on_light":
        reflectance = 0.92 - 0.8 * drawn
    else:
        reflectance = 0.08 + 0.8 * drawn
    pixels = light * reflectance + rng.normal(0, 0.01, drawn.shape)
    return np.clip(pixels * 255, 0, 255).round().astype(np.uint8)


def found(tmp_path, pixels: np.ndarray) -> np.ndarray:
    path = tmp_path / "digit.png"
    Image.fromarray(pixels).save(path)
    return read_ink(path)


def check(found_ink: np.ndarray, drawn: np.ndarray, tolerance: int = 1) -> None:
    assert found_ink.shape == drawn.shape
    assert np.abs(np.subtract(box_of(found_ink), box_of(drawn))).max() <= tolerance
    inked = drawn > 0.99
    assert (found_ink[inked] > 0.5).mean() > 0.97  # the strokes, whole
    assert (found_ink[drawn == 0] > 0.5).mean() < 0.01  # and the paper, not


# (shape, size, box, width): the share of the image the ink covers is in the id.
CASES = {
    "2%_small_in_a_large_page": ("seven", (600, 500), (380, 300, 470, 400), 5),
    "10%_with_margin": ("seven", (300, 300), (70, 60, 230, 240), 16),
    "30%_tight_crop_touching_every_edge": ("seven", (120, 160), (0, 0, 119, 159), 22),
    "45%_tight_crop_ring": ("ring", (100, 130), (0, 0, 99, 129), 18),
    "70%_tight_crop_thick_ring": ("ring", (100, 120), (0, 0, 99, 119), 40),
    "60%_thick_seven_touching_every_edge": ("seven", (90, 110), (0, 0, 89, 109), 36),
    "touching_two_edges": ("ring", (200, 160), (40, 0, 199, 159), 20),
}


def drawing(name: str) -> np.ndarray:
    shape, size, box, width = CASES[name]
    return (ring if shape == "ring" else seven)(size, box, width)


@pytest.mark.parametrize("polarity", ["dark_on_light", "light_on_dark"])
@pytest.mark.parametrize("name", list(CASES))
def test_any_coverage_and_crop(name, polarity, tmp_path):
    drawn = drawing(name)
    coverage = int(name.split("%")[0]) / 100 if "%" in name else None
    if coverage is not None:
        assert abs(drawn.mean() - coverage) < 0.05, drawn.mean()  # the case is what it says
    check(found(tmp_path, render(drawn, polarity)), drawn)


@pytest.mark.parametrize("name", ["10%_with_margin", "30%_tight_crop_touching_every_edge"])
def test_unevenly_lit(name, tmp_path):
    """Light falling off to a third across the image, and a soft shadow in one corner."""
    drawn = drawing(name)
    height, width = drawn.shape
    ys, xs = np.mgrid[0:height, 0:width] / max(height, width)
    light = (1.0 - 0.65 * xs) * (1 - 0.3 * np.exp(-((xs - 0.9) ** 2 + (ys - 0.9) ** 2) / 0.05))
    check(found(tmp_path, render(drawn, "dark_on_light", light)), drawn)


EIGHT_BY_EIGHT_FOUR = np.array(  # a '4' as a 8x8 scan would give it, ink = 1
    [
        [0, 0, 0, 0, 0, 1, 0, 0],
        [0, 0, 0, 0, 1, 1, 0, 0],
        [0, 0, 0, 1, 0, 1, 0, 0],
        [0, 0, 1, 0, 0, 1, 0, 0],
        [0, 1, 1, 1, 1, 1, 1, 0],
        [0, 0, 0, 0, 0, 1, 0, 0],
        [0, 0, 0, 0, 0, 1, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 0],
    ],
    np.float32,
)


@pytest.mark.parametrize("scale", [1, 4, 8])
@pytest.mark.parametrize("polarity", ["dark_on_light", "light_on_dark"])
def test_eight_by_eight_digit(scale, polarity, tmp_path):
    """An 8x8 digit, as it is and enlarged (blocky): the same box, the same strokes."""
    drawn = np.kron(EIGHT_BY_EIGHT_FOUR, np.ones((scale, scale), np.float32))
    check(found(tmp_path, render(drawn, polarity)), drawn)
    digit = load_digit(tmp_path / "digit.png")
    assert box_of(digit)[1] - box_of(digit)[0] + 1 in (19, 20, 21)


@pytest.mark.parametrize("level", [0, 128, 255])
def test_uniform_is_blank(level, tmp_path):
    assert not found(tmp_path, np.full((50, 70), level, np.uint8)).any()
    with pytest.raises(BlankImageError, match="blank"):
        load_digit(tmp_path / "digit.png")


@pytest.mark.parametrize("size", [(8, 8), (300, 200)])
def test_random_noise_is_no_digit(size, tmp_path):
    noise = np.random.default_rng(4).integers(0, 256, size, dtype=np.uint8)
    with pytest.raises(NoDigitError, match="digit.png: no digit found"):
        found(tmp_path, noise)


def test_scattered_specks_are_no_digit(tmp_path):
    """Salt on black: marks with contrast, but no two of them join up into a stroke."""
    pixels = np.zeros((200, 200), np.uint8)
    rng = np.random.default_rng(5)
    pixels[rng.integers(0, 200, 400), rng.integers(0, 200, 400)] = 255
    with pytest.raises(NoDigitError, match="specks"):
        found(tmp_path, pixels)


def test_largest_share():
    """Pieces touching at a corner are one (8-connected); noise is many small pieces."""
    mask = np.zeros((40, 40), bool)
    mask[2:10, 2:10] = True  # 64 pixels
    mask[10:20, 10] = True  # 10 pixels, touching the square's corner
    mask[30:36, 30:36] = True  # 36 pixels apart
    assert ink._largest_share(mask) == pytest.approx(74 / 110)
    assert ink._largest_share(ring((300, 300), (20, 20, 280, 280), 2) > 0.5) == 1.0
    noise = np.random.default_rng(6).random((300, 300)) < 0.1
    assert ink._largest_share(noise) < 0.01
