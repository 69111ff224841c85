"""Fuzzing image files (hypothesis): whatever the bytes, read_ink returns a finite ink map in
[0, 1] or raises ImageError. Seeds are real files of every allowed format, cut, flipped and
spliced; a short run by default, longer with HYPOTHESIS_PROFILE=long."""

import io
import os

import numpy as np
from convlens.engine.images import ImageError, read_ink
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("long", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def _seed_files() -> list[bytes]:
    im = Image.new("L", (48, 40), 230)
    ImageDraw.Draw(im).line([(8, 6), (40, 6), (20, 36)], fill=20, width=5)
    seeds = []
    for image, fmt in [
        (im, "PNG"),
        (im.convert("RGB"), "JPEG"),
        (im, "BMP"),
        (im, "GIF"),
        (im, "TIFF"),
        (im.convert("F"), "TIFF"),
        (im.convert("RGBA"), "WEBP"),
        (im.convert("I;16"), "PNG"),
    ]:
        buffer = io.BytesIO()
        image.save(buffer, fmt)
        seeds.append(buffer.getvalue())
    return seeds


SEEDS = _seed_files()


@st.composite
def mangled(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 8))):
        position = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "cut", "insert", "overwrite"]))
        if action == "flip":
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif action == "cut":
            del data[position : position + draw(st.integers(1, 64))]
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
        else:
            value = draw(st.sampled_from([0, 0xFF, 0x7F, 0x80]))
            data[position : position + 4] = bytes([value]) * 4
        if not data:
            break
    return bytes(data)


def check(tmp_path, content: bytes) -> None:
    path = tmp_path / "fuzz.png"
    path.write_bytes(content)
    try:
        ink = read_ink(path)
    except ImageError as error:
        assert "fuzz.png" in str(error)
        return
    assert ink.ndim == 2 and ink.dtype == np.float32
    assert np.isfinite(ink).all() and ink.min() >= 0 and ink.max() <= 1


@given(content=mangled())
def test_mangled_files(tmp_path_factory, content):
    check(tmp_path_factory.mktemp("fuzz"), content)


@given(content=st.binary(max_size=512))
def test_random_bytes(tmp_path_factory, content):
    check(tmp_path_factory.mktemp("fuzz"), content)
