"""IDX files, the format MNIST comes in: a magic number, big-endian sizes, then the bytes.

Files in a data folder are read with caps: at most MAX_IDX_BYTES from disk (regular files
only) and at most that much unpacked, a little at a time, so a gzip bomb costs no memory.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import numpy as np
from convlens.engine.files import read_limited

MAX_IDX_BYTES = 47_040_016  # the largest MNIST file, the training images (unpacked)
_UINT8 = 0x08


class DatasetError(Exception):
    """A problem with the MNIST files, worded for the end user; it names the file."""


def gunzip(data: bytes, limit: int) -> bytes:
    """Decompress every gzip member of ``data``, a little at a time, so that a gzip bomb
    stops at ``limit`` bytes of output: ValueError past it, zlib.error or EOFError when the
    archive is damaged or cut."""
    out = bytearray()
    while data:
        member = zlib.decompressobj(wbits=31)  # 31: a gzip wrapper, its CRC checked
        out += member.decompress(data, limit + 1 - len(out))
        if len(out) > limit:
            raise ValueError(f"it unpacks to more than {limit:,} bytes")
        if not member.eof:
            raise EOFError("the archive is cut short")
        data = member.unused_data
    return bytes(out)


def content(path: Path, limit: int = MAX_IDX_BYTES) -> bytes:
    """A file's bytes, unpacked if it is gzip (told by content, not name), at most ``limit``."""
    name = path.name
    try:
        data = read_limited(path, limit)
    except FileNotFoundError:
        raise DatasetError(f"{name} is missing from {path.parent}") from None
    except OSError as e:
        raise DatasetError(f"cannot read {name}: {e.strerror or e}") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gunzip(data, limit)
        except ValueError as e:
            raise DatasetError(f"{name} is not an MNIST file: {e}") from None
        except (EOFError, zlib.error) as e:
            raise DatasetError(f"{name} is a damaged gzip file ({e})") from None
    return data


def read_idx(path: str | os.PathLike, ndim: int | None = None) -> np.ndarray:
    """Read a uint8 IDX file, gzip-compressed or raw (told apart by content, not by name).

    `ndim`, when given, is the number of dimensions the file must have. Neither the file nor
    its unpacked content may exceed MAX_IDX_BYTES. Raises DatasetError, naming the file,
    for anything that is not a valid IDX file.
    """
    path = Path(path)
    return parse_idx(content(path), path.name, ndim)


def parse_idx(data: bytes, name: str, ndim: int | None = None) -> np.ndarray:
    """The array in the IDX bytes ``data`` (see ``read_idx``); errors name ``name``."""
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
