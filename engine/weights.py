"""A model's weights as NumPy arrays, for whatever shows them."""

from __future__ import annotations

import numpy as np
from convlens.engine.network import Network
from convlens.engine.training import weighted_layers
from torch import nn


def conv_kernels(model: Network) -> dict[int, np.ndarray]:
    """Each conv layer's kernels (F, C, k, k), by layer index."""
    return {
        i: module.weight.detach().float().cpu().numpy()
        for i, module in enumerate(model.layers)
        if isinstance(module, nn.Conv2d)
    }


def layer_weights(model: Network) -> dict[int, tuple[str, np.ndarray]]:
    """(label, weights) of each conv and dense layer, by layer index."""
    return {
        i: (f"layer {i} {model.infos[i].layer.kind}", module.weight.detach().float().cpu().numpy())
        for i, module in weighted_layers(model).items()
    }
