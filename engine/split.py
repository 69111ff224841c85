"""Which images a run trains on, and which it holds out to validate on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from convlens.engine.training import TrainConfig


@dataclass
class TrainingSet:
    """The images a run trains on, and the validation images held out of them."""

    images: torch.Tensor  # (N, 28, 28) uint8
    labels: torch.Tensor  # (N,)
    val_images: torch.Tensor  # (V, 28, 28) uint8: the last V of the given training images
    val_labels: torch.Tensor


def training_set(
    images: torch.Tensor,
    labels: torch.Tensor,
    config: TrainConfig,
    extra: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> TrainingSet:
    """Hold out the last ``config.validation`` images, keep the first ``train_limit`` of the
    rest, then add ``extra`` (the user's digits, never validated on) ``extra_repeat`` times."""
    held = config.validation
    if held and held >= len(images):
        raise ValueError(
            f"the validation split ({held:,} images) leaves none of the {len(images):,} "
            "training images to train on"
        )
    rest = len(images) - held
    kept = min(rest, config.train_limit) if config.train_limit else rest
    train_x, train_y = images[:kept], labels[:kept]
    if extra is not None and len(extra[0]):
        train_x = torch.cat([train_x, extra[0].repeat(config.extra_repeat, 1, 1)])
        train_y = torch.cat([train_y, extra[1].to(train_y.dtype).repeat(config.extra_repeat)])
    return TrainingSet(train_x, train_y, images[rest:], labels[rest:])
