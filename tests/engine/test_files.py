"""engine.files: reading only regular files, capped; atomic writes that keep what the user set."""

import os
import stat
import time

import pytest
from convlens.engine.files import STALE_SECONDS, atomic_write, read_limited

from tests.engine.hostile import SPECIAL_FILES, special_file


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_private_file_stays_private(tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"old")
    os.chmod(path, 0o600)
    atomic_write(path, b"new")
    assert path.read_bytes() == b"new" and mode(path) == 0o600


def test_a_new_file_follows_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        atomic_write(tmp_path / "new.bin", b"x")
    finally:
        os.umask(old)
    assert mode(tmp_path / "new.bin") == 0o640


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.safetensors"
    target.write_bytes(b"old")
    link = tmp_path / "link.safetensors"
    link.symlink_to(os.path.relpath(target, tmp_path))
    atomic_write(link, b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"
    assert sorted(os.listdir(tmp_path / "real")) == ["model.safetensors"]  # no temporary left


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "later.bin")
    atomic_write(link, b"data")
    assert link.is_symlink() and (tmp_path / "later.bin").read_bytes() == b"data"


def test_leftovers_of_a_crashed_save_are_removed_and_nothing_else(tmp_path):
    target = tmp_path / "model.safetensors"
    old = time.time() - STALE_SECONDS - 60
    names = {
        "stale": ".model.safetensors.ab_c12z9.tmp",  # ours, for this target, from a crash
        "fresh": ".model.safetensors.k3j4h5g6.tmp",  # ours, but maybe another save right now
        "other_target": ".other.safetensors.ab_c12z9.tmp",
        "not_ours": ".model.safetensors.mine.tmp",
    }
    for key, name in names.items():
        (tmp_path / name).write_bytes(b"x" * 10)
        if key != "fresh":
            os.utime(tmp_path / name, (old, old))
    atomic_write(target, b"data")
    left = set(os.listdir(tmp_path))
    assert left == {"model.safetensors"} | {n for k, n in names.items() if k != "stale"}


def test_the_folder_is_fsynced_after_the_rename(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def recording_fsync(fd):
        synced.append((stat.S_ISDIR(os.fstat(fd).st_mode), os.path.exists(tmp_path / "f")))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    atomic_write(tmp_path / "f", b"data")
    # first the file's data (before the rename), then the folder (after it)
    assert synced == [(False, False), (True, True)]


def test_read_limited_reads_up_to_the_limit(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert read_limited(path, 100) == b"x" * 100
    with pytest.raises(OSError, match="larger than"):
        read_limited(path, 99)


@pytest.mark.parametrize("special", SPECIAL_FILES)
def test_read_limited_refuses_special_files(special, tmp_path):
    path = special_file(special, tmp_path / "x")
    with pytest.raises(OSError) as caught:
        read_limited(path, 10)
    assert caught.value.strerror.startswith("it is a")
