"""MNIST in its original IDX files: read them, find them on disk, download them.

Nothing here imports Qt: the GUI runs `download_mnist` in a worker thread and passes
`progress` and `should_stop` callbacks.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import sys
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from convlens.engine.files import atomic_write

DATA_ENV_VAR = "CONVLENS_DATA"
TRAIN_IMAGES = "train-images-idx3-ubyte"
TRAIN_LABELS = "train-labels-idx1-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"
FILE_NAMES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

# SHA-256 of the decompressed files: gzip archives differ between mirrors, the content does not.
SHA256 = {
    TRAIN_IMAGES: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    TRAIN_LABELS: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    TEST_IMAGES: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    TEST_LABELS: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
# Tried in order; yann.lecun.com itself no longer serves the files reliably.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
_HOW_TO_GET = "download MNIST, or choose a folder that holds the four MNIST files"
_UINT8 = 0x08


class DatasetError(Exception):
    """A problem with the MNIST files, worded for the end user; it names the file."""


class DownloadCancelled(DatasetError):
    """`download_mnist` stopped because `should_stop()` returned True."""


@dataclass(frozen=True)
class Mnist:
    """The whole data set in memory (about 55 MB).

    Images are uint8 (N, 28, 28), 0 = background, 255 = ink, as in the files, to save memory.
    Labels are int64 (N,), the dtype `torch.nn.functional.cross_entropy` wants.
    """

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


def read_idx(path: str | os.PathLike, ndim: int | None = None) -> np.ndarray:
    """Read a uint8 IDX file, gzip-compressed or raw (told apart by content, not by name).

    `ndim`, when given, is the number of dimensions the file must have.
    Raises DatasetError, naming the file, for anything that is not a valid IDX file.
    """
    path = Path(path)
    name = path.name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DatasetError(f"{name} is missing from {path.parent}") from None
    except OSError as e:
        raise DatasetError(f"cannot read {name}: {e.strerror or e}") from e
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (EOFError, OSError, zlib.error) as e:
            raise DatasetError(f"{name} is a damaged gzip file ({e})") from e
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DatasetError(f"{name} is not an MNIST (IDX) file")
    if data[2] != _UINT8:
        raise DatasetError(f"{name} holds data of type 0x{data[2]:02x}; MNIST files hold bytes")
    dims_count = data[3]
    if dims_count == 0 or (ndim is not None and dims_count != ndim):
        expected = f", expected {ndim}" if ndim is not None else ""
        raise DatasetError(f"{name} has {dims_count} dimensions{expected}")
    header = 4 + 4 * dims_count
    if len(data) < header:
        raise DatasetError(f"{name} is truncated: its header is incomplete")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims_count))
    expected_bytes = int(np.prod(shape, dtype=np.int64))
    found = len(data) - header
    what = "pixels" if dims_count > 1 else "labels"
    if found < expected_bytes:
        raise DatasetError(
            f"{name} is truncated: expected {expected_bytes} bytes of {what}, found {found}"
        )
    if found > expected_bytes:
        raise DatasetError(f"{name} has {found - expected_bytes} unexpected bytes after its data")
    # copy(): a writable array that torch.from_numpy accepts without a warning.
    return np.frombuffer(data, np.uint8, expected_bytes, header).reshape(shape).copy()


def _find(folder: Path, name: str) -> Path | None:
    """The raw file if present (faster to read), else the .gz one, else None."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _load_split(folder: Path, images_name: str, labels_name: str) -> tuple[np.ndarray, np.ndarray]:
    paths = []
    for name in (images_name, labels_name):
        path = _find(folder, name)
        if path is None:
            raise DatasetError(f"{name}.gz is missing from {folder}: {_HOW_TO_GET}")
        paths.append(path)
    images = read_idx(paths[0], ndim=3)
    labels = read_idx(paths[1], ndim=1)
    if images.shape[1:] != (28, 28):
        height, width = images.shape[1:]
        raise DatasetError(f"{paths[0].name} holds {height}x{width} images, expected 28x28")
    if len(images) != len(labels):
        raise DatasetError(
            f"{paths[0].name} has {len(images)} images but {paths[1].name} has {len(labels)} labels"
        )
    if len(labels) and labels.max() > 9:
        raise DatasetError(f"{paths[1].name} holds label {labels.max()}; digits are 0 to 9")
    return images, labels.astype(np.int64)


def _existing(folder: str | os.PathLike) -> Path:
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"the MNIST folder {folder} does not exist: {_HOW_TO_GET}")
    return folder


def load_mnist(folder: str | os.PathLike) -> Mnist:
    """Load the four MNIST files (raw or .gz) from `folder`, checking that they fit together."""
    folder = _existing(folder)
    train_images, train_labels = _load_split(folder, TRAIN_IMAGES, TRAIN_LABELS)
    test_images, test_labels = _load_split(folder, TEST_IMAGES, TEST_LABELS)
    return Mnist(train_images, train_labels, test_images, test_labels)


def load_test_split(folder: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Only the 10,000 test images and their labels: all that evaluation needs."""
    return _load_split(_existing(folder), TEST_IMAGES, TEST_LABELS)


def has_mnist(folder: str | os.PathLike) -> bool:
    """True when all four files are in `folder` (their content is checked only on loading)."""
    return all(_find(Path(folder), name) is not None for name in FILE_NAMES)


def default_data_dir() -> Path:
    """The per-user cache folder for MNIST, following each platform's convention."""
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Caches"
    else:
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        # The XDG spec says to ignore a relative path.
        base = Path(xdg) if os.path.isabs(xdg) else home / ".cache"
    return base / "convlens" / "mnist"


def resolve_data_dir(folder: str | os.PathLike | None = None) -> Path:
    """The MNIST folder to use: `folder` if given, else $CONVLENS_DATA, else the cache folder."""
    if folder is not None:
        return Path(folder).expanduser()
    from_env = os.environ.get(DATA_ENV_VAR)
    return Path(from_env).expanduser() if from_env else default_data_dir()


Progress = Callable[[int, int, str], None]


def _fetch(url: str, filename: str, timeout: float, progress, should_stop) -> bytes:
    """The body at `url`, read in chunks so that progress shows and cancelling is quick."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        total = int(response.headers.get("Content-Length") or 0)
        chunks, done = [], 0
        while chunk := response.read(64 * 1024):
            if should_stop is not None and should_stop():
                raise DownloadCancelled("the download was cancelled")
            chunks.append(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total, filename)
    return b"".join(chunks)


def _download_one(name, dest, base_urls, sha256, timeout, progress, should_stop) -> None:
    filename = f"{name}.gz"
    if should_stop is not None and should_stop():
        raise DownloadCancelled("the download was cancelled")
    reasons, corrupt = [], []
    for base in base_urls:
        url = base.rstrip("/") + "/" + filename
        try:
            packed = _fetch(url, filename, timeout, progress, should_stop)
            content = gzip.decompress(packed)
        except urllib.error.HTTPError as e:
            e.close()  # it holds the connection open
            reasons.append(f"{url}: HTTP {e.code} {e.reason}")
            continue
        except urllib.error.URLError as e:
            reasons.append(f"{url}: {e.reason}")
            continue
        except (OSError, EOFError, zlib.error, http.client.HTTPException) as e:
            # timeouts, resets, a body cut short, a damaged gzip archive
            reasons.append(f"{url}: {e}")
            continue
        if hashlib.sha256(content).hexdigest() != sha256[name]:
            corrupt.append(url)
            continue
        # Keep the verified archive: 5x smaller on disk, and read_idx reads it directly.
        atomic_write(dest / filename, packed)
        return
    if corrupt and not reasons:
        raise DatasetError(
            f"{filename} failed its SHA-256 checksum check ({', '.join(corrupt)}): the download "
            "is corrupt; try again later, or choose a folder that holds the MNIST files"
        )
    reasons += [f"{url}: failed its SHA-256 checksum check" for url in corrupt]
    raise DatasetError(
        f"could not download {filename} ({'; '.join(reasons) or 'no mirror given'}): "
        "check your connection, or choose a folder that holds the MNIST files"
    )


def download_mnist(
    dest: str | os.PathLike | None = None,
    *,
    base_urls: Sequence[str] = MIRRORS,
    sha256: Mapping[str, str] = SHA256,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download the MNIST files that `dest` lacks and return the folder.

    Each file is tried on every mirror in turn, checked against `sha256` (of the decompressed
    content) and written atomically as `name.gz`. `progress(done_bytes, total_bytes, filename)`
    is called per chunk, per file; total_bytes is 0 when the server does not say.
    `should_stop()` is polled per chunk; True raises DownloadCancelled. No partial file is
    ever left behind. Raises DatasetError when a file cannot be had from any mirror.
    """
    folder = resolve_data_dir(dest)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DatasetError(f"cannot create the folder {folder}: {e.strerror or e}") from e
    for name in FILE_NAMES:
        if _find(folder, name) is None:
            _download_one(name, folder, base_urls, sha256, timeout, progress, should_stop)
    return folder
