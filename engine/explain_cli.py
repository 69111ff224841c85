"""The ``explain`` command: why the network reads an image file as the digit it does, as a
28x28 attribution map (saliency, Grad-CAM or occlusion) in JSON, text or a PNG overlay."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import numpy as np
import torch
from convlens.engine import attribution, images
from convlens.engine.files import atomic_write
from convlens.engine.model_file import load_model
from convlens.engine.network import Network
from convlens.engine.probe import as_batch, inspecting
from convlens.engine.shipped import DEFAULT_MODEL
from PIL import Image

METHODS = ("saliency", "gradcam", "occlusion")
SCALE = 10  # the PNG shows each input pixel as SCALE x SCALE
SHADES = " .:-=+*#%@"  # the text map: blank for <= 0, then rising shares of the largest value


def add_explain(commands) -> None:
    """The ``explain`` command."""
    explain = commands.add_parser("explain", help="why this digit: an attribution map")
    explain.add_argument("file", help="an image of a digit (PNG, JPEG, ...)")
    explain.add_argument("--model", metavar="FILE", default=str(DEFAULT_MODEL), help="model")
    explain.add_argument(
        "--method",
        choices=METHODS,
        default="saliency",
        help="saliency: d logit / d ink; gradcam: Grad-CAM on a conv layer; "
        "occlusion: the probability's drop when patches are covered (default: saliency)",
    )
    explain.add_argument("--layer", type=int, help="gradcam: the layer (default: the last conv)")
    explain.add_argument(
        "--target", type=int, metavar="DIGIT", help="the digit to explain (default: predicted)"
    )
    explain.add_argument("--patch", type=int, help="occlusion: patch side in pixels (default 4)")
    explain.add_argument("--stride", type=int, help="occlusion: step between patches (default 2)")
    explain.add_argument("--json", action="store_true", help="one JSON object on stdout")
    explain.add_argument("--out", metavar="MAP.png", help="write the map over the image as a PNG")
    explain.set_defaults(run=run_explain)


def attribution_map(
    model: Network, image: np.ndarray, method: str, layer=None, target=None, patch=4, stride=2
) -> tuple[np.ndarray, int, int | None]:
    """The (28, 28) map of ``method``, the digit it explains and Grad-CAM's layer (else None)."""
    if method == "saliency":
        result = attribution.saliency(model, image, target)
        return result.gradient, result.target, None
    if method == "gradcam":
        result = attribution.gradcam(model, image, layer, target)
        return result.map, result.target, result.layer
    result = attribution.occlusion(model, image, patch, stride, target)
    return result.map, result.target, None


def overlay_png(image: np.ndarray, values: np.ndarray) -> bytes:
    """The ink in grey on white, the map on top in red (positive) and blue (negative), opaque
    in proportion to |value| / max |value|; PNG bytes, SCALE times the input's size."""
    paper = 1.0 - 0.6 * np.clip(image, 0, 1)  # ink a mid grey, so that the colours show
    largest = float(np.abs(values).max())
    share = values / largest if largest > 0 else np.zeros_like(values)
    alpha = 0.85 * np.abs(share)[..., None]
    colour = np.where(share[..., None] >= 0, [0.85, 0.1, 0.1], [0.1, 0.3, 0.9])
    rgb = paper[..., None] * (1 - alpha) + colour * alpha
    pixels = np.kron(np.round(rgb * 255).astype(np.uint8), np.ones((SCALE, SCALE, 1), np.uint8))
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def text_map(values: np.ndarray) -> str:
    """28 lines of characters: the positive part of the map in SHADES."""
    largest = float(values.max())
    if largest <= 0:
        return "\n".join([" " * values.shape[1]] * values.shape[0])
    levels = np.clip(np.ceil(values / largest * (len(SHADES) - 1)), 0, len(SHADES) - 1)
    return "\n".join("".join(SHADES[int(v)] for v in row) for row in levels)


def _check(args) -> None:
    if args.layer is not None and args.method != "gradcam":
        raise ValueError("--layer is for --method gradcam only")
    if (args.patch is not None or args.stride is not None) and args.method != "occlusion":
        raise ValueError("--patch and --stride are for --method occlusion only")


def run_explain(args) -> int:
    """Run ``explain``: the map of one image file, as JSON, text or a PNG overlay."""
    _check(args)
    model, info = load_model(args.model)
    image = images.load_digit(args.file)
    values, target, layer = attribution_map(
        model,
        image,
        args.method,
        args.layer,
        args.target,
        4 if args.patch is None else args.patch,
        2 if args.stride is None else args.stride,
    )
    with inspecting(model), torch.no_grad():
        logits = model(as_batch(image, model))[0].double()
    probabilities = torch.softmax(logits / info.temperature, dim=0).tolist()
    digit = int(np.argmax(probabilities))
    if args.out:
        try:
            atomic_write(args.out, overlay_png(image, values))
        except OSError as error:
            raise ValueError(f"cannot write {args.out}: {error.strerror or error}") from error
    if args.json:
        result = {
            "file": args.file,
            "digit": digit,
            "target": target,
            "probability": probabilities[target],
            "method": args.method,
            "layer": layer,
            "map": [[float(f"{v:.6g}") for v in row] for row in values.tolist()],
        }
        print(json.dumps(result))
        return 0
    name = Path(args.file).name
    print(
        f"{name}: {digit} ({probabilities[digit]:.1%}); {args.method} for {target} "
        f"({probabilities[target]:.1%}), largest {values.max():.3g}, smallest {values.min():.3g}"
    )
    if args.out:
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        print(text_map(values))
    return 0
