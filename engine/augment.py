"""Batch augmentation on the device: small affine warps and thicker or thinner strokes.

Users write digits slanted, off-size and with pens of any width; MNIST's are tidy. A few
random warps per batch close that gap at almost no cost, since all of it is batched tensor work.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

# Inputs reach the network centred and scaled by engine.images.center_digit, as MNIST's were,
# so shifts and size changes only need to cover its rounding; tilt and pen width are what
# users really vary. Stronger warps (15 degrees, shear 0.2, 2.5 px shifts) cost 0.8% on the
# user-style digits of benchmarks/user_digits.py: more flagged 1s taken for 7s.
ROTATION = 10.0  # degrees, either way
SCALE = 0.1  # size changes by up to this share
SHEAR = 0.0  # slant: horizontal shift per unit of height
SHIFT = 0.1  # of half the image side: ~1.4 px
THICK = 1 / 3  # share of the batch drawn with a wider pen
THIN = 1 / 6  # share drawn with a finer one


def augment(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Randomly rotate, scale, shear, shift and thicken/thin a batch (B, 1, 28, 28) of ink."""
    b, device = x.shape[0], x.device

    def uniform(low: float, high: float) -> torch.Tensor:
        return torch.rand(b, device=device, generator=generator) * (high - low) + low

    angle = uniform(-ROTATION, ROTATION) * (math.pi / 180)
    scale = uniform(1 - SCALE, 1 + SCALE)
    shear = uniform(-SHEAR, SHEAR)
    shift = torch.stack([uniform(-SHIFT, SHIFT), uniform(-SHIFT, SHIFT)], dim=1)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin + shear * cos], 1), torch.stack([sin, cos + shear * sin], 1)], 1
    )  # (B, 2, 2): rotation, scale and shear, as the sampling grid's inverse map
    theta = torch.cat([theta, shift.unsqueeze(2)], dim=2)  # (B, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")

    # Stroke width: a third of the batch dilated (marker), a sixth eroded (thin pen).
    choice = torch.rand(b, 1, 1, 1, device=device, generator=generator)
    thick = F.max_pool2d(x, 3, stride=1, padding=1)
    thin = -F.max_pool2d(-x, 3, stride=1, padding=1)
    x = torch.where(choice < THICK, 0.5 * (x + thick), x)
    return torch.where(choice > 1 - THIN, 0.5 * (x + thin), x)
