"""Batch augmentation on the device: small affine warps and thicker or thinner strokes.

Users write digits slanted, off-size and with pens of any width; MNIST's are tidy. A few
random warps per batch close that gap at almost no cost, since all of it is batched tensor work.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def augment(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Randomly rotate, scale, shear, shift and thicken/thin a batch (B, 1, 28, 28) of ink."""
    b, device = x.shape[0], x.device

    def uniform(low: float, high: float) -> torch.Tensor:
        return torch.rand(b, device=device, generator=generator) * (high - low) + low

    angle = uniform(-15, 15) * (math.pi / 180)
    scale = uniform(0.85, 1.15)
    shear = uniform(-0.2, 0.2)
    shift = torch.stack([uniform(-0.18, 0.18), uniform(-0.18, 0.18)], dim=1)  # ~2.5 px
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
    x = torch.where(choice < 1 / 3, 0.5 * (x + thick), x)
    return torch.where(choice > 5 / 6, 0.5 * (x + thin), x)
