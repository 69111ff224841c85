"""What an architecture may ask for: the limits, checked from the shapes alone before
anything is allocated (an architecture comes from files and from users, and a few bytes of
JSON can ask for gigabytes), and the error that names the offending layer.

Each limit is far above the presets (below 1/10 of every one) and what one tries on MNIST.
"""

from __future__ import annotations

import math
import reprlib

MAX_LAYERS = 200  # the deepest preset has 14; a panel per layer stops being readable long before
# No setting (filters, units, kernel, stride, padding, window) above this: torch takes int64,
# and a stride of 2**63 loads and then fails; the limits below are the real bounds.
MAX_SETTING = 100_000
# Weights: 120 MB as float32, 4x that while training with Adam. Fits a 784-4096-4096-10
# perceptron (20.0M) and 32 full-size maps flattened into 1,024 units (25.7M).
MAX_PARAMS = 30_000_000
# Values in one layer's output (or a convolution's padded input), per image: 2**20, 4 MB.
# 1,024 full-size 28x28 maps fit (803k); 10,000 filters (6.8M) or a padding of 3,000 (36M) not.
MAX_ACTIVATION = 2**20
# Multiply-adds per image, all layers: 256 3x3 filters over 256 full-size maps is 462M; a
# billion is about 0.1 s per image on a laptop CPU, so the GUI's trace per stroke still works.
MAX_WORK = 1_000_000_000
MAX_NAME_CHARS = 200  # a name is a window title, not a document
MAX_JSON_CHARS = 100_000  # 200 layers of ~100 characters each, with room to spare


class ArchitectureError(ValueError):
    """An impossible network; ``index`` is the offending layer (None: the network as a whole)."""

    def __init__(self, index: int | None, reason: str):
        self.index = index
        self.reason = reason
        where = "network" if index is None else f"layer {index}"
        super().__init__(f"{where}: {reason}")


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 40


def show(value) -> str:
    """A short repr for messages: a value from a file may be huge or deeply nested."""
    if isinstance(value, int) and value.bit_length() > 128:  # repr fails past 4,300 digits
        return f"a number of {int(value.bit_length() * math.log10(2)) + 1:,} digits"
    return _REPR.repr(value)


def whole(value, what: str, index: int, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= MAX_SETTING:
        wanted = f"a whole number from {least} to {MAX_SETTING:,}"
        raise ArchitectureError(index, f"{what} must be {wanted}, not {show(value)}")
    return value


def positive_int(value, what: str, index: int) -> int:
    return whole(value, what, index, 1)


def check_size(i: int, what: str, shape: tuple[int, ...]) -> None:
    """ArchitectureError for layer ``i`` when ``shape`` holds more than MAX_ACTIVATION values."""
    if math.prod(shape) > MAX_ACTIVATION:
        size = "x".join(map(str, shape))
        raise ArchitectureError(
            i,
            f"{what} ({size}) holds {math.prod(shape):,} values per image, more than the "
            f"{MAX_ACTIVATION:,} allowed",
        )


def check_totals(infos: list) -> None:
    """Parameters and work so far within the limits; the layer that crosses one is named."""
    params = sum(info.params for info in infos)
    if params > MAX_PARAMS:
        raise ArchitectureError(
            infos[-1].index,
            f"brings the network to {params:,} parameters, more than the {MAX_PARAMS:,} allowed",
        )
    work = sum(info.work for info in infos)
    if work > MAX_WORK:
        raise ArchitectureError(
            infos[-1].index,
            f"brings the work per image to {work:,} multiply-adds, more than the "
            f"{MAX_WORK:,} allowed",
        )
