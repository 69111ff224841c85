"""Why this digit? Three attributions of one 28x28 input to one class (the predicted one by
default): saliency, Grad-CAM and occlusion.

Each is a pure function of a model and an image, run in eval mode on the model's device,
leaving the model as it was (see ``engine.probe``). Saliency and Grad-CAM cost one forward and
one backward pass; occlusion one batched forward pass over the covered copies of the image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from convlens.engine import spec
from convlens.engine.network import Network
from convlens.engine.probe import (
    as_batch,
    check_layer,
    check_target,
    conv_layers,
    forward_from,
    forward_to,
    inspecting,
    map_layers,
)

SIDE = spec.INPUT_SHAPE[1]
_ELEMENTWISE = (spec.Activation, spec.BatchNorm, spec.Dropout)


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy()


def _target(logits: torch.Tensor, target: int | None) -> int:
    return int(logits[0].argmax()) if target is None else check_target(target)


@dataclass
class Saliency:
    """The gradient of one class's logit (its score before softmax, as in Simonyan et al.
    2014) with respect to the ink, and that gradient times the ink."""

    target: int
    score: float  # the target's logit
    gradient: np.ndarray  # (28, 28) d logit / d ink: positive where more ink raises the score
    gradient_x_input: np.ndarray  # (28, 28) gradient * ink: zero off the ink


def saliency(model: Network, image: np.ndarray, target: int | None = None) -> Saliency:
    """Saliency of ``target`` (default: the predicted digit) for a (28, 28) ink image."""
    with inspecting(model), torch.enable_grad():
        x = as_batch(image, model).requires_grad_(True)
        logits = model(x)
        target = _target(logits, target)
        (gradient,) = torch.autograd.grad(logits[0, target], x)
    gradient = _numpy(gradient).reshape(SIDE, SIDE)
    ink = _numpy(x).reshape(SIDE, SIDE)
    return Saliency(target, float(logits[0, target].detach()), gradient, gradient * ink)


def gradcam_source(model: Network, layer: int) -> int:
    """The layer whose maps Grad-CAM weighs for ``layer``: a conv's maps are taken after the
    element-wise layers that follow it (batch norm, activation, dropout), as the paper weighs
    the rectified maps of a conv layer, and before any pooling, which would blur them; any other
    map layer (a pool, an activation) is taken as it is."""
    check_layer(model, layer, map_layers(model), "a layer with feature maps")
    if isinstance(model.infos[layer].layer, spec.Conv):
        while layer + 1 < len(model.infos) and isinstance(
            model.infos[layer + 1].layer, _ELEMENTWISE
        ):
            layer += 1
    return layer


@dataclass
class GradCam:
    """Grad-CAM (Selvaraju et al. 2017): the maps of one layer, each weighed by the mean
    gradient of the class's logit over it, summed, and only the positive part kept."""

    target: int
    layer: int  # the layer asked for
    source: int  # the layer whose output was weighed (see gradcam_source)
    weights: np.ndarray  # (C,) per map: mean over positions of d logit / d map
    low: np.ndarray  # (H, W) ReLU(sum_c weights[c] * maps[c]) at the layer's resolution
    # (28, 28) ``low`` resized bilinearly (align_corners=False), as in the paper: exactly
    # aligned with the input when every conv has an odd kernel and pads 'same' (each cell's
    # centre lands on its receptive field's centre), off by up to half a pixel with an even
    # kernel, stretched a little over the border by 'valid' convs.
    map: np.ndarray


def gradcam(
    model: Network, image: np.ndarray, layer: int | None = None, target: int | None = None
) -> GradCam:
    """Grad-CAM of ``target`` (default: predicted) on ``layer`` (default: the last conv)."""
    if layer is None:
        convs = conv_layers(model)
        if not convs:
            raise ValueError("the network has no conv layer for Grad-CAM")
        layer = convs[-1]
    source = gradcam_source(model, layer)
    with inspecting(model):
        x = as_batch(image, model)
        with torch.no_grad():
            maps = forward_to(model, x, source)  # (1, C, H, W)
        with torch.enable_grad():
            maps.requires_grad_(True)
            logits = forward_from(model, maps, source)
            target = _target(logits, target)
            (gradient,) = torch.autograd.grad(logits[0, target], maps)
        with torch.no_grad():
            weights = gradient.mean(dim=(2, 3))  # (1, C)
            low = torch.relu((weights[:, :, None, None] * maps).sum(dim=1, keepdim=True))
            up = F.interpolate(low, size=(SIDE, SIDE), mode="bilinear", align_corners=False)
    return GradCam(target, layer, source, _numpy(weights[0]), _numpy(low[0, 0]), _numpy(up[0, 0]))


def patch_starts(size: int, stride: int) -> np.ndarray:
    """Where patches start along one side: every ``stride`` pixels, plus one flush with the
    far edge when the stride skips it, so that every pixel is covered at least once."""
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= SIDE:
        raise ValueError(f"the patch size must be a whole number from 1 to {SIDE}, not {size!r}")
    if isinstance(stride, bool) or not isinstance(stride, int) or stride < 1:
        raise ValueError(f"the patch stride must be a whole number of at least 1, not {stride!r}")
    starts = list(range(0, SIDE - size + 1, stride))
    if starts[-1] != SIDE - size:
        starts.append(SIDE - size)
    return np.array(starts)


@dataclass(frozen=True)
class OcclusionPoint:
    """What covering one pixel does: the class probability as drawn, and with each patch that
    covers the pixel blanked."""

    row: int
    col: int
    probability: float  # the target's probability with nothing covered
    patches: list[tuple[int, int, float]]  # (top, left, probability) per covering patch
    drop: float  # probability - the mean of the covered probabilities: the map's value


@dataclass
class Occlusion:
    """The drop of one class's probability when each size x size patch is covered with blank
    paper (0 ink). ``map`` gives each pixel the mean drop over the patches that cover it
    (as Captum's Occlusion does), so it is as fine as the stride and comparable across sizes."""

    target: int
    size: int
    stride: int
    probability: float  # the target's probability with nothing covered
    tops: np.ndarray  # (R,) first row of each patch row
    lefts: np.ndarray  # (C,) first column of each patch column
    covered: np.ndarray  # (R, C) the target's probability with patch (r, c) covered
    map: np.ndarray  # (28, 28) mean of (probability - covered) over the patches covering a pixel

    @property
    def drops(self) -> np.ndarray:
        """(R, C) probability - covered: positive where the patch mattered for the class."""
        return self.probability - self.covered

    def at(self, row: int, col: int) -> OcclusionPoint:
        """The explanation of pixel (row, col) of ``map``: every patch over it and its effect."""
        if not (0 <= row < SIDE and 0 <= col < SIDE):
            raise ValueError(f"({row}, {col}) is outside the 28x28 image")
        rows = np.flatnonzero((self.tops <= row) & (row < self.tops + self.size))
        cols = np.flatnonzero((self.lefts <= col) & (col < self.lefts + self.size))
        patches = [
            (int(self.tops[r]), int(self.lefts[c]), float(self.covered[r, c]))
            for r in rows
            for c in cols
        ]
        return OcclusionPoint(row, col, self.probability, patches, float(self.map[row, col]))


def _patch_masks(starts: np.ndarray, size: int, device: torch.device) -> torch.Tensor:
    """(R, R, 28, 28) bool: mask [r, c] covers rows starts[r].. and columns starts[c]..."""
    pixels = torch.arange(SIDE, device=device)
    first = torch.as_tensor(starts, device=device)[:, None]
    along = (pixels >= first) & (pixels < first + size)  # (R, 28)
    return along[:, None, :, None] & along[None, :, None, :]


def occlusion(
    model: Network,
    image: np.ndarray,
    size: int = 4,
    stride: int = 2,
    target: int | None = None,
    temperature: float = 1.0,
) -> Occlusion:
    """Occlusion of ``target`` (default: predicted) with size x size patches every ``stride``
    pixels, in one forward pass; probabilities are softmax(logits / temperature)."""
    starts = patch_starts(size, stride)
    if not temperature > 0:
        raise ValueError(f"the temperature must be above 0, not {temperature!r}")
    with inspecting(model), torch.no_grad():
        x = as_batch(image, model)
        masks = _patch_masks(starts, size, x.device)
        # Covering blank paper with blank paper changes nothing: only patches over some ink
        # are run (about half of them for a digit), the others keep the image's probability.
        inked = (masks & (x[0, 0] != 0)).any(dim=(2, 3))  # (R, R)
        covered = x * ~masks[inked][:, None]
        logits = model(torch.cat([x, covered]))  # the image as drawn first
        probabilities = torch.softmax(logits.double() / temperature, dim=1)
        target = _target(logits, target)
        base = probabilities[0, target]
        per_patch = base.repeat(inked.shape)
        per_patch[inked] = probabilities[1:, target]
        weights = masks.double()
        total = (weights * (base - per_patch)[:, :, None, None]).sum(dim=(0, 1))
        mean_drop = total / weights.sum(dim=(0, 1))
    return Occlusion(
        target,
        size,
        stride,
        float(base),
        starts,
        starts.copy(),
        _numpy(per_patch),
        _numpy(mean_drop),
    )
