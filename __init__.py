"""ConvLens: see how a convolutional neural network classifies a digit.

This folder is the ``convlens`` package (pyproject.toml maps the name to it), so the
repository keeps its layout (``main.py``, ``engine/``, ``gui/``, ``resources/`` at the top)
while an installed ConvLens owns a single top-level name, ``convlens``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("convlens")
except PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0+unknown"
