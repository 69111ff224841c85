"""Ink from grey levels: which pixels are pen strokes, whatever the paper, the light and the crop.

`extract_ink` turns an (H, W) grey image in [0, 1] into an ink map (1 = ink, 0 = paper). It
assumes neither that the paper is the majority (a digit cropped tight to its ink may cover 70%
of the frame and touch every edge) nor that the border is paper, nor a polarity, nor even light:

1. A smooth surface through the majority of pixels removes the slow lighting trend; Otsu's
   split of what is left gives two classes, whatever their shares.
2. Which class is ink: the one that is the minority, keeps away from the border and is in
   one piece (the paper of a tight crop falls apart into corners and holes), with a small
   lean towards dark ink (pens on paper are the common case); see `_dark_is_ink`.
3. The paper's brightness, fitted to the paper class alone and refined by a local median,
   gives each pixel's contrast relative to the paper (uneven light dims ink and paper alike).
4. A soft threshold well above the noise, found from neighbouring-pixel differences (which the
   two classes barely affect, unlike the spread of all pixels), makes the map.

Tiny images (an 8x8 scan, a 28x28 MNIST digit) are enlarged first, so that every step has
pixels to work with, and the map is shrunk back to the image's size.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageFilter


class ImageError(ValueError):
    """The file cannot be used as a digit; the message is for end users and names the file."""


class BlankImageError(ImageError):
    """The image holds no ink."""


class NoDigitError(ImageError):
    """The image holds marks, but nothing like pen strokes (random noise, a texture)."""


_MIN_SIDE = 64  # smaller images are enlarged to about this before looking for ink
_BACKGROUND_SIDE = 64  # lighting varies slowly: the paper's brightness is fitted this small
_MEDIAN_SIDE = 32  # the local median costs window^2 per pixel, so it works smaller still
# Ink must stand out from the paper by this much (of full scale) and by this many noise sigmas.
_MIN_CONTRAST = 0.08
_MIN_SNR = 6.0
# Which class is ink: score = lean + (share of light - share of dark) + (the same on the
# border) + _WHOLE x (how whole the dark class is - how whole the light one is); > 0 means
# dark ink. "Whole": the share of a class in its largest piece. A digit's ink is one or two
# pieces, but the paper of a tight crop falls apart into corners and holes: that settles
# crops where the ink is the majority and on the border, in either polarity. The small lean
# breaks ties towards pens on paper, the common case.
_DARK_LEAN = 0.2
_WHOLE = 1.5
_PIECES_SIDE = 128  # pieces are counted on a copy this small (a pixel inked if any was)
_BORDER = 0.02  # the border ring: this share of the shorter side, at least a pixel
# A digit is one to a few strokes, even when faint ink breaks them up; if the largest piece of
# ink holds less than this share of it, the marks are specks or noise.
_MIN_PIECE = 0.05
_NOISE_SPREAD = 0.25  # with no ink found, residuals spread this wide mean noise, not paper


def extract_ink(gray: np.ndarray) -> np.ndarray:
    """(H, W) grey levels in [0, 1] -> (H, W) float32 ink map in [0, 1]; zeros if blank.

    Raises NoDigitError when marks stand out but look like noise rather than strokes.
    """
    gray = np.asarray(gray, dtype=np.float32)
    if gray.ndim != 2 or gray.size == 0 or not np.isfinite(gray).all():
        raise ValueError("expected a 2-D array of finite grey levels")
    height, width = gray.shape
    factor = math.ceil(_MIN_SIDE / max(height, width))
    if factor > 1:
        gray = np.asarray(
            Image.fromarray(gray).resize((width * factor, height * factor), Image.NEAREST)
        )
    ink = _ink(gray, factor)
    if factor > 1:
        ink = np.asarray(Image.fromarray(ink).resize((width, height), Image.Resampling.BOX))
    return np.clip(ink, 0, 1).astype(np.float32)


def _ink(gray: np.ndarray, factor: int) -> np.ndarray:
    """The ink map of ``gray``, enlarged ``factor`` times from the image (by repeating pixels)."""
    if min(gray.shape) >= 128:
        gray = _smooth(gray)  # paper grain and sensor noise, finer than any stroke here
    sigma = _noise_sigma(gray[::factor, ::factor])  # the image's own pixels, not the copies
    # The lighting trend removed, two classes remain: after a cubic through the majority when
    # that is the paper (it follows vignetting and shadows), after a plane or a constant when
    # ink fills much of the frame (a cubic, even a plane, tilts to follow the ink where it
    # crowds: a thick bar across the top). Otsu's measure of how cleanly two classes split
    # says which.
    residuals = [gray - _surface(gray, degree=d) for d in (3, 1, 0)]
    residual, dark = max(((r, r <= _otsu(r)) for r in residuals), key=lambda s: _split_quality(*s))
    flattest = residuals[0]  # what is left of a blank page, its lighting gone
    if not dark.any() or dark.all():
        return np.zeros_like(gray)
    # Two classes, or noise split in two halves? Halves of noise lie ~1.6 sigma apart.
    separation = float(residual[~dark].mean() - residual[dark].mean())
    if separation < max(_MIN_CONTRAST, _MIN_SNR * sigma):
        return _nothing(flattest)
    if _dark_is_ink(dark):
        ink_side, paper_mask = 1.0 - gray, ~dark  # from here on ink is high, whatever its colour
    else:
        ink_side, paper_mask = gray, dark
    margin = 3.0 * sigma + 1e-3
    paper = _surface(ink_side, paper_mask)
    # A local median follows shading that the smooth fit misses. Strokes are painted over
    # first, as a median cannot tell paper from a stroke filling half its window; twice, as
    # the first pass finds the strokes better.
    for _ in range(2):
        marked = ink_side - paper > margin
        paper = _median_background(np.where(marked, paper, ink_side))
    # Contrast relative to the paper, as light falling unevenly dims ink and paper alike; but
    # only down to half the typical paper level, lest noise in deep shadow turn into ink.
    paper_level = np.maximum(1.0 - paper, 0.5 * float(np.median(1.0 - paper)) + 1e-3)
    lift = (ink_side - paper) / paper_level
    noise = sigma / float(np.median(paper_level))
    lift = np.clip(lift, 0, None)
    top = float(lift.max())
    threshold = _otsu(lift) if top >= _MIN_CONTRAST else top
    strong = lift > threshold
    full_ink = float(np.median(lift[strong])) if strong.any() else 0.0
    if full_ink < max(_MIN_CONTRAST, _MIN_SNR * noise):
        return _nothing(flattest)
    largest = _largest_share(_shrunk(strong[::factor, ::factor]))
    if largest < _MIN_PIECE:
        raise NoDigitError(
            f"no digit found: the marks ({strong.mean():.1%} of the image) are scattered "
            f"specks, like noise, not pen strokes (the largest is {largest:.1%} of them)"
        )
    low = max(threshold / 2, 3.0 * noise)
    ink = np.clip((lift - low) / (full_ink - low), 0, 1)
    # Keep faint pixels only next to clearly inked ones: anti-aliased edges, not paper specks.
    ink *= _dilate(strong, 2)
    return _drop_strays(ink)


def _split_quality(values: np.ndarray, low: np.ndarray) -> float:
    """Otsu's measure: the share of the variance of ``values`` between the classes, in [0, 1]."""
    share = float(low.mean())
    if share in (0.0, 1.0):
        return 0.0
    gap = float(values[~low].mean() - values[low].mean())
    return share * (1 - share) * gap**2 / max(float(values.var()), 1e-12)


def _nothing(residual: np.ndarray) -> np.ndarray:
    """No ink: a blank map if the image is even, NoDigitError if it varies widely (noise)."""
    spread = float(np.percentile(residual, 99) - np.percentile(residual, 1))
    if spread > _NOISE_SPREAD:
        raise NoDigitError(
            f"no digit found: the image varies (by {spread:.0%} of full scale) but nothing "
            "stands out from the rest like pen strokes on paper"
        )
    return np.zeros_like(residual)


def _dark_is_ink(dark: np.ndarray) -> bool:
    """Whether the dark class is the ink: ink is the minority, keeps off the border and is in
    one piece, where paper between the strokes of a tight crop is in many.

    No cue alone is enough: a tight crop puts ink on every edge and may make it the majority;
    together, with a lean towards dark pens for ties, they decide (see _DARK_LEAN).
    """
    ring = max(1, round(_BORDER * min(dark.shape)))
    border = np.ones(dark.shape, bool)
    border[ring:-ring, ring:-ring] = False
    area, edge = float(dark.mean()), float(dark[border].mean())
    whole = _largest_share(_shrunk(dark)) - _largest_share(_shrunk(~dark))
    return _DARK_LEAN + (1 - 2 * area) + (1 - 2 * edge) + _WHOLE * whole > 0


def _shrunk(mask: np.ndarray) -> np.ndarray:
    """``mask`` at most _PIECES_SIDE pixels long, a pixel set where any of its block was:
    thin strokes stay joined, and what is apart at the small size was apart before."""
    k = math.ceil(max(mask.shape) / _PIECES_SIDE)
    if k == 1:
        return mask
    height, width = (-(-n // k) * k for n in mask.shape)
    padded = np.zeros((height, width), bool)
    padded[: mask.shape[0], : mask.shape[1]] = mask
    return padded.reshape(height // k, k, width // k, k).any(axis=(1, 3))


def _largest_share(mask: np.ndarray) -> float:
    """The share of the inked pixels that the largest 8-connected piece holds.

    A digit is one to a few strokes; specks and noise are many pieces, each a sliver of the
    whole. Labels spread as the smallest pixel index of each piece, by neighbour minima and
    pointer jumping (a few dozen passes over the mask, even at 1024x1024).
    """
    height, width = mask.shape
    background = height * width
    index = np.arange(background).reshape(height, width)
    labels = np.where(mask, index, background)
    while True:
        padded = np.pad(labels, 1, constant_values=background)
        lowest = labels
        for dy in (0, 1, 2):
            for dx in (0, 1, 2):
                lowest = np.minimum(lowest, padded[dy : dy + height, dx : dx + width])
        lowest = np.where(mask, lowest, background)
        table = np.append(lowest.ravel(), background)  # a label is a pixel: take its label
        for _ in range(4):
            table = table[table]
        lowest = table[:-1].reshape(height, width)
        if np.array_equal(lowest, labels):
            break
        labels = lowest
    sizes = np.bincount(labels[mask])
    return float(sizes.max() / mask.sum()) if mask.any() else 0.0


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


def _surface(gray: np.ndarray, where: np.ndarray | None = None, degree: int = 3) -> np.ndarray:
    """A smooth surface of ``degree`` (0-3) through the pixels where ``where`` is True, or
    through the majority of pixels; a plane at most for a class under half the pixels.

    Fitted on a small copy of the image. Without ``where``, a plane fitted by least absolute
    deviations settles on the majority of pixels. From there a cubic fitted with Tukey's
    biweight, which gives distant pixels no say at all, follows vignetting and soft shadows
    without bending into thick strokes.
    """
    small = resized(gray, _BACKGROUND_SIDE)
    height, width = small.shape
    y, x = np.meshgrid(np.linspace(-1, 1, height), np.linspace(-1, 1, width), indexing="ij")
    # A cubic bends freely where it has no pixels to follow: only a plane for a minority class
    # (paper between the strokes of a tight crop, lit evenly over so small an area anyway).
    if where is not None and where.mean() < 0.5:
        degree = min(degree, 1)
    powers = [(i, d - i) for d in range(degree + 1) for i in range(d + 1)]
    basis = np.stack([x**i * y**j for i, j in powers], axis=-1).reshape(-1, len(powers))
    target = small.ravel().astype(np.float64)
    plane = basis[:, :3]  # 1, y, x
    if where is not None:  # each small pixel weighed by its share of the class
        weights = resized(where.astype(np.float32), _BACKGROUND_SIDE).ravel().astype(np.float64)
        if weights.sum() < 3 * len(powers):
            return np.full_like(gray, float(np.median(gray[where])))
        residual = target - plane @ _weighted_fit(plane, target, weights**2)
    else:
        weights = np.ones_like(target)
        for _ in range(10):  # iteratively reweighted least squares for least absolute deviations
            residual = target - plane @ _weighted_fit(plane, target, weights)
            weights = 1.0 / np.maximum(np.abs(residual), 1e-3)
    scale = max(4.685 * _noise_sigma(small), 0.03)
    for _ in range(8):
        weights = np.clip(1.0 - (residual / scale) ** 2, 0, None) ** 2
        if weights.sum() < 3 * len(powers):
            break  # two classes of equal share, the plane between them: keep it
        residual = target - basis @ _weighted_fit(basis, target, weights)
    fit = (target - residual).reshape(height, width).astype(np.float32)
    return np.asarray(Image.fromarray(fit).resize(gray.shape[::-1], Image.Resampling.BILINEAR))


def _weighted_fit(basis: np.ndarray, target: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Coefficients of the weighted least-squares fit (normal equations: tiny systems here)."""
    weighted = basis.T * weights
    ridge = 1e-9 * np.eye(basis.shape[1])  # keeps the system solvable if weights vanish
    return np.linalg.solve(weighted @ basis + ridge, weighted @ target)


def resized(a: np.ndarray, longest: int) -> np.ndarray:
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
    small = Image.fromarray(resized(a, _MEDIAN_SIDE))
    window = max(3, max(small.size) // 3) | 1  # odd, as the filter needs
    small = small.filter(ImageFilter.MedianFilter(window))
    return np.asarray(small.resize(a.shape[::-1], Image.Resampling.BILINEAR))


def _noise_sigma(a: np.ndarray, lag: int = 3) -> float:
    """The pixel noise, from the median absolute difference of pixels ``lag`` apart.

    Near pixels almost always lie in the same class (paper next to paper, ink next to ink), so
    unlike the spread of all pixels this does not grow with the ink's share of the image. Three
    apart, the noise that smoothing and JPEG leave correlated between neighbours is not.
    """
    differences = [a[lag:] - a[:-lag], a[:, lag:] - a[:, :-lag]]
    differences = np.concatenate([d.ravel() for d in differences])
    if differences.size == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(differences)) / math.sqrt(2))


def _otsu(values: np.ndarray) -> float:
    """Otsu's threshold: the level that best splits `values` into two classes."""
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return high
    counts, edges = np.histogram(values, bins=256, range=(low, high))
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
