"""Hostile and broken image files (issue 9): each is a clear ImageError at once, naming the
file, and never stops the other files of a `predict` run from being read."""

import json
import os
import struct
import sys

import numpy as np
import pytest
from convlens.engine import cli, images
from convlens.engine.images import ImageError, read_ink
from PIL import Image, ImageDraw

EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n{ } loop\n"  # loops forever


def good_digit(path):
    im = Image.new("L", (120, 120), 255)
    ImageDraw.Draw(im).ellipse((30, 15, 90, 105), outline=0, width=10)
    im.save(path)
    return path


# These files, and every damaged one, are checked with the others in test_images.py
# (test_not_an_image).


def tiff_with_float_strip_offset() -> bytes:
    """A 2x2 8-bit TIFF whose StripOffsets tag is a FLOAT (type 11): Pillow's TypeError."""
    entries = [
        (256, 3, 1, 2),  # ImageWidth, SHORT
        (257, 3, 1, 2),  # ImageLength
        (258, 3, 1, 8),  # BitsPerSample
        (259, 3, 1, 1),  # Compression: none
        (262, 3, 1, 1),  # Photometric: black is zero
        (273, 11, 1, struct.unpack("<I", struct.pack("<f", 122.0))[0]),  # StripOffsets: FLOAT
        (278, 3, 1, 2),  # RowsPerStrip
        (279, 4, 1, 4),  # StripByteCounts, LONG
    ]
    ifd = struct.pack("<H", len(entries))
    ifd += b"".join(struct.pack("<HHII", *entry) for entry in entries)
    ifd += struct.pack("<I", 0)
    data = b"II*\x00" + struct.pack("<I", 8) + ifd
    return data + bytes(122 - len(data)) + b"\x00\xff\xff\x00"


def dds_with_unknown_pixel_flags() -> bytes:
    """A DDS header (Pillow would raise NotImplementedError on its pixel format flags)."""
    header = struct.pack("<7I", 124, 0x1007, 4, 4, 0, 0, 0) + bytes(44)
    pixel_format = struct.pack("<8I", 32, 0x80000000, 0, 32, 0, 0, 0, 0)
    return b"DDS " + header + pixel_format + bytes(20) + bytes(64)


def test_eps_is_never_handed_to_ghostscript(tmp_path):
    path = tmp_path / "x.png"
    path.write_bytes(EPS)
    with pytest.raises(ImageError, match="not an image in a format ConvLens reads"):
        read_ink(path)


def test_float_tiff_with_a_nan_pixel(tmp_path):
    pixels = np.ones((40, 40), np.float32)
    pixels[10:30, 18:22] = 0.0
    pixels[5, 5] = np.nan
    path = tmp_path / "nan.tif"
    Image.fromarray(pixels, mode="F").save(path)
    with pytest.raises(ImageError, match="nan.tif holds pixels that are not numbers"):
        read_ink(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
    with pytest.raises(ImageError, match="pipe.png is a special file"):
        read_ink(fifo)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_device_and_a_link_to_it_are_refused(tmp_path):
    with pytest.raises(ImageError, match="zero is a special file"):
        read_ink("/dev/zero")
    link = tmp_path / "zero.png"
    link.symlink_to("/dev/zero")
    with pytest.raises(ImageError, match="zero.png is a special file"):
        read_ink(link)


def test_folder_is_refused(tmp_path):
    (tmp_path / "d.png").mkdir()
    with pytest.raises(ImageError, match="d.png is a folder"):
        read_ink(tmp_path / "d.png")


def test_file_over_the_size_cap(tmp_path):
    path = tmp_path / "big.png"
    good_digit(path)
    with open(path, "r+b") as file:
        file.truncate(images.MAX_BYTES + 1)  # sparse: no disk used
    with pytest.raises(ImageError, match="big.png is too large: over 64 MB"):
        read_ink(path)


def test_every_other_file_is_still_read(tmp_path, capsys):
    """`predict a.png nan.tif x.png b.png`: the two good ones answer, the others say why."""
    a, b = good_digit(tmp_path / "a.png"), good_digit(tmp_path / "b.png")
    nan = tmp_path / "nan.tif"
    Image.fromarray(np.full((20, 20), np.nan, np.float32), mode="F").save(nan)
    eps = tmp_path / "x.png"
    eps.write_bytes(EPS)
    assert cli.main(["predict", "--json", str(a), str(nan), str(eps), str(b)]) == 1
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["file"] for line in lines] == [str(a), str(nan), str(eps), str(b)]
    assert lines[0]["digit"] == lines[3]["digit"] == 0
    assert "nan.tif" in lines[1]["error"] and "x.png" in lines[2]["error"]


@pytest.mark.skipif(sys.platform == "win32", reason="chmod does not deny reading on Windows")
def test_unreadable_file(tmp_path):
    path = good_digit(tmp_path / "locked.png")
    path.chmod(0)
    if os.access(path, os.R_OK):
        pytest.skip("running as a user who reads every file (root)")
    with pytest.raises(ImageError, match="cannot read locked.png"):
        read_ink(path)
