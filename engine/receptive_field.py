"""Receptive fields: the pixels of the 28x28 input that one unit of a deeper map can see.

Each conv or pool window is composed down to the input: output rows [a, b) of a layer with
window k, stride s and top padding p read its input rows [a*s - p, (b-1)*s - p + k).
Element-wise layers (activation, batch norm, dropout) keep positions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from convlens.engine import spec

INPUT_SIDE = spec.INPUT_SHAPE[1]


@dataclass(frozen=True)
class ReceptiveField:
    """Rows ``top:bottom`` and columns ``left:right`` of the input (half-open, as slices),
    clipped to the 28x28 image; ``unclipped`` is the same (top, left, bottom, right) before
    clipping: it reaches into the zero padding where it lies outside 0..28."""

    top: int
    left: int
    bottom: int
    right: int
    unclipped: tuple[int, int, int, int]

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) of the unclipped field: the same for every unit of a layer."""
        top, left, bottom, right = self.unclipped
        return bottom - top, right - left

    def cut(self, image: np.ndarray) -> np.ndarray:
        """The unclipped field of a (28, 28) image, zeros where it lies outside the image."""
        top, left, bottom, right = self.unclipped
        out = np.zeros((bottom - top, right - left), dtype=np.asarray(image).dtype)
        out[self.top - top : self.bottom - top, self.left - left : self.right - left] = image[
            self.top : self.bottom, self.left : self.right
        ]
        return out


def _window(info: spec.LayerInfo) -> tuple[int, int, int, int] | None:
    """(size, stride, top padding, left padding) of a conv or pool; None if element-wise."""
    layer = info.layer
    if isinstance(layer, spec.Conv):
        left, _, top, _ = info.padding
        return layer.size, layer.stride, top, left
    if isinstance(layer, spec.Pool):
        return layer.size, layer.step, 0, 0
    return None


def receptive_field(
    infos: list[spec.LayerInfo], layer_index: int, row: int, col: int
) -> ReceptiveField:
    """The input pixels that unit (row, col) of layer ``layer_index``'s output depends on."""
    info = infos[layer_index]
    if len(info.out_shape) != 3:
        raise ValueError(
            f"layer {layer_index} ({info.layer.kind}) has no positions: its output is flat"
        )
    _, height, width = info.out_shape
    if not (0 <= row < height and 0 <= col < width):
        raise ValueError(f"({row}, {col}) is outside layer {layer_index}'s {height}x{width} map")
    top, bottom, left, right = row, row + 1, col, col + 1
    for below in reversed(infos[: layer_index + 1]):
        window = _window(below)
        if window is None:
            continue
        size, stride, pad_top, pad_left = window
        top, bottom = top * stride - pad_top, (bottom - 1) * stride - pad_top + size
        left, right = left * stride - pad_left, (right - 1) * stride - pad_left + size
    unclipped = (top, left, bottom, right)
    return ReceptiveField(*(min(max(v, 0), INPUT_SIDE) for v in unclipped), unclipped)
