"""Reading files we did not write, and writing files so that a failure half-way never leaves a
damaged one behind."""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
import time
from pathlib import Path

STALE_SECONDS = 600  # a temporary file of ours this old is left from a crash: no save takes that


def read_limited(path: str | os.PathLike, max_bytes: int) -> bytes:
    """The bytes of the regular file at ``path`` (a symlink is followed), at most ``max_bytes``.

    Opened without blocking (a FIFO would wait for a writer forever) and checked on the open
    descriptor, so a device such as /dev/zero, a FIFO, a socket or a folder, or a link to one,
    is an OSError whose ``strerror`` says what it is, read not one byte; so is a larger file.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise OSError(errno.EISDIR, "it is a folder, not a file", str(path))
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "it is a device or a pipe, not a regular file", str(path))
        with os.fdopen(fd, "rb", closefd=False) as file:
            data = file.read(max_bytes + 1)  # one byte more tells a file that is too large
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise OSError(errno.EFBIG, f"it is larger than {max_bytes / 2**20:,.1f} MB", str(path))
    return data


def _temp_pattern(name: str) -> re.Pattern:
    # mkstemp(prefix=".NAME.", suffix=".tmp") adds 8 characters of [a-z0-9_]
    return re.compile(re.escape(f".{name}.") + r"[a-z0-9_]{8}\.tmp")


def _remove_stale_temps(folder: Path, name: str) -> None:
    """Delete our temporary files for ``name`` left by a crashed save (SIGKILL, power cut).
    Only old ones: a fresh one may belong to another save going on right now."""
    pattern, now = _temp_pattern(name), time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            if pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                if now - entry.stat(follow_symlinks=False).st_mtime > STALE_SECONDS:
                    os.unlink(entry.path)
        except OSError:
            pass  # someone else removed it, or we may not: not our save's problem


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; Windows cannot open a folder for this)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file beside it and a rename: all or nothing.

    A symlink is written through (its target is replaced, the link stays), an existing file
    keeps its permissions, the folder is fsynced after the rename, and temporary files of
    ours that an earlier crash left beside the target are removed.
    """
    path = Path(os.path.realpath(path))
    _remove_stale_temps(path.parent, path.name)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask  # mkstemp makes 0600; a new file is an ordinary user file
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)
