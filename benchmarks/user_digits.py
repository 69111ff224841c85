"""Digits as users make them: render a labelled test set, and measure a model on it.

MNIST digits are tidy: scanned pen strokes, centred, all of one size. Users draw with a mouse,
photograph a marker digit on a desk, drop in a white-on-transparent PNG or a printed "7". This
module renders such images (``digit_styles``, deterministically, from a seed) and measures a
model on them through ``engine.images.load_digit``, the same path the app takes for a file.

    python benchmarks/user_digits.py /tmp/user_digits                # render (20 per style)
    python benchmarks/user_digits.py /tmp/user_digits --seed 2026 --per-style 100 \
        --model resources/default.safetensors

File names carry the answer: ``<style>_<n>_<digit>.<ext>``. The images are not committed.
A file the app cannot read (reported blank, say) counts as a miss, and is counted apart.

Seeds: 0 is the tuning set, looked at while the ink detection, the styles and the shipped
model's recipe were made. The README's figures come from REPORT_SEED, never looked at
before they were measured.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np
from digit_styles import STYLES

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PER_STYLE = 20  # two of each digit
TUNING_SEED = 0
REPORT_SEED = 2026


def render(folder: str | Path, seed: int = 0, per_style: int = PER_STYLE) -> list[Path]:
    """Write ``per_style`` images of each style into ``folder``; the same seed, the same files."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for style, make in STYLES.items():
        rng = random.Random(f"{seed}-{style}")  # each style its own stream: adding one moves none
        for n in range(per_style):
            digit = n % 10
            image, ext = make(digit, rng)
            path = folder / f"{style}_{n:03d}_{digit}.{ext}"
            image.save(path, quality=rng.randint(60, 85)) if ext == "jpg" else image.save(path)
            paths.append(path)
    return paths


def label_of(path: Path) -> tuple[str, int]:
    """(style, digit) from a file name written by ``render``."""
    style, _, digit = path.stem.rsplit("_", 2)
    return style, int(digit)


def measure(model, folder: str | Path) -> dict[str, float]:
    """Accuracy per style, 'all', and 'unreadable' (the share of files that gave an ImageError,
    counted as misses) of ``model`` on the images in ``folder``, through the app's path."""
    import torch
    from convlens.engine.images import ImageError, load_digit
    from convlens.engine.network import predict

    paths = sorted(p for p in Path(folder).iterdir() if p.suffix in (".png", ".jpg"))
    inputs, readable = [], []
    for path in paths:
        try:
            inputs.append(load_digit(path))
            readable.append(True)
        except ImageError:
            inputs.append(np.zeros((28, 28), np.float32))
            readable.append(False)
    predicted = predict(model, torch.from_numpy(np.stack(inputs))).argmax(1).tolist()
    right: dict[str, list[bool]] = {}
    for path, guess, ok in zip(paths, predicted, readable, strict=True):
        style, digit = label_of(path)
        right.setdefault(style, []).append(ok and guess == digit)
    scores = {style: sum(hits) / len(hits) for style, hits in right.items()}
    scores["all"] = sum(sum(h) for h in right.values()) / sum(len(h) for h in right.values())
    scores["unreadable"] = 1 - sum(readable) / len(readable)
    return scores


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="where the images go (created if needed)")
    parser.add_argument("--seed", type=int, default=TUNING_SEED, help=f"report: {REPORT_SEED}")
    parser.add_argument("--per-style", type=int, default=PER_STYLE)
    parser.add_argument("--model", help="a model file to measure on the images")
    args = parser.parse_args(argv)
    paths = render(args.folder, args.seed, args.per_style)
    print(f"{len(paths)} images in {args.folder}")
    if args.model:
        from convlens.engine.model_file import load_model

        model, _ = load_model(args.model)
        for style, accuracy in measure(model, args.folder).items():
            print(f"{style:14s} {accuracy * 100:6.1f}%")


if __name__ == "__main__":
    main()
