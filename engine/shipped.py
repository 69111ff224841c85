"""What ships inside the package: the pretrained model (and sample digits), found with
importlib.resources so that an installed ConvLens works from any folder."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

RESOURCES = Path(str(files("convlens") / "resources"))
DEFAULT_MODEL = RESOURCES / "default.safetensors"
