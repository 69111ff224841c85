"""The user's own labelled digits: one PNG per digit in a folder per class (ImageFolder style).

``my_digits/7/20261201-101500-3fa2c1d9.png`` is a 7. What is stored is what the network
sees: the 28x28 centred input (engine.images.center_digit) as 8-bit grey, white ink on black
like MNIST. So re-training reads it back exactly, with no second preparation (which would
shift and rescale it again: load_digit on an MNIST-style file changes pixels by 27-255 of
255, measured on 50 test digits), the files are tiny, and a thumbnail shows exactly what the
network was taught; 8 bits lose at most 1/510 of ink, as MNIST itself does. Our files carry a
PNG text chunk saying so; any other image in such a folder (imported, or put there by hand)
is read as a photo or scan of a digit, through engine.images.load_digit.

Files are written atomically and never overwritten: a new digit, a relabelled one or an
imported one always gets a name not yet taken. A damaged or foreign file is reported and
skipped, never changed.
"""

from __future__ import annotations

import io
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from convlens.engine.files import atomic_write
from convlens.engine.images import ImageError, center_digit, load_digit
from convlens.engine.mnist import DatasetError
from convlens.engine.user_folders import user_folder
from PIL import Image, PngImagePlugin

MARK_KEY, MARK_VALUE = "convlens", "digit/1"  # the PNG text chunk of our own files
MAX_FILE_BYTES = 25 * 2**20  # a larger file is not a digit worth reading
MAX_IMAGES = 20_000  # a folder is read up to this many images (bounded time and memory)
CLASSES = tuple(str(d) for d in range(10))


def default_folder() -> Path:
    """The user's digits folder, in the platform's per-user data folder."""
    return user_folder("data", "my_digits")


@dataclass
class LabelledImages:
    """A folder of labelled digits as arrays, with what could not be read."""

    images: np.ndarray  # (N, 28, 28) uint8, white ink on black
    labels: np.ndarray  # (N,) int64
    paths: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line per file or folder skipped


def as_uint8(image: np.ndarray) -> np.ndarray:
    """A (28, 28) network input, float in [0, 1] or uint8, as uint8."""
    image = np.asarray(image)
    if image.shape != (28, 28):
        raise ValueError(f"a digit is a 28x28 image, not {image.shape}")
    if image.dtype == np.uint8:
        return image
    return np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)


def encode(image: np.ndarray) -> bytes:
    """PNG bytes of a (28, 28) digit, marked as ours."""
    info = PngImagePlugin.PngInfo()
    info.add_text(MARK_KEY, MARK_VALUE)
    out = io.BytesIO()
    Image.fromarray(as_uint8(image), "L").save(out, "PNG", pnginfo=info)
    return out.getvalue()


def read_digit(path: str | os.PathLike) -> np.ndarray:
    """(28, 28) uint8: our own files exactly, any other image through load_digit.
    Raises ImageError naming the file."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ImageError(f"{path.name} cannot be read ({error.strerror or error})") from error
    if size > MAX_FILE_BYTES:
        raise ImageError(f"{path.name} is {size / 2**20:.0f} MB: too large for a digit")
    try:
        with Image.open(path) as im:
            if im.format == "PNG" and im.size == (28, 28) and im.info.get(MARK_KEY) == MARK_VALUE:
                return np.asarray(im.convert("L"), dtype=np.uint8).copy()
    except (OSError, ValueError, SyntaxError, EOFError):
        pass  # load_digit says what is wrong with it
    return as_uint8(load_digit(path))


def _new_name(folder: Path, stem: str = "") -> Path:
    """A name in ``folder`` not yet taken: date, time, random part (and the old stem)."""
    when = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    while True:
        name = f"{when}-{secrets.token_hex(4)}{'-' + stem[:40] if stem else ''}.png"
        if not (folder / name).exists():
            return folder / name


def _label(label: int) -> str:
    if str(label) not in CLASSES:
        raise ValueError(f"a label is a digit 0-9, not {label!r}")
    return str(label)


def load_folder(folder: str | os.PathLike) -> LabelledImages:
    """Every readable digit in ``folder/0`` .. ``folder/9``; anything else is a problem line."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"{folder} is not a folder of digits (one folder per class 0-9)")
    images, labels, paths, problems = [], [], [], []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue  # temporary files of atomic writes, system files
        if not entry.is_dir():
            problems.append(f"{entry.name}: not in a class folder 0-9, skipped")
            continue
        if entry.name not in CLASSES:
            problems.append(f"{entry.name}/: not a digit 0-9, skipped")
            continue
        for file in sorted(entry.iterdir()):
            where = f"{entry.name}/{file.name}"
            if file.name.startswith("."):
                continue
            if file.is_dir():
                problems.append(f"{where}/: a folder inside a class folder, skipped")
                continue
            if len(images) == MAX_IMAGES:
                problems.append(f"{where} and the rest: more than {MAX_IMAGES:,} images")
                break
            try:
                images.append(read_digit(file))
            except ImageError as error:
                problems.append(f"{entry.name}/{error}, skipped")
                continue
            labels.append(int(entry.name))
            paths.append(file)
    stacked = np.stack(images) if images else np.zeros((0, 28, 28), np.uint8)
    return LabelledImages(stacked, np.array(labels, np.int64), paths, problems)


class MyDigits:
    """The user's digits folder: add, relabel, delete, list, load and import."""

    def __init__(self, folder: str | os.PathLike | None = None):
        self.folder = Path(folder) if folder is not None else default_folder()

    def add(self, image: np.ndarray, label: int) -> Path:
        """Store a (28, 28) network input (float in [0, 1] or uint8) as a new file."""
        folder = self.folder / _label(label)
        folder.mkdir(parents=True, exist_ok=True)
        path = _new_name(folder)
        atomic_write(path, encode(image))
        return path

    def add_drawing(self, ink: np.ndarray, label: int) -> Path:
        """Store a canvas ink map of any size (1 = ink), prepared as the network sees it."""
        return self.add(center_digit(ink), label)

    def relabel(self, path: str | os.PathLike, label: int) -> Path:
        """Move a digit to another class folder under a free name; its new path."""
        path = Path(path)
        folder = self.folder / _label(label)
        if path.parent == folder:
            return path
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / path.name if not (folder / path.name).exists() else _new_name(folder)
        try:
            os.link(path, target)  # fails if target exists: never overwrites
            path.unlink()
        except OSError:
            if target.exists():
                raise
            path.rename(target)  # where hard links are not supported
        return target

    def delete(self, path: str | os.PathLike) -> None:
        Path(path).unlink(missing_ok=True)

    def entries(self) -> list[tuple[Path, int]]:
        """(path, label) of every file in the class folders, by label, oldest first."""
        return [
            (file, int(label))
            for label in CLASSES
            if (self.folder / label).is_dir()
            for file in sorted((self.folder / label).iterdir())
            if file.is_file() and not file.name.startswith(".")
        ]

    def load(self) -> LabelledImages:
        if not self.folder.is_dir():
            return LabelledImages(np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64))
        return load_folder(self.folder)

    def import_folder(self, source: str | os.PathLike) -> tuple[list[Path], list[str]]:
        """Copy the readable digits of a folder in the same layout in, as new files (the
        originals untouched); the new paths, and the problems of the files skipped."""
        found = load_folder(source)
        added = []
        for image, label, origin in zip(found.images, found.labels, found.paths, strict=True):
            folder = self.folder / str(label)
            folder.mkdir(parents=True, exist_ok=True)
            path = _new_name(folder, origin.stem)
            atomic_write(path, encode(image))
            added.append(path)
        return added, found.problems
