"""engine.images on real image files written by Pillow: every mode, lighting and polarity."""

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from convlens.engine import images, preprocess
from convlens.engine.images import BlankImageError, ImageError, center_digit, load_digit, read_ink
from convlens.engine.mnist import TEST_IMAGES, read_idx
from PIL import Image, ImageDraw

from tests.engine import test_hostile_images as hostile

MNIST_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "mnist"


def seven_mask(size=(280, 280), box=(40, 40, 240, 240), width=22) -> Image.Image:
    """A '7' drawn as anti-aliased-free lines: 255 = ink, 0 = paper, mode L."""
    left, top, right, bottom = box
    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    w, h = right - left, bottom - top
    draw.line([(left, top), (right, top)], fill=255, width=width)
    draw.line([(right, top), (left + 0.35 * w, bottom)], fill=255, width=width)
    draw.line([(left + 0.3 * w, top + 0.5 * h), (left + 0.8 * w, top + 0.5 * h)], 255, width)
    return mask


def mask_array(**kwargs) -> np.ndarray:
    return np.asarray(seven_mask(**kwargs), np.float32) / 255


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def shifted_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Correlation at the best shift by up to a pixel: centring rounds to whole pixels, so
    a slightly different ink map may land one pixel off, which says nothing of its quality."""
    shifts = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    return max(correlation(np.roll(a, shift, axis=(0, 1)), b) for shift in shifts)


def check_mnist_like(digit: np.ndarray) -> None:
    """Shape, range, 20-px box and centre of mass at (14, 14), as in MNIST."""
    assert digit.shape == (28, 28)
    assert digit.dtype == np.float32
    assert digit.min() >= 0 and digit.max() == pytest.approx(1.0)
    rows = np.flatnonzero(digit.any(axis=1))
    cols = np.flatnonzero(digit.any(axis=0))
    height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    assert max(height, width) == 20 and min(height, width) <= 20
    ys, xs = np.mgrid[0:28, 0:28]
    total = digit.sum()
    assert abs((digit * ys).sum() / total - 14) <= 1
    assert abs((digit * xs).sum() / total - 14) <= 1


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> np.ndarray:
    path = tmp_path_factory.mktemp("ref") / "seven.png"
    Image.fromarray(255 - np.asarray(seven_mask())).save(path)
    return load_digit(path)


def test_reference_is_mnist_like(reference):
    check_mnist_like(reference)
    # The 7's top bar: the first inked row is solid ink across most of the 20 px.
    top_row = reference[np.flatnonzero(reference.any(axis=1))[0]]
    assert (top_row > 0.9).sum() >= 15


def write_rgba(path: Path, ink_rgb: tuple, mask: Image.Image) -> None:
    """Ink of one colour on a fully transparent (0, 0, 0, 0) background."""
    rgba = Image.new("RGBA", mask.size, (0, 0, 0, 0))
    rgba.paste(Image.new("RGBA", mask.size, (*ink_rgb, 255)), mask=mask)
    rgba.save(path)


def write_variant(kind: str, path: Path) -> Path:
    """Write the reference '7' in one of many formats; return the file written."""
    mask = seven_mask()
    ink = np.asarray(mask)
    dark_on_white = Image.fromarray(255 - ink)
    if kind == "rgb_jpeg":
        path = path.with_suffix(".jpg")
        dark_on_white.convert("RGB").save(path, quality=85)
    elif kind == "rgba_white_on_transparent":
        write_rgba(path, (255, 255, 255), mask)
    elif kind == "rgba_black_on_transparent":
        write_rgba(path, (0, 0, 0), mask)
    elif kind == "la_png":
        Image.merge("LA", (Image.new("L", mask.size, 0), mask)).save(path)
    elif kind == "palette_gif":
        path = path.with_suffix(".gif")
        colour = Image.merge("RGB", (Image.fromarray(255 - ink // 2), dark_on_white, dark_on_white))
        colour.convert("P", palette=Image.Palette.ADAPTIVE, colors=16).save(path)
    elif kind == "palette_transparent_png":
        indexed = Image.new("P", mask.size, 0)
        indexed.putpalette([200, 10, 10, 20, 20, 200])  # 0: transparent red, 1: blue ink
        indexed.paste(1, mask=mask)
        indexed.save(path, transparency=0)
    elif kind == "png_16bit":
        wide = (65535 - ink.astype(np.uint16) * 257).astype(np.uint16)
        Image.fromarray(wide).save(path)
        with Image.open(path) as written:
            assert written.mode.startswith("I")
    elif kind == "bmp":
        path = path.with_suffix(".bmp")
        dark_on_white.convert("RGB").save(path)
    elif kind == "tiff_cmyk":
        path = path.with_suffix(".tiff")
        dark_on_white.convert("CMYK").save(path)
    elif kind == "one_bit_png":
        dark_on_white.convert("1", dither=Image.Dither.NONE).save(path)
    elif kind == "light_on_dark":
        Image.fromarray(ink // 2 + 100).save(path)
    elif kind == "exif_rotated_jpeg":
        path = path.with_suffix(".jpg")
        rotated = dark_on_white.transpose(Image.Transpose.ROTATE_90).convert("RGB")
        exif = Image.Exif()
        exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
        rotated.save(path, exif=exif, quality=90)
    elif kind == "animated_gif":
        path = path.with_suffix(".gif")
        other = Image.new("L", mask.size, 255)
        ImageDraw.Draw(other).ellipse((60, 60, 220, 220), outline=0, width=20)
        dark_on_white.save(path, save_all=True, append_images=[other], duration=100)
    else:
        raise AssertionError(kind)
    return path


VARIANTS = [
    "rgb_jpeg",
    "rgba_white_on_transparent",
    "rgba_black_on_transparent",
    "la_png",
    "palette_gif",
    "palette_transparent_png",
    "png_16bit",
    "bmp",
    "tiff_cmyk",
    "one_bit_png",
    "light_on_dark",
    "exif_rotated_jpeg",
    "animated_gif",
]


@pytest.mark.parametrize("kind", VARIANTS)
def test_formats_agree_with_reference(kind, tmp_path, reference):
    digit = load_digit(write_variant(kind, tmp_path / "seven.png"))
    check_mnist_like(digit)
    assert correlation(digit, reference) > 0.9


def test_unevenly_lit_noisy_photo(tmp_path, reference):
    """Light falling from one corner, paper grain, ink darker only relative to nearby paper."""
    height, width = 600, 800
    ys, xs = np.mgrid[0:height, 0:width]
    light = 0.1 + 0.9 * (xs / width * 0.7 + ys / height * 0.3)
    ink = np.asarray(seven_mask((width, height), (250, 130, 530, 410), 31), np.float32) / 255
    reflectance = 0.9 - 0.45 * ink  # soft pencil rather than black marker
    rng = np.random.default_rng(0)
    photo = light * reflectance + rng.normal(0, 0.03, (height, width))
    path = tmp_path / "photo.jpg"
    Image.fromarray(np.clip(photo * 255, 0, 255).astype(np.uint8)).save(path, quality=80)
    # No single global threshold can work: shaded paper is darker than lit ink.
    shaded_paper = photo[(ink == 0) & (xs < 100) & (ys < 100)].mean()
    lit_ink = photo[(ink > 0.5) & (xs > 450)].mean()
    assert shaded_paper < lit_ink
    found = read_ink(path)
    near_ink = np.asarray(seven_mask((width, height), (250, 130, 530, 410), 35)) > 0
    assert (found[~near_ink] > 0.1).mean() < 0.001  # paper, however dark, is not ink
    assert (found[ink > 0.99] > 0.5).mean() > 0.9
    digit = center_digit(found)
    check_mnist_like(digit)
    assert correlation(digit, reference) > 0.9


def test_thick_marker_in_soft_shadow(tmp_path):
    """Strokes wider than the paper between them, half in shadow: found whole, not as outlines."""
    height, width = 600, 800
    ys, xs = np.mgrid[0:height, 0:width]
    ring = Image.new("L", (width, height), 0)
    ImageDraw.Draw(ring).ellipse((200, 60, 600, 540), outline=255, width=110)
    ink = np.asarray(ring, np.float32) / 255
    # A soft shadow edge, a quarter of the image wide (hard edges are beyond a smooth model).
    shadow = 0.45 + 0.55 / (1 + np.exp(-(xs + 0.5 * ys - 500) / 60))
    photo = shadow * (0.9 - 0.45 * ink) + np.random.default_rng(3).normal(0, 0.03, ink.shape)
    path = tmp_path / "zero.png"
    Image.fromarray(np.clip(photo * 255, 0, 255).astype(np.uint8)).save(path)
    found = read_ink(path)
    assert (found[ink > 0.99] > 0.5).mean() > 0.95
    assert (found[ink == 0] > 0.1).mean() < 0.01
    assert shifted_correlation(center_digit(found), center_digit(ink)) > 0.95


@pytest.mark.skipif(not MNIST_DIR.is_dir(), reason=f"MNIST not found at {MNIST_DIR}")
@pytest.mark.parametrize("polarity", ["dark_on_white", "as_stored"])
def test_mnist_digits_saved_as_png(polarity, tmp_path):
    """A 28x28 MNIST digit saved as a picture comes back as itself, give or take a pixel."""
    digits = read_idx(MNIST_DIR / f"{TEST_IMAGES}.gz")[:1000:25]
    scores = []
    for digit in digits:
        path = tmp_path / "digit.png"
        Image.fromarray(255 - digit if polarity == "dark_on_white" else digit).save(path)
        loaded = load_digit(path)
        check_mnist_like(loaded)
        scores.append(shifted_correlation(loaded, digit))
    assert min(scores) > 0.85 and np.mean(scores) > 0.95


def test_dust_on_a_scan(tmp_path, reference):
    """Specks far from the digit must not stretch its bounding box."""
    page = 255 - np.asarray(seven_mask((600, 500), (200, 150, 400, 350), 22))
    page = page.copy()
    for y, x in [(20, 30), (480, 570), (40, 560), (460, 20)]:
        page[y : y + 3, x : x + 3] = 0
    path = tmp_path / "scan.png"
    Image.fromarray(page).save(path)
    digit = load_digit(path)
    check_mnist_like(digit)
    assert correlation(digit, reference) > 0.95


def test_off_centre_large_image(tmp_path, reference):
    """A 3000x2000 image with the digit in a corner: found, shrunk, centred."""
    mask = seven_mask((3000, 2000), (150, 100, 1050, 1000), 99)
    path = tmp_path / "big.png"
    Image.fromarray(255 - np.asarray(mask)).save(path)
    ink = read_ink(path)
    assert max(ink.shape) <= images.WORK_SIDE
    digit = center_digit(ink)
    check_mnist_like(digit)
    assert correlation(digit, reference) > 0.9


@pytest.mark.parametrize("kind", ["white", "noisy_uneven_paper"])
def test_blank_image(kind, tmp_path):
    path = tmp_path / "blank.png"
    if kind == "white":
        pixels = np.full((100, 120), 255, np.uint8)
    else:
        ys, xs = np.mgrid[0:400, 0:500]
        paper = 0.3 + 0.6 * xs / 500 + np.random.default_rng(1).normal(0, 0.02, xs.shape)
        pixels = np.clip(paper * 255, 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(path)
    with pytest.raises(BlankImageError, match="blank"):
        load_digit(path)


def test_blank_ink_map():
    with pytest.raises(BlankImageError):
        center_digit(np.zeros((280, 280), np.float32))
    with pytest.raises(BlankImageError):
        center_digit(np.full((50, 50), preprocess.INK_FLOOR / 2, np.float32))


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        b"hello, this is text\n",
        b"",
        hostile.EPS,
        hostile.tiff_with_float_strip_offset(),
        hostile.dds_with_unknown_pixel_flags(),
    ],
    ids=["corrupt_png", "text", "empty", "eps", "tiff_float_strip_offset", "dds_unknown_flags"],
)
def test_not_an_image(content, tmp_path):
    path = tmp_path / "digit.png"
    path.write_bytes(content)
    with pytest.raises(ImageError, match="digit.png"):
        read_ink(path)


def test_truncated_image(tmp_path):
    path = tmp_path / "cut.png"
    noise = np.random.default_rng(2).integers(0, 255, (200, 200), np.uint8)
    Image.fromarray(noise).save(path)
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(ImageError, match="cut.png"):
        read_ink(path)


def test_missing_file(tmp_path):
    with pytest.raises(ImageError, match="nothing.png"):
        read_ink(tmp_path / "nothing.png")


def one_bit_png(width: int, height: int) -> bytes:
    """A real, valid all-black 1-bit PNG, compressed to a few kB whatever its size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes((width + 7) // 8)  # filter byte, then packed pixels
    pixels = zlib.compress(row * height, 9)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [8000, 10000, 14000])  # ours, Pillow's warning, Pillow's error
def test_too_many_pixels(side, tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(one_bit_png(side, side))
    with pytest.raises(ImageError, match="huge.png is too large"):
        read_ink(path)


def test_center_digit_moves_and_scales():
    """A small digit in a corner of a canvas ends up 20 px tall and centred."""
    canvas = np.zeros((280, 280), np.float32)
    canvas[10:90, 180:270] = mask_array(size=(90, 80), box=(8, 8, 82, 72), width=8)
    check_mnist_like(center_digit(canvas))


def test_center_digit_keeps_aspect_ratio():
    """A '1' is a tall thin bar: its width stays narrow, as in MNIST."""
    canvas = np.zeros((280, 280), np.float32)
    canvas[40:240, 130:150] = 1
    digit = center_digit(canvas)
    check_mnist_like(digit)
    cols = np.flatnonzero(digit.any(axis=0))
    assert cols[-1] - cols[0] + 1 <= 3


@pytest.mark.skipif(not MNIST_DIR.is_dir(), reason=f"MNIST not found at {MNIST_DIR}")
def test_center_digit_leaves_mnist_digits_alone():
    """MNIST digits are already centred and 20 px: the recipe should nearly reproduce them."""
    digits = read_idx(MNIST_DIR / f"{TEST_IMAGES}.gz")[:200].astype(np.float32) / 255
    scores = [correlation(center_digit(d), d) for d in digits]
    assert min(scores) > 0.9
    assert np.mean(scores) > 0.95
