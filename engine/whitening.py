"""A first convolution set from the data instead of learnt: the principal components of the
training images' patches (cifar10-airbench's patch-whitening layer).

Each filter is one of the directions in which 5x5 patches of MNIST vary most, scaled by
1 / sqrt(its variance), so its outputs start decorrelated and of equal size; it comes in two
signs, so that a ReLU after it passes both halves of what it sees. These are the edges,
blobs and strokes that a first layer learns anyway, given from the first step: a short run
does not spend its few steps finding them, and a layer that is not trained costs no weight
gradients. The filters stay ordinary weights, shown and explained like any others.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from convlens.engine.network import Network
from torch import nn

PATCH_IMAGES = 5000  # images whose patches make the statistics (more changed nothing)
EPSILON = 1e-2  # added to each variance: the faintest directions are not blown up into noise


@torch.no_grad()
def whiten_first_conv(model: Network, images: torch.Tensor) -> None:
    """Set ``model``'s first layer, a convolution, to the whitened principal components of the
    patches it sees in (N, 28, 28) uint8 ``images`` (in two signs), and freeze it."""
    conv = model.layers[0]
    if not isinstance(conv, nn.Conv2d) or conv.in_channels != 1:
        raise ValueError("whitening needs a convolution as the first layer")
    x = images[:PATCH_IMAGES].to(conv.weight.device).unsqueeze(1).float().div_(255)
    x = (x - model.mean) / model.std  # what the layer sees
    if conv.side_padding is not None:
        x = F.pad(x, conv.side_padding)
    size = conv.kernel_size[0]
    patches = F.unfold(x, size, padding=conv.padding, stride=conv.stride)  # (N, k*k, L)
    patches = patches.transpose(1, 2).reshape(-1, size * size)
    patches = patches - patches.mean(0)
    variances, directions = torch.linalg.eigh(patches.T @ patches / len(patches))
    # eigh sorts ascending: the largest variances last.
    half = (conv.out_channels + 1) // 2
    filters = (
        directions[:, -half:].flip(1).T / (variances[-half:].flip(0)[:, None] + EPSILON).sqrt()
    )
    filters = torch.cat([filters, -filters])[: conv.out_channels]
    conv.weight.copy_(filters.reshape(conv.weight.shape))
    conv.bias.zero_()
    conv.weight.requires_grad_(False)
    conv.bias.requires_grad_(False)
