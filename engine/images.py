"""Any image file -> the network's 28x28 input, prepared the way MNIST digits were.

`read_ink` turns a file (a drawing, a scan, a phone photo) into an ink map: 1 = ink, 0 = paper.
It reads the file itself, safely (regular files only, size and pixel caps, an allow-list of
formats that Pillow decodes in-process), and leaves finding the ink to `engine.ink`.
`center_digit` applies the MNIST recipe to an ink map: crop, scale into 20x20, centre the mass
in 28x28 (`engine.preprocess` keeps its steps). The GUI's drawing canvas calls `center_digit`
directly on its own ink array.
"""

from __future__ import annotations

import io
import math
import os
import stat
import warnings
from pathlib import Path

import numpy as np
from convlens.engine.ink import BlankImageError, ImageError, NoDigitError, extract_ink
from convlens.engine.preprocess import preprocess
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "FORMATS",
    "MAX_BYTES",
    "MAX_PIXELS",
    "BlankImageError",
    "ImageError",
    "NoDigitError",
    "center_digit",
    "load_digit",
    "read_ink",
]

# The formats we document, decoded by Pillow itself: never one that hands the file to an
# outside program (EPS and PostScript go to Ghostscript), whatever the file's name or content.
FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP")
MAX_BYTES = 64 * 2**20  # a 50-megapixel greyscale TIFF, uncompressed, still fits
MAX_PIXELS = 50_000_000  # checked from the header, before any pixel is decoded
# Ink is looked for at most this large: the digit ends up 20 px, so 1024 keeps plenty of detail
# even when the digit fills a tenth of a photo, and bounds the cost of the steps below.
WORK_SIDE = 1024


def load_digit(path: str | os.PathLike) -> np.ndarray:
    """The network's (28, 28) float32 input in [0, 1] for the digit in an image file."""
    return center_digit(read_ink(path))


def read_ink(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as an (H, W) float32 ink map in [0, 1]: ink = 1, paper = 0.

    PNG, JPEG, BMP, GIF, TIFF or WebP (FORMATS), recognised by content, whatever the name;
    any mode, transparency, EXIF orientation, dark-on-light or light-on-dark, unevenly lit
    paper, any coverage. The map has the image's size, shrunk to at most WORK_SIDE. Raises
    ImageError, naming the file, for anything else: missing, special (a FIFO, a device),
    over MAX_BYTES or MAX_PIXELS, damaged, another format; NoDigitError for marks that are not
    strokes. A blank image gives an all-zero map.
    """
    name = Path(path).name
    data = _read_bytes(path, name)
    try:
        with warnings.catch_warnings():
            # Pillow warns about oddities in files it can still decode: not the user's concern.
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as im:
                width, height = im.size
                if width * height > MAX_PIXELS:
                    raise ImageError(
                        f"{name} is too large: {width}x{height} pixels "
                        f"(the limit is {MAX_PIXELS // 1_000_000} million)"
                    )
                gray, alpha = _decode(im, name)
        if alpha is not None:
            gray = _composite(gray, alpha)
        return extract_ink(gray)
    except ImageError as error:
        if name in str(error):
            raise
        raise type(error)(f"{name}: {error}") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageError(f"{name} is too large to open safely") from e
    except UnidentifiedImageError as e:
        raise ImageError(
            f"{name} is not an image in a format ConvLens reads ({', '.join(FORMATS)})"
        ) from e
    except Exception as e:  # noqa: BLE001 - any decoder failure is this file's problem only
        raise ImageError(f"{name} is damaged or unreadable ({type(e).__name__}: {e})") from e


def _read_bytes(path: str | os.PathLike, name: str) -> bytes:
    """The file's bytes, if it is a regular file of at most MAX_BYTES; ImageError otherwise.

    Opened without blocking (a FIFO would wait for a writer forever) and checked with fstat on
    the open file, so a symlink to /dev/zero is seen for what it points to.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ImageError(f"{name} does not exist") from None
    except (OSError, ValueError) as error:  # ValueError: a NUL in the name
        raise ImageError(
            f"cannot read {name}: {getattr(error, 'strerror', None) or error}"
        ) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a special file"
        raise ImageError(f"{name} is {kind}, not an image file")
    too_large = f"{name} is too large: over {MAX_BYTES // 2**20} MB"
    with os.fdopen(fd, "rb") as file:
        if info.st_size > MAX_BYTES:
            raise ImageError(too_large)
        try:
            data = file.read(MAX_BYTES + 1)  # the cap holds even if the file grows meanwhile
        except OSError as error:
            raise ImageError(f"cannot read {name}: {error.strerror or error}") from None
    if len(data) > MAX_BYTES:
        raise ImageError(too_large)
    return data


def center_digit(ink: np.ndarray) -> np.ndarray:
    """The MNIST recipe on an (H, W) ink map in [0, 1] -> (28, 28) float32 in [0, 1].

    Crop to the ink's bounding box, scale the longer side to 20 px keeping the aspect ratio
    (area averaging), stretch so the darkest ink is 1 as in every MNIST digit, and place the
    result so that its centre of mass is at (14, 14). Raises BlankImageError without ink.
    ``engine.preprocess.preprocess`` keeps each of these steps.
    """
    return preprocess(ink).image


def _decode(im: Image.Image, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Grey levels in [0, 1] and, if the image has transparency, opacity in [0, 1]."""
    im.draft(None, (WORK_SIDE, WORK_SIDE))  # JPEG decodes at a reduced scale: much faster
    ImageOps.exif_transpose(im, in_place=True)
    has_alpha = im.mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in im.info
    if im.mode.startswith("I") or im.mode == "F":
        im = im.convert("F")  # 16- and 32-bit integers, floats
    elif im.mode == "LAB":
        im = im.getchannel("L")  # Pillow cannot convert LAB to RGB; lightness is what we need
    else:
        im = im.convert("RGBA" if has_alpha else "L")  # palette, 1-bit, CMYK, RGB, ...
    factor = math.ceil(max(im.size) / WORK_SIDE)
    if factor > 1:
        im = im.reduce(factor)  # area averaging, alpha-premultiplied by Pillow
    pixels = np.asarray(im, dtype=np.float32)
    if pixels.ndim == 3:
        rgb, alpha = pixels[..., :3], pixels[..., 3] / 255.0
        gray = rgb @ np.array([0.299, 0.587, 0.114], np.float32)  # ITU-R 601 luma, as Pillow
        return gray / 255.0, alpha
    white = 255.0
    if not np.isfinite(pixels).all():
        raise ImageError(f"{name} holds pixels that are not numbers (NaN or infinite)")
    if im.mode == "F":  # wide data: 12-bit camera data in a 16-bit file is not 16x darker
        largest = float(pixels.max())
        white = next((w for w in (1.0, 255.0, 4095.0, 65535.0) if largest <= w), largest)
    return np.clip(pixels / white, 0, 1), None


def _composite(gray: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Put transparent pixels on a background that makes sense for the opaque ones."""
    coverage = float(alpha.mean())
    if coverage > 0.999:
        return gray
    opaque = gray[alpha > 0.5]
    level = float(np.median(opaque)) if opaque.size else 0.0
    if coverage < 0.5:
        # Mostly transparent: the opaque part is the ink, so the paper is its opposite.
        background = 1.0 if level < 0.5 else 0.0
    else:
        # Mostly opaque (say, a photo with transparent corners): the opaque part is the paper.
        background = level
    return alpha * gray + (1.0 - alpha) * background
