"""The optimizer and learning-rate schedule of a run, as its TrainConfig names them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

if TYPE_CHECKING:
    from convlens.engine.training import TrainConfig


def make_optimizer(model: nn.Module, config: TrainConfig, total_steps: int):
    """The optimizer of ``config`` over ``model``'s trainable weights, and its schedule."""
    params = [p for p in model.parameters() if p.requires_grad]  # frozen layers: none
    # Fused: the whole update in one kernel per tensor, where the default runs a dozen small
    # ops per tensor and step (5-10% of a step for the small networks here, on the CPU).
    fused = params[0].device.type in ("cpu", "cuda")
    if config.optimizer == "adam":
        optimizer = torch.optim.Adam(params, lr=config.lr, fused=fused)
    elif config.optimizer == "sgd":
        optimizer = torch.optim.SGD(
            params, lr=config.lr, momentum=config.momentum, nesterov=True, fused=fused
        )
    else:
        raise ValueError(f"optimizer must be 'adam' or 'sgd', not {config.optimizer!r}")
    if config.schedule == "onecycle" and total_steps > 1:
        # A warm-up of 20%, but at least 1.5 steps: OneCycleLR divides by its length - 1.
        warm_up = max(0.2, 1.5 / total_steps)
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, config.lr, total_steps=total_steps, pct_start=warm_up
        )
    elif config.schedule == "cosine":
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, total_steps)
    elif config.schedule in ("constant", "onecycle"):  # one step cannot warm up and anneal
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
    else:
        raise ValueError(f"schedule must be onecycle, cosine or constant, not {config.schedule!r}")
    return optimizer, schedule
