"""Shared test set-up: Qt offscreen, and the development copy of MNIST when it is there."""

import os
from pathlib import Path

import pytest

# Before any Qt import: no screen needed, and pyqtgraph must bind to PySide6.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
# One PyTorch thread per worker (and per command a test runs), as the app's GUI thread and
# training process have on 2 cores: with two workers of two OpenMP threads each on 2 cores,
# a thread spins at every barrier for a descheduled peer (the fine-tune test took 23 s, 14 s
# with one; the whole suite 321 s, 300 s).
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
SMALL_MNIST = ROOT / "tests" / "data" / "mnist_small"


def pytest_collection_modifyitems(config, items):
    """Tests marked ``cuda`` are skipped where PyTorch finds no CUDA GPU."""
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if item.get_closest_marker("cuda"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def small_mnist() -> Path:
    """2,000 training and 1,000 test images of MNIST, shipped with the tests."""
    return SMALL_MNIST


@pytest.fixture(scope="session")
def mnist_subset():
    """The shipped subset, loaded: the first 2,000 training and 1,000 test images of MNIST,
    the same as the full set's first ones, for tests that need only a few."""
    from convlens.engine.mnist import load_mnist

    return load_mnist(SMALL_MNIST, counts=None)


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The full MNIST set beside the checkout (development and CI only)."""
    if not (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"MNIST is not at {SHARED_MNIST}")
    return SHARED_MNIST
