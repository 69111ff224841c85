"""MNIST in its original IDX files: read them, find them on disk, download them.

Nothing here imports Qt: the GUI runs `download_mnist` in a worker thread and passes
`progress` and `should_stop` callbacks.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from convlens.engine import download
from convlens.engine.files import atomic_write
from convlens.engine.idx import (  # noqa: F401  (read_idx and DatasetError are used from here)
    DatasetError,
    content,
    gunzip,
    parse_idx,
    read_idx,
)
from convlens.engine.user_folders import user_folder

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
# Sizes of the unpacked files, and images per split: swapped or cut files are told by them.
SIZES = {
    TRAIN_IMAGES: 47_040_016,
    TRAIN_LABELS: 60_008,
    TEST_IMAGES: 7_840_016,
    TEST_LABELS: 10_008,
}
COUNTS = (60_000, 10_000)  # training and test images
_HOW_TO_GET = "download MNIST, or choose a folder that holds the four MNIST files"


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


def _present(folder: Path, name: str) -> list[Path]:
    """The raw file and the .gz one, those that are there (the raw one first: faster)."""
    return [path for path in (folder / name, folder / f"{name}.gz") if path.is_file()]


def _read(folder: Path, name: str, ndim: int) -> tuple[np.ndarray, str]:
    """The array in `name` or `name.gz` (both, when both are there: they must agree)."""
    present = _present(folder, name)
    if not present:
        raise DatasetError(f"{name}.gz is missing from {folder}: {_HOW_TO_GET}")
    arrays = [read_idx(path, ndim) for path in present]
    if len(arrays) == 2 and not np.array_equal(*arrays):
        raise DatasetError(
            f"{name} and {name}.gz in {folder} hold different data: delete the wrong one "
            "(or both, and download MNIST again)"
        )
    return arrays[0], present[0].name


def _load_split(
    folder: Path, images_name: str, labels_name: str, counts: tuple[int, int] | None
) -> tuple[np.ndarray, np.ndarray]:
    images, images_file = _read(folder, images_name, 3)
    labels, labels_file = _read(folder, labels_name, 1)
    if images.shape[1:] != (28, 28):
        height, width = images.shape[1:]
        raise DatasetError(f"{images_file} holds {height}x{width} images, expected 28x28")
    if len(images) != len(labels):
        raise DatasetError(
            f"{images_file} has {len(images)} images but {labels_file} has {len(labels)} labels"
        )
    training = images_name == TRAIN_IMAGES
    count = counts and counts[0 if training else 1]
    if count is not None and len(images) != count:
        split = "training" if training else "test"
        swapped = " (are the training and test files swapped?)" if len(images) in counts else ""
        raise DatasetError(
            f"{images_file} holds {len(images):,} images; the MNIST {split} set has "
            f"{count:,}{swapped}"
        )
    if len(labels) and labels.max() > 9:
        raise DatasetError(f"{labels_file} holds label {labels.max()}; digits are 0 to 9")
    return images, labels.astype(np.int64)


def _existing(folder: str | os.PathLike) -> Path:
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise DatasetError(f"the MNIST folder {folder} is a file, not a folder: {_HOW_TO_GET}")
    if not folder.is_dir():
        raise DatasetError(f"the MNIST folder {folder} does not exist: {_HOW_TO_GET}")
    return folder


def load_mnist(folder: str | os.PathLike, *, counts: tuple[int, int] | None = COUNTS) -> Mnist:
    """Load the four MNIST files (raw or .gz) from `folder`, checking that they fit together
    and hold `counts` training and test images (None: any number, for a subset)."""
    folder = _existing(folder)
    train_images, train_labels = _load_split(folder, TRAIN_IMAGES, TRAIN_LABELS, counts)
    test_images, test_labels = _load_split(folder, TEST_IMAGES, TEST_LABELS, counts)
    return Mnist(train_images, train_labels, test_images, test_labels)


def load_test_split(
    folder: str | os.PathLike, *, counts: tuple[int, int] | None = COUNTS
) -> tuple[np.ndarray, np.ndarray]:
    """Only the 10,000 test images and their labels: all that evaluation needs."""
    return _load_split(_existing(folder), TEST_IMAGES, TEST_LABELS, counts)


def has_mnist(folder: str | os.PathLike) -> bool:
    """True when all four files are in `folder` (their content is checked only on loading)."""
    return all(_present(Path(folder), name) for name in FILE_NAMES)


def default_data_dir() -> Path:
    """The per-user cache folder for MNIST, following each platform's convention."""
    return user_folder("cache", "mnist")


def resolve_data_dir(folder: str | os.PathLike | None = None) -> Path:
    """The MNIST folder to use: `folder` if given, else $CONVLENS_DATA, else the cache folder."""
    if folder is not None:
        return Path(folder).expanduser()
    from_env = os.environ.get(DATA_ENV_VAR)
    return Path(from_env).expanduser() if from_env else default_data_dir()


Progress = Callable[[int, int, str], None]


_SHA_FAILED = "failed its SHA-256 checksum check"


def _problem(content: bytes, name: str, sha256: Mapping[str, str]) -> str | None:
    """Why `content` is not the MNIST file `name`, or None: its SHA-256 when known, else
    its structure and count."""
    if name in sha256:
        return None if hashlib.sha256(content).hexdigest() == sha256[name] else _SHA_FAILED
    try:
        items = len(parse_idx(content, name, 3 if "images" in name else 1))
    except DatasetError as e:
        return str(e)
    expected = COUNTS[0] if name.startswith("train") else COUNTS[1]
    return None if items == expected else f"holds {items:,} items, not {expected:,}"


def _intact(path: Path, name: str, sha256: Mapping[str, str]) -> bool:
    try:
        return _problem(content(path, SIZES[name]), name, sha256) is None
    except DatasetError:
        return False


def _stop_if_asked(should_stop) -> None:
    if should_stop is not None and should_stop():
        raise DownloadCancelled("the download was cancelled")


def _download_one(name, dest, base_urls, sha256, timeout, progress, should_stop) -> None:
    filename = f"{name}.gz"
    _stop_if_asked(should_stop)
    # A gzip archive is at most a little larger than its content (stored blocks, a header).
    max_bytes = SIZES[name] + SIZES[name] // 100 + 64 * 1024
    reasons, corrupt = [], []
    for base in base_urls:
        url = base.rstrip("/") + "/" + filename
        try:
            packed = download.fetch(
                url,
                max_bytes=max_bytes,
                timeout=timeout,
                check=lambda: _stop_if_asked(should_stop),
                progress=progress and (lambda done, total: progress(done, total, filename)),
            )
            content = gunzip(packed, SIZES[name])
        except urllib.error.HTTPError as e:
            e.close()  # it holds the connection open
            reasons.append(f"{url}: HTTP {e.code} {e.reason}")
            continue
        except urllib.error.URLError as e:
            reasons.append(f"{url}: {e.reason}")
            continue
        except (OSError, EOFError, ValueError, zlib.error, http.client.HTTPException) as e:
            # timeouts, resets, a body cut short, too large or stalled, a damaged archive
            reasons.append(f"{url}: {e}")
            continue
        problem = _problem(content, name, sha256)
        if problem is None:
            # Keep the verified archive: 5x smaller on disk, and read_idx reads it directly.
            atomic_write(dest / filename, packed)
            return
        if problem == _SHA_FAILED:
            corrupt.append(url)
        else:
            reasons.append(f"{url}: {problem}")
    if corrupt and not reasons:
        raise DatasetError(
            f"{filename} {_SHA_FAILED} ({', '.join(corrupt)}): the download "
            "is corrupt; try again later, or choose a folder that holds the MNIST files"
        )
    reasons += [f"{url}: {_SHA_FAILED}" for url in corrupt]
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
    """Download the MNIST files that `dest` lacks, or holds damaged, and return the folder.

    Files already there are checked first (SHA-256 when `sha256` knows them, else structure
    and count); a damaged one is downloaded again. Each file is tried on every mirror in
    turn, at most its known size plus a margin (engine.download caps the body, a 2 GB
    Content-Length is refused), unpacked with a cap, checked, and written atomically as
    `name.gz`. `progress(done_bytes, total_bytes, filename)` is called per chunk, per file;
    total_bytes is 0 when the server does not say. `should_stop()` is polled at least every
    download.POLL_SECONDS (0.2 s) while waiting on a server, even one that drips; True
    raises DownloadCancelled. `timeout` bounds connecting and each stretch without 16 KiB
    of progress. No partial file is ever left behind. Raises DatasetError when a file
    cannot be had from any mirror.
    """
    folder = resolve_data_dir(dest)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DatasetError(f"cannot create the folder {folder}: {e.strerror or e}") from e
    for name in FILE_NAMES:
        present = _present(folder, name)
        damaged = [path for path in present if not _intact(path, name, sha256)]
        if present and not damaged:
            continue
        _download_one(name, folder, base_urls, sha256, timeout, progress, should_stop)
        for path in damaged:
            if path.name == name:  # a damaged raw file would hide the fresh .gz
                path.unlink(missing_ok=True)
    return folder
