"""The MNIST recipe, step by step: an ink map -> the network's 28x28 input.

MNIST's digits were made so (LeCun et al.): the ink's bounding box, scaled so that its
longer side is 20 px (the aspect ratio kept, anti-aliased), then placed in a 28x28 frame so
that its centre of mass is at the centre. `preprocess` does exactly that and keeps every
intermediate step (`Preprocessing`), so that a student can follow them; its ``image`` is the
input the network gets (`engine.images.center_digit` returns it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from convlens.engine.ink import BlankImageError, resized

INK_FLOOR = 0.05  # pixels fainter than this are noise, not ink, when finding the bounding box
DIGIT_BOX = 20  # MNIST: the longer side of the digit is 20 px ...
FRAME = 28  # ... inside a 28x28 frame, centre of mass at (14, 14) in index coordinates.


@dataclass(frozen=True)
class Preprocessing:
    """Each step of the MNIST recipe on one ink map (rows before columns throughout)."""

    ink: np.ndarray  # (H, W) float32 in [0, 1]: the ink as drawn or loaded
    box: tuple[int, int, int, int]  # top, left, bottom, right (exclusive) of the ink in ``ink``
    scale: float  # DIGIT_BOX / the box's longer side (1.0: it was DIGIT_BOX already)
    fitted: np.ndarray  # (h, w), max(h, w) = DIGIT_BOX: the box scaled, darkest ink 1
    centre: tuple[float, float]  # the centre of mass of ``fitted`` (row, col), in its pixels
    offset: tuple[int, int]  # top, left: where ``fitted`` is shifted to in the frame
    image: np.ndarray  # (FRAME, FRAME) float32 in [0, 1]: what the network sees

    @property
    def box_size(self) -> tuple[int, int]:
        """(height, width) of the ink's bounding box, in pixels of ``ink``."""
        top, left, bottom, right = self.box
        return bottom - top, right - left

    @property
    def off_centre(self) -> tuple[float, float]:
        """How far (rows, cols) the centre of mass ends up from the frame's centre: placing
        by whole pixels leaves at most half a pixel (more only where the frame's edge stops
        the box)."""
        return self.placed_centre[0] - FRAME / 2, self.placed_centre[1] - FRAME / 2

    @property
    def frame_in_ink(self) -> tuple[float, float, float]:
        """(top, left, side) of the 28x28 frame in ``ink``'s pixels: where each input pixel
        came from, to lay a 28x28 map (an attribution) back over the ink as drawn."""
        top = self.box[0] - self.offset[0] / self.scale
        left = self.box[1] - self.offset[1] / self.scale
        return top, left, FRAME / self.scale

    @property
    def placed_centre(self) -> tuple[float, float]:
        """The centre of mass (row, col) in the final image."""
        return self.centre[0] + self.offset[0], self.centre[1] + self.offset[1]


def preprocess(ink: np.ndarray) -> Preprocessing:
    """The MNIST recipe on an (H, W) ink map in [0, 1], every step kept; see the module.

    Crop to the bounding box of the pixels above INK_FLOOR, scale the longer side to 20 px
    keeping the aspect ratio (area averaging), stretch so the darkest ink is 1 as in every
    MNIST digit, and place the result so that its centre of mass is at (14, 14), to the
    nearest pixel. Raises BlankImageError without ink, ValueError for a map that is not 2-D.
    """
    ink = np.asarray(ink, dtype=np.float32)
    if ink.ndim != 2:
        raise ValueError(f"expected a 2-D ink map, got shape {ink.shape}")
    inked = ink > INK_FLOOR
    rows = np.flatnonzero(inked.any(axis=1))
    cols = np.flatnonzero(inked.any(axis=0))
    if rows.size == 0:
        raise BlankImageError("the image is blank: no ink found")
    box = (int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1)
    crop = np.clip(ink[box[0] : box[2], box[1] : box[3]], 0, 1)
    longer = max(crop.shape)
    if longer != DIGIT_BOX:
        crop = np.clip(resized(crop, DIGIT_BOX), 0, 1)
    if crop.max() <= 0:
        raise BlankImageError("the image is blank: no ink found")
    fitted = crop / crop.max()
    total = fitted.sum()
    centre_y = float(fitted.sum(axis=1) @ np.arange(fitted.shape[0]) / total)
    centre_x = float(fitted.sum(axis=0) @ np.arange(fitted.shape[1]) / total)
    top = min(max(round(FRAME / 2 - centre_y), 0), FRAME - fitted.shape[0])
    left = min(max(round(FRAME / 2 - centre_x), 0), FRAME - fitted.shape[1])
    image = np.zeros((FRAME, FRAME), np.float32)
    image[top : top + fitted.shape[0], left : left + fitted.shape[1]] = fitted
    return Preprocessing(
        ink=ink,
        box=box,
        scale=DIGIT_BOX / longer,
        fitted=fitted,
        centre=(centre_y, centre_x),
        offset=(top, left),
        image=image,
    )
