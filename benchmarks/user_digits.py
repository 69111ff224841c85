"""Digits as users make them: render a labelled test set, and measure a model on it.

MNIST digits are tidy: scanned pen strokes, centred, all of one size. Users draw with a mouse,
photograph a marker digit on a desk, drop in a white-on-transparent PNG or a printed "7". This
module renders such images (``digit_styles``, deterministically, from a seed) and measures a
model on them through ``engine.images.load_digit``, the same path the app takes for a file.

    python benchmarks/user_digits.py /tmp/user_digits                # render (20 per style)
    python benchmarks/user_digits.py /tmp/user_digits --model resources/default.safetensors

File names carry the answer: ``<style>_<n>_<digit>.<ext>``. The images are not committed.
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
    """Accuracy per style, and 'all', of ``model`` on the images in ``folder`` (the app's path)."""
    import torch
    from convlens.engine.images import load_digit
    from convlens.engine.network import predict

    paths = sorted(p for p in Path(folder).iterdir() if p.suffix in (".png", ".jpg"))
    images = torch.from_numpy(np.stack([load_digit(p) for p in paths]))
    predicted = predict(model, images).argmax(1).tolist()
    right: dict[str, list[bool]] = {}
    for path, guess in zip(paths, predicted, strict=True):
        style, digit = label_of(path)
        right.setdefault(style, []).append(guess == digit)
    scores = {style: sum(hits) / len(hits) for style, hits in right.items()}
    scores["all"] = sum(sum(h) for h in right.values()) / sum(len(h) for h in right.values())
    return scores


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="where the images go (created if needed)")
    parser.add_argument("--seed", type=int, default=0)
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
