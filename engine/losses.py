"""The loss a run minimises: the data term (cross-entropy or total squared error) and the L1
and L2 penalties on the weights."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from convlens.engine.network import Network
from convlens.engine.spec import NUM_CLASSES
from torch import nn


def weighted_layers(model: Network) -> dict[int, nn.Module]:
    """Conv and dense modules by layer index: the weights regularization and gradients concern."""
    return {
        i: module
        for i, module in enumerate(model.layers)
        if isinstance(module, nn.Conv2d | nn.Linear)
    }


def regularization(model: Network, l1: float, l2: float) -> torch.Tensor:
    """lambda1 * sum |w| + lambda2 * sum w^2 over conv and dense weights (biases excluded)."""
    weights = [module.weight for module in weighted_layers(model).values()]
    term = weights[0].new_zeros(())
    if l1:
        term = term + l1 * sum(w.abs().sum() for w in weights)
    if l2:
        term = term + l2 * sum(w.square().sum() for w in weights)
    return term


def data_loss(
    logits: torch.Tensor, labels: torch.Tensor, kind: str, smoothing: float = 0.0
) -> torch.Tensor:
    """Mean over the batch of cross-entropy, or of the total error sum 1/2 (target - output)^2."""
    if kind == "ce":
        return F.cross_entropy(logits.float(), labels, label_smoothing=smoothing)
    if kind == "mse":
        target = F.one_hot(labels, NUM_CLASSES).float()
        return 0.5 * (target - torch.softmax(logits.float(), dim=1)).square().sum(1).mean()
    raise ValueError(f"loss must be 'ce' or 'mse', not {kind!r}")
