"""What a filter looks for: the test-set patches that excite it most, and an image made to
excite it (activation maximisation).

A filter's activation is its conv layer's output after the batch norm (and dropout) that may
follow it, before the activation function: a batch norm with a negative scale turns the conv's
largest values into its smallest, and after a ReLU every negative value would tie at 0.

Both computations are long enough for a worker thread: they report ``progress(done, total)``
and poll ``should_stop()`` between batches or steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from convlens.engine import spec
from convlens.engine.network import Network
from convlens.engine.probe import (
    ProgressCallback,
    StopCallback,
    as_ink,
    check_layer,
    conv_layers,
    forward_to,
    inspecting,
    weights_fingerprint,
)
from convlens.engine.receptive_field import receptive_field


def filter_output(model: Network, layer: int) -> int:
    """The layer whose output is conv ``layer``'s filters' activation (see the module's doc)."""
    check_layer(model, layer, conv_layers(model), "a conv layer")
    while layer + 1 < len(model.infos) and isinstance(
        model.infos[layer + 1].layer, spec.BatchNorm | spec.Dropout
    ):
        layer += 1
    return layer


@dataclass
class TopPatches:
    """For each filter of a conv layer, the ``count`` images whose largest activation (over
    positions) is largest, best first, and the patch of each cut at that unit's receptive field."""

    layer: int
    fingerprint: str  # weights_fingerprint of the model they were computed on
    images: np.ndarray  # (F, count) int64 indices into the images given
    positions: np.ndarray  # (F, count, 2) (row, col) of the largest activation in the map
    activations: np.ndarray  # (F, count) that activation
    fields: np.ndarray  # (F, count, 4) unclipped (top, left, bottom, right) on the input
    patches: np.ndarray  # (F, count, h, w) float32 ink of the field, zeros where it overhangs


def _merge(best, candidates, count: int):
    """Keep the ``count`` largest of the running best and a batch's candidates, per filter."""
    values, images, positions = (
        torch.cat(pair, dim=1) for pair in zip(best, candidates, strict=True)
    )
    top = values.topk(min(count, values.shape[1]), dim=1)
    return top.values, images.gather(1, top.indices), positions.gather(1, top.indices)


def top_patches(
    model: Network,
    layer: int,
    images,
    count: int = 9,
    batch_size: int = 500,
    progress: ProgressCallback | None = None,
    should_stop: StopCallback | None = None,
) -> TopPatches | None:
    """The ``count`` patches of (N, 28, 28) ``images`` (uint8 or ink in [0, 1]) that excite
    each filter of conv ``layer`` most; None if ``should_stop()`` said stop."""
    output = filter_output(model, layer)
    if len(images) == 0:
        raise ValueError("there are no images to look for patches in")
    filters, _, width = model.infos[layer].out_shape
    like = next(model.parameters())
    empty_long = torch.empty(filters, 0, dtype=torch.long, device=like.device)
    best = (torch.empty(filters, 0, dtype=like.dtype, device=like.device), empty_long, empty_long)
    total = len(images)
    with inspecting(model), torch.no_grad():
        for start in range(0, total, batch_size):
            if should_stop is not None and should_stop():
                return None
            x = as_ink(images[start : start + batch_size], model)
            maps = forward_to(model, x, output).flatten(2)  # (B, F, H*W)
            values, where = maps.max(dim=2)  # (B, F)
            index = torch.arange(start, start + len(x), device=like.device).expand(filters, -1)
            best = _merge(best, (values.T, index, where.T), count)
            if progress is not None:
                progress(start + len(x), total)
    values, chosen, where = (t.cpu().numpy() for t in best)
    positions = np.stack([where // width, where % width], axis=-1)
    inks = as_ink(images[chosen.ravel()], model)[:, 0].cpu().float().numpy()
    fields, patches = [], []
    for (row, col), ink in zip(positions.reshape(-1, 2), inks, strict=True):
        field = receptive_field(model.infos, layer, int(row), int(col))
        fields.append(field.unclipped)
        patches.append(field.cut(ink))
    shape = chosen.shape
    return TopPatches(
        layer,
        weights_fingerprint(model),
        chosen,
        positions,
        values,
        np.array(fields).reshape(*shape, 4),
        np.array(patches).reshape(*shape, *patches[0].shape),
    )


class PatchCache:
    """Top patches per layer for one set of weights: storing a result computed on other
    weights (after training, or for another model) empties the cache first."""

    def __init__(self):
        self._fingerprint: str | None = None
        self._results: dict[tuple[int, int], TopPatches] = {}

    def get(self, fingerprint: str, layer: int, count: int = 9) -> TopPatches | None:
        """The stored result for these weights and layer, or None."""
        if fingerprint != self._fingerprint:
            return None
        return self._results.get((layer, count))

    def put(self, result: TopPatches) -> None:
        if result.fingerprint != self._fingerprint:
            self._fingerprint, self._results = result.fingerprint, {}
        self._results[(result.layer, result.images.shape[1])] = result


@dataclass
class FilterImage:
    """An input made to excite one filter: its mean activation before and after the ascent."""

    layer: int
    filter: int
    image: np.ndarray  # (28, 28) ink in [0, 1]
    start: float  # the filter's mean activation over its map on the starting noise
    final: float  # the same on ``image``
    steps: int  # ascent steps done (fewer than asked when stopped)


_BLUR = torch.tensor([1.0, 2.0, 1.0]) / 4  # a 3x3 binomial blur, applied as two 1-D passes


def _blur(x: torch.Tensor) -> torch.Tensor:
    kernel = _BLUR.to(x)
    x = F.conv2d(F.pad(x, (1, 1, 0, 0), mode="replicate"), kernel.reshape(1, 1, 1, 3))
    return F.conv2d(F.pad(x, (0, 0, 1, 1), mode="replicate"), kernel.reshape(1, 1, 3, 1))


def maximise_filter(
    model: Network,
    layer: int,
    filter: int,
    steps: int = 100,
    lr: float = 0.05,
    seed: int = 0,
    jitter: int = 1,
    blur_every: int = 4,
    decay: float = 0.01,
    progress: ProgressCallback | None = None,
    should_stop: StopCallback | None = None,
) -> FilterImage:
    """Gradient ascent on the ink from seeded noise around 0.5, raising the filter's mean
    activation, each step of root-mean-square ``lr`` per pixel. Regularised as in Yosinski
    et al. 2015: each step sees the image shifted by up to ``jitter`` px (so no single pixel
    pattern is relied on), the ink then shrinks by the share ``decay`` (an L2 decay towards
    blank paper: ink stays only where it helps), the image is blurred every ``blur_every``
    steps and kept in [0, 1]."""
    output = filter_output(model, layer)
    filters = model.infos[layer].out_shape[0]
    if not 0 <= filter < filters:
        raise ValueError(f"layer {layer} has filters 0 to {filters - 1}, not {filter}")
    generator = torch.Generator().manual_seed(seed)
    like = next(model.parameters())
    start_image = 0.5 + 0.1 * torch.randn(1, 1, 28, 28, generator=generator, dtype=like.dtype)
    x = start_image.clamp(0, 1).to(like.device).requires_grad_(True)
    shifts = torch.randint(-jitter, jitter + 1, (steps, 2), generator=generator).tolist()

    def activation(image: torch.Tensor) -> torch.Tensor:
        return forward_to(model, image, output)[0, filter].mean()

    done = 0
    with inspecting(model):
        with torch.no_grad():
            start = float(activation(x))
        for step in range(steps):
            if should_stop is not None and should_stop():
                break
            with torch.enable_grad():
                shifted = torch.roll(x, shifts[step], dims=(2, 3))
                # autograd.grad, not backward(): the weights' .grad must stay untouched
                (gradient,) = torch.autograd.grad(activation(shifted), x)
            with torch.no_grad():
                # A step of root-mean-square ``lr`` per pixel, whatever the layer's scale.
                x += lr * gradient / (gradient.pow(2).mean().sqrt() + 1e-12)
                x *= 1 - decay
                if blur_every and (step + 1) % blur_every == 0:
                    x.copy_(_blur(x))
                x.clamp_(0, 1)
            done = step + 1
            if progress is not None:
                progress(done, steps)
        with torch.no_grad():
            final = float(activation(x))
    image = x.detach()[0, 0].cpu().numpy()
    return FilterImage(layer, filter, image, start, final, done)
