"""Teaching a trained network the user's handwriting without making it forget MNIST.

The recipe, ``finetune_config``: start from the trained weights; Adam at 1e-4, a thirtieth of
the shipped recipe's peak, held constant (trained weights need no warm-up, and a rate that
large moves them off the optimum they sit in); 200 steps of 64 images; MNIST mixed in, with
the user's digits repeated so that they are about 5% of the images (3 in a batch of 64), so
that each step still mostly rehearses MNIST; augmentation, so the user's few digits are seen
at varied slants and pen widths.

The objective is the starting model's own (its file's recipe: loss, label smoothing, L1/L2),
and that matters most. The shipped model was trained without label smoothing; fine-tuning it
with smoothing 0.1 pulled every logit towards the smoothed targets, a change of objective
on all 60,000 images that no step rehearses away: measured from the shipped model (99.56%)
on 6 synthetic flagged 1s (which it reads as 7) on the 2-core machine under a load of 9-11,
smoothing 0.1 cost 0.88 points (98.68%) and left 3 of 6 held-out flagged 1s misread; its own
objective (no smoothing) cost 0.11-0.14 points over seeds 0-2 (99.42-99.45%) with all 6
read as 1s; 200 steps took 29-54 s at that load. A rate of 3e-5 cost 0.08 points but taught
1 of the 6; without augmentation, 0.07 points and all 6.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace

import torch
from convlens.engine.model_file import ModelInfo, load_model
from convlens.engine.network import Network
from convlens.engine.shipped import DEFAULT_MODEL
from convlens.engine.training import TrainConfig


@dataclass
class ExtraImages:
    """The user's digits to train on, beside MNIST's training images or instead of them."""

    images: torch.Tensor  # (N, 28, 28) uint8, white ink on black
    labels: torch.Tensor  # (N,) int64
    with_base: bool = True  # False: train on these alone


SHARE = 0.05  # the user's digits' share of the images trained on, when mixed with MNIST

FINETUNE = TrainConfig(
    epochs=1,  # max_steps decides
    batch_size=64,
    lr=1e-4,
    optimizer="adam",
    schedule="constant",
    label_smoothing=0.0,  # the starting model's own, where its file records it
    augment=True,
    max_steps=200,
)


def extra_repeat(extra_count: int, base_count: int, share: float = SHARE) -> int:
    """How often to repeat ``extra_count`` images so that they make ``share`` of a mix with
    ``base_count`` others (at least once; once when there are no others)."""
    if extra_count == 0 or base_count == 0:
        return 1
    return max(1, round(share * base_count / ((1 - share) * extra_count)))


# What a model was trained to minimise: a fine-tune keeps it (see the module docstring).
OBJECTIVE = ("loss", "label_smoothing", "l1", "l2")


def finetune_config(extra_count: int, base_count: int, recipe: dict | None = None) -> TrainConfig:
    """The fine-tune recipe for ``extra_count`` user digits mixed with ``base_count`` MNIST
    images, minimising what the starting model's ``recipe`` did (its file's
    ``facts['recipe']``, if any). See the module docstring for why each value is so."""
    recipe = recipe or {}
    kept = {k: recipe[k] for k in OBJECTIVE if type(recipe.get(k)) is type(getattr(FINETUNE, k))}
    config = replace(FINETUNE, extra_repeat=extra_repeat(extra_count, base_count), **kept)
    if base_count == 0:
        # The user's digits alone: the steps are epochs over a few images, enough to learn
        # them, though MNIST will be partly forgotten (the GUI and CLI say so).
        config.max_steps = min(FINETUNE.max_steps, 50 * math.ceil(extra_count / 64))
    return config


def start_model(source: str | os.PathLike) -> tuple[Network, ModelInfo]:
    """The model to start from: a model file, or ``default`` for the shipped one."""
    return load_model(DEFAULT_MODEL if str(source) == "default" else source)
