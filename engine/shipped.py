"""What ships inside the package: the pretrained model and sample digits, found with
importlib.resources so that an installed ConvLens works from any folder."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import numpy as np
from PIL import Image

RESOURCES = Path(str(files("convlens") / "resources"))
DEFAULT_MODEL = RESOURCES / "default.safetensors"
SAMPLES = RESOURCES / "samples"  # digits drawn on the canvas, 280x280, white ink on black


def sample_ink(digit: int) -> np.ndarray:
    """A sample digit as the canvas's (280, 280) ink in [0, 1]: what the app starts with."""
    with Image.open(SAMPLES / f"{digit}.png") as image:
        return np.asarray(image.convert("L"), np.float32) / 255.0
