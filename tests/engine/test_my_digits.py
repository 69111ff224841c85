"""The user's digits folder on disk: add, relabel, delete, load, import; bad files skipped."""

import sys

import numpy as np
import pytest
from convlens.engine.images import center_digit
from convlens.engine.mnist import DatasetError
from convlens.engine.my_digits import MyDigits, as_uint8, default_folder, load_folder
from PIL import Image

from tests.engine.drawn_digits import flagged_one, seven


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG convention is Linux's")
def test_the_folder_is_in_the_users_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_folder() == tmp_path / "convlens" / "my_digits"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/path")  # the spec says: ignore it
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_folder() == tmp_path / ".local" / "share" / "convlens" / "my_digits"


def test_a_drawing_is_stored_as_the_network_input_and_read_back_exactly(tmp_path):
    digits = MyDigits(tmp_path)
    ink = flagged_one(slant=5)
    path = digits.add_drawing(ink, 1)
    assert path.parent == tmp_path / "1" and path.suffix == ".png"
    with Image.open(path) as im:
        assert im.size == (28, 28) and im.mode == "L"
        stored = np.asarray(im)
    expected = as_uint8(center_digit(ink))
    assert np.array_equal(stored, expected) and stored.max() == 255  # white ink on black
    assert stored[0, 0] == 0
    loaded = digits.load()
    assert np.array_equal(loaded.images, expected[None]) and loaded.labels.tolist() == [1]
    assert loaded.paths == [path] and loaded.problems == []


def test_relabel_moves_without_overwriting_and_delete_removes(tmp_path):
    digits = MyDigits(tmp_path)
    one = digits.add_drawing(flagged_one(), 7)  # a wrong label, to be corrected
    two = digits.add(center_digit(seven()), 7)
    taken = tmp_path / "1" / one.name  # a file of that name is already in the target folder
    taken.parent.mkdir()
    taken.write_bytes(b"someone else's file")
    moved = digits.relabel(one, 1)
    assert moved.parent == tmp_path / "1" and moved != taken and not one.exists()
    assert taken.read_bytes() == b"someone else's file"
    assert digits.entries() == sorted([(moved, 1), (taken, 1)]) + [(two, 7)]
    digits.delete(two)
    assert [label for _, label in digits.entries()] == [1, 1]
    with pytest.raises(ValueError, match="digit 0-9"):
        digits.relabel(moved, 12)


@pytest.fixture
def messy(tmp_path):
    """A folder in the layout with every kind of trouble in it, and the bytes of each file."""
    root = tmp_path / "labelled"
    MyDigits(root).add_drawing(flagged_one(), 1)
    MyDigits(root).add_drawing(seven(), 7)
    # A foreign image: dark ink on white paper, 56x56, as a scan would be
    paper = (255 - 255 * flagged_one(width=24)).astype(np.uint8)
    Image.fromarray(paper).resize((56, 56)).save(root / "1" / "scan.jpg")
    (root / "3").mkdir()
    (root / "3" / "damaged.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    (root / "3" / "notes.txt").write_text("not an image")
    (root / "3" / "nested").mkdir()
    with open(root / "3" / "huge.png", "wb") as file:
        file.truncate(40 * 2**20)  # sparse: costs no disk
    (root / "cats").mkdir()
    (root / "cats" / "cat.png").write_bytes(b"")
    (root / "loose.png").write_bytes(b"")
    (root / "7" / ".partial.png.tmp").write_bytes(b"")  # an atomic write's temporary file
    files = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and p.stat().st_size < 1e6}
    return root, files


def test_bad_files_are_reported_and_skipped_never_changed(messy):
    root, files = messy
    found = load_folder(root)
    assert sorted(found.labels.tolist()) == [1, 1, 7]
    assert found.images.shape == (3, 28, 28) and found.images.dtype == np.uint8
    problems = "\n".join(found.problems)
    for name in ("3/damaged.png", "3/notes.txt", "3/nested/", "3/huge.png", "cats/", "loose.png"):
        assert name in problems
    assert "40 MB: too large" in problems and len(found.problems) == 6
    assert {p: p.read_bytes() for p in files} == files  # nothing was changed or removed
    with pytest.raises(DatasetError, match="not a folder"):
        load_folder(root / "missing")


def test_import_copies_the_readable_digits_as_new_files(messy, tmp_path):
    root, files = messy
    mine = MyDigits(tmp_path / "mine")
    first = mine.add_drawing(seven(slant=10), 7)
    added, problems = mine.import_folder(root)
    assert len(added) == 3 and len(problems) == 6
    assert any("scan" in p.name for p in added)  # the original name is kept in the new one
    loaded = mine.load()
    assert sorted(loaded.labels.tolist()) == [1, 1, 7, 7] and first in loaded.paths
    assert loaded.problems == []
    assert {p: p.read_bytes() for p in files} == files
    again, _ = mine.import_folder(root)  # importing twice adds copies, replaces nothing
    assert not set(again) & set(added) and len(mine.entries()) == 7
