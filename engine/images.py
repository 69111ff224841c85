"""Any image file -> the network's 28x28 input, prepared the way MNIST digits were.

`read_ink` turns a file (a drawing, a scan, a phone photo) into an ink map: 1 = ink, 0 = paper.
`center_digit` applies the MNIST recipe to an ink map: crop, scale into 20x20, centre the mass
in 28x28. The GUI's drawing canvas calls `center_digit` directly on its own ink array.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

MAX_PIXELS = 50_000_000
# Ink is looked for at most this large: the digit ends up 20 px, so 1024 keeps plenty of detail
# even when the digit fills a tenth of a photo, and bounds the cost of the steps below.
WORK_SIDE = 1024
# Lighting varies slowly, so the paper's brightness is estimated on a copy this small.
_BACKGROUND_SIDE = 64
_MEDIAN_SIDE = 32  # the local median costs window^2 per pixel, so it works smaller still
# Ink must stand out from the paper by this much (of full scale) and by this many noise sigmas.
_MIN_CONTRAST = 0.08
_MIN_SNR = 6.0
# center_digit: pixels fainter than this are noise, not ink, when finding the bounding box.
_INK_FLOOR = 0.05
_DIGIT_BOX = 20  # MNIST: the longer side of the digit is 20 px ...
_FRAME = 28  # ... inside a 28x28 frame, centre of mass at (14, 14) in index coordinates.


class ImageError(ValueError):
    """The file cannot be used as a digit; the message is for end users and names the file."""


class BlankImageError(ImageError):
    """The image holds no ink."""


def load_digit(path: str | os.PathLike) -> np.ndarray:
    """The network's (28, 28) float32 input in [0, 1] for the digit in an image file."""
    return center_digit(read_ink(path))


def read_ink(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as an (H, W) float32 ink map in [0, 1]: ink = 1, paper = 0.

    Any Pillow mode, transparency, EXIF orientation, dark-on-light or light-on-dark, unevenly
    lit paper. Large images are shrunk to at most WORK_SIDE. Raises ImageError, naming the
    file, for missing, damaged, non-image or oversized files.
    """
    name = Path(path).name
    try:
        with warnings.catch_warnings():
            # Pillow warns about oddities in files it can still decode: not the user's concern.
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                width, height = im.size
                if width * height > MAX_PIXELS:
                    raise ImageError(
                        f"{name} is too large: {width}x{height} pixels "
                        f"(the limit is {MAX_PIXELS // 1_000_000} million)"
                    )
                gray, alpha = _decode(im)
    except ImageError:
        raise
    except FileNotFoundError:
        raise ImageError(f"{name} does not exist") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageError(f"{name} is too large to open safely") from e
    except UnidentifiedImageError as e:
        raise ImageError(f"{name} is not an image file that can be read") from e
    except (OSError, ValueError, SyntaxError, EOFError) as e:
        raise ImageError(f"{name} is damaged or unreadable ({e})") from e
    if alpha is not None:
        gray = _composite(gray, alpha)
    return _extract_ink(gray)


def center_digit(ink: np.ndarray) -> np.ndarray:
    """The MNIST recipe on an (H, W) ink map in [0, 1] -> (28, 28) float32 in [0, 1].

    Crop to the ink's bounding box, scale the longer side to 20 px keeping the aspect ratio
    (area averaging), stretch so the darkest ink is 1 as in every MNIST digit, and place the
    result so that its centre of mass is at (14, 14). Raises BlankImageError without ink.
    """
    ink = np.asarray(ink, dtype=np.float32)
    if ink.ndim != 2:
        raise ValueError(f"expected a 2-D ink map, got shape {ink.shape}")
    inked = ink > _INK_FLOOR
    rows = np.flatnonzero(inked.any(axis=1))
    cols = np.flatnonzero(inked.any(axis=0))
    if rows.size == 0:
        raise BlankImageError("the image is blank: no ink found")
    crop = np.clip(ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1], 0, 1)
    if max(crop.shape) != _DIGIT_BOX:
        crop = np.clip(_resized(crop, _DIGIT_BOX), 0, 1)
    if crop.max() <= 0:
        raise BlankImageError("the image is blank: no ink found")
    crop = crop / crop.max()
    total = crop.sum()
    centre_y = crop.sum(axis=1) @ np.arange(crop.shape[0]) / total
    centre_x = crop.sum(axis=0) @ np.arange(crop.shape[1]) / total
    top = min(max(round(_FRAME / 2 - centre_y), 0), _FRAME - crop.shape[0])
    left = min(max(round(_FRAME / 2 - centre_x), 0), _FRAME - crop.shape[1])
    out = np.zeros((_FRAME, _FRAME), np.float32)
    out[top : top + crop.shape[0], left : left + crop.shape[1]] = crop
    return out


def _decode(im: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
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


def _extract_ink(gray: np.ndarray) -> np.ndarray:
    """Ink map from grey levels: remove the paper's (uneven) brightness, threshold softly."""
    if min(gray.shape) >= 128:
        gray = _smooth(gray)  # paper grain and sensor noise, finer than any stroke here
    lighting = _lighting(gray)
    residual = gray - lighting
    margin = 3.0 * _noise_sigma(residual)
    dark = np.clip(-residual - margin, 0, None).sum()
    light = np.clip(residual - margin, 0, None).sum()
    # Ink is the minority that departs from the paper; whichever side departs more is ink.
    # From here on ink is high, whatever its colour.
    ink_side, lighting = (1.0 - gray, 1.0 - lighting) if dark >= light else (gray, lighting)
    # A local median follows shading that the smooth fit misses. Strokes are painted over
    # first, as a median cannot tell paper from a stroke filling half its window; twice, as
    # the first pass finds the strokes better.
    paper = lighting
    for _ in range(2):
        marked = ink_side - paper > margin
        paper = _median_background(np.where(marked, paper, ink_side))
    # Contrast relative to the paper, as light falling unevenly dims ink and paper alike; but
    # only down to half the typical paper level, lest noise in deep shadow turn into ink.
    paper_level = np.maximum(1.0 - paper, 0.5 * float(np.median(1.0 - paper)) + 1e-3)
    lift = (ink_side - paper) / paper_level
    sigma = _noise_sigma(lift)
    lift = np.clip(lift, 0, None)
    top = float(lift.max())
    if top < _MIN_CONTRAST:
        return np.zeros_like(gray)
    threshold = _otsu(lift, top)
    strong = lift > threshold
    full_ink = float(np.median(lift[strong]))
    if full_ink < max(_MIN_CONTRAST, _MIN_SNR * sigma):
        return np.zeros_like(gray)
    low = max(threshold / 2, 3.0 * sigma)
    ink = np.clip((lift - low) / (full_ink - low), 0, 1)
    # Keep faint pixels only next to clearly inked ones: anti-aliased edges, not paper specks.
    ink *= _dilate(strong, 2)
    return _drop_strays(ink).astype(np.float32)


def _drop_strays(ink: np.ndarray) -> np.ndarray:
    """Clear what lies well outside the bulk of the ink: a speck would stretch the digit's box."""
    keep = []
    for profile in (ink.sum(axis=1), ink.sum(axis=0)):
        cumulative = np.cumsum(profile)
        first, last = np.searchsorted(cumulative, cumulative[-1] * np.array([0.01, 0.99]))
        pad = (last - first) // 4 + 2
        keep.append(slice(max(first - pad, 0), last + pad + 1))
    out = np.zeros_like(ink)
    out[tuple(keep)] = ink[tuple(keep)]
    return out


def _smooth(a: np.ndarray) -> np.ndarray:
    """3x3 binomial blur, edges replicated."""
    p = np.pad(a, 1, mode="edge")
    p = (p[:-2] + 2 * p[1:-1] + p[2:]) / 4
    return (p[:, :-2] + 2 * p[:, 1:-1] + p[:, 2:]) / 4


def _lighting(gray: np.ndarray) -> np.ndarray:
    """The paper's brightness as a smooth cubic surface, from a small copy of the image.

    A plane fitted by least absolute deviations settles on the majority of pixels, the paper.
    From there a cubic fitted with Tukey's biweight, which gives distant pixels (ink) no say at
    all, follows vignetting and soft shadows without bending into thick strokes.
    """
    small = _resized(gray, _BACKGROUND_SIDE)
    height, width = small.shape
    y, x = np.meshgrid(np.linspace(-1, 1, height), np.linspace(-1, 1, width), indexing="ij")
    powers = [(i, degree - i) for degree in range(4) for i in range(degree + 1)]
    basis = np.stack([x**i * y**j for i, j in powers], axis=-1).reshape(-1, len(powers))
    target = small.ravel().astype(np.float64)
    plane = basis[:, :3]  # 1, y, x
    weights = np.ones_like(target)
    for _ in range(10):  # iteratively reweighted least squares for least absolute deviations
        residual = target - plane @ _weighted_fit(plane, target, weights)
        weights = 1.0 / np.maximum(np.abs(residual), 1e-3)
    for _ in range(8):
        scale = max(4.685 * _noise_sigma(residual), 0.03)
        weights = np.clip(1.0 - (residual / scale) ** 2, 0, None) ** 2
        coefficients = _weighted_fit(basis, target, weights)
        residual = target - basis @ coefficients
    fit = (target - residual).reshape(height, width).astype(np.float32)
    return np.asarray(Image.fromarray(fit).resize(gray.shape[::-1], Image.Resampling.BILINEAR))


def _weighted_fit(basis: np.ndarray, target: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Coefficients of the weighted least-squares fit (normal equations: tiny systems here)."""
    weighted = basis.T * weights
    ridge = 1e-9 * np.eye(basis.shape[1])  # keeps the system solvable if weights vanish
    return np.linalg.solve(weighted @ basis + ridge, weighted @ target)


def _resized(a: np.ndarray, longest: int) -> np.ndarray:
    """`a` scaled, keeping its aspect ratio, so that its longer side is `longest` pixels.

    Shrinking averages areas (no ringing, anti-aliased like MNIST); enlarging is bilinear.
    """
    height, width = a.shape
    scale = longest / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    return np.asarray(Image.fromarray(np.ascontiguousarray(a, np.float32)).resize(size, resample))


def _median_background(a: np.ndarray) -> np.ndarray:
    """The median of `a` over windows a third of the image wide, at full size."""
    small = Image.fromarray(_resized(a, _MEDIAN_SIDE))
    window = max(3, max(small.size) // 3) | 1  # odd, as the filter needs
    small = small.filter(ImageFilter.MedianFilter(window))
    return np.asarray(small.resize(a.shape[::-1], Image.Resampling.BILINEAR))


def _noise_sigma(residual: np.ndarray) -> float:
    """Noise level from the median absolute deviation: the ink, a minority, barely moves it."""
    deviation = np.abs(residual - np.median(residual))
    return float(1.4826 * np.median(deviation))


def _otsu(values: np.ndarray, top: float) -> float:
    """Otsu's threshold: the level that best splits `values` (in [0, top]) into two classes."""
    counts, edges = np.histogram(values, bins=256, range=(0.0, top))
    centres = (edges[:-1] + edges[1:]) / 2
    weight = np.cumsum(counts, dtype=np.float64)
    mass = np.cumsum(counts * centres)
    total_weight, total_mass = weight[-1], mass[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_low = mass / weight
        mean_high = (total_mass - mass) / (total_weight - weight)
        between = weight * (total_weight - weight) * (mean_low - mean_high) ** 2
    return float(edges[int(np.argmax(np.nan_to_num(between[:-1], nan=-1.0))) + 1])


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Binary dilation by a square, as separable shifted maxima."""
    height, width = mask.shape
    side = 2 * radius + 1
    padded = np.pad(mask, radius)
    rows = np.logical_or.reduce([padded[i : i + height] for i in range(side)])
    return np.logical_or.reduce([rows[:, j : j + width] for j in range(side)])
