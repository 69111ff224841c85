"""Training by backpropagation, and evaluation on the test split.

The data lives on the device as whole uint8 tensors; a batch is an index slice, so the hot
path runs no per-sample Python. Progress goes out through a callback a few times a second,
and a ``should_stop`` callable is checked between steps, so a caller in another thread can
stop the loop and find the model consistent (never half-way through an update).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from convlens.engine.augment import augment as augment_batch
from convlens.engine.device import pick_device
from convlens.engine.network import Network
from convlens.engine.spec import NUM_CLASSES, Architecture
from torch import nn


class TrainingError(RuntimeError):
    """Training cannot go on (the loss is no longer a number, say)."""


@dataclass
class TrainConfig:
    """Every knob of a run; the tuned recipes (fast, and the shipped model's) are in
    engine.recipes."""

    epochs: int = 3  # passes over the training images
    batch_size: int = 32  # images per gradient step (Keras' default)
    lr: float = 2e-3  # peak learning rate
    optimizer: str = "adam"  # 'adam', or 'sgd' (with momentum)
    momentum: float = 0.9  # SGD only
    schedule: str = "onecycle"  # 'onecycle' (warm up, then anneal), 'cosine' or 'constant'
    loss: str = "ce"  # 'ce' cross-entropy, or 'mse': total error sum 1/2 (target - softmax)^2
    label_smoothing: float = 0.0  # 'ce' only: this share of each target spread over all digits
    l1: float = 0.0  # lambda of the L1 term, lambda * sum |w| over conv and dense weights
    l2: float = 0.0  # lambda of the L2 term, lambda * sum w^2 over the same weights
    dropout: float | None = None  # if set, the rate of every dropout layer
    augment: bool = False  # random warps and stroke widths (see engine.augment)
    device: str = "auto"  # 'auto', 'cpu', 'cuda' or 'mps'
    seed: int = 0  # weights, shuffling, dropout and augmentation all follow it (on the CPU)
    train_limit: int | None = None  # use only the first N training images


@dataclass
class Progress:
    """A report from inside the loop; losses and accuracy are running means since the last."""

    epoch: int  # 1-based
    epochs: int
    step: int  # steps done in this epoch
    steps: int  # steps per epoch
    data_loss: float
    reg_loss: float
    accuracy: float
    samples_per_s: float
    elapsed: float  # seconds since training started
    grad_mean_abs: dict[int, float] = field(default_factory=dict)  # layer index -> mean |grad|

    @property
    def fraction(self) -> float:
        return ((self.epoch - 1) * self.steps + self.step) / (self.epochs * self.steps)

    @property
    def eta(self) -> float:
        """Seconds left, from the pace so far."""
        done = self.fraction
        return self.elapsed * (1 - done) / done if done > 0 else math.inf


@dataclass
class Evaluation:
    accuracy: float  # fraction of test images classified correctly
    per_class: list[float]  # accuracy of each digit 0..9
    confusion: np.ndarray  # (10, 10): row = true digit, column = predicted


@dataclass
class TrainResult:
    history: list[Progress]
    stopped: bool  # True when should_stop ended the run early
    seconds: float


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


def build_model(architecture: Architecture, seed: int = 0) -> Network:
    """A freshly initialised network; the same seed gives the same weights."""
    torch.manual_seed(seed)
    return Network(architecture)


def _optimizer(model: Network, config: TrainConfig, total_steps: int):
    params = model.parameters()
    # Fused: the whole update in one kernel per tensor, where the default runs a dozen small
    # ops per tensor and step (5-10% of a step for the small networks here, on the CPU).
    fused = next(model.parameters()).device.type in ("cpu", "cuda")
    if config.optimizer == "adam":
        optimizer = torch.optim.Adam(params, lr=config.lr, fused=fused)
    elif config.optimizer == "sgd":
        optimizer = torch.optim.SGD(
            params, lr=config.lr, momentum=config.momentum, nesterov=True, fused=fused
        )
    else:
        raise ValueError(f"optimizer must be 'adam' or 'sgd', not {config.optimizer!r}")
    if config.schedule == "onecycle":
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, config.lr, total_steps=total_steps, pct_start=0.2
        )
    elif config.schedule == "cosine":
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, total_steps)
    elif config.schedule == "constant":
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
    else:
        raise ValueError(f"schedule must be onecycle, cosine or constant, not {config.schedule!r}")
    return optimizer, schedule


def _check(config: TrainConfig) -> None:
    for name in ("epochs", "batch_size"):
        if getattr(config, name) < 1:
            raise ValueError(f"{name} must be at least 1")
    if not config.lr > 0:
        raise ValueError("the learning rate must be above 0")
    if config.l1 < 0 or config.l2 < 0:
        raise ValueError("regularization lambdas must be 0 or more")
    if not 0 <= config.label_smoothing < 1:
        raise ValueError("label smoothing must be at least 0 and below 1")
    if config.dropout is not None and not 0 <= config.dropout < 1:
        raise ValueError("the dropout rate must be at least 0 and below 1")


def train(
    model: Network,
    images: torch.Tensor,
    labels: torch.Tensor,
    config: TrainConfig,
    progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    report_every: float = 0.25,
) -> TrainResult:
    """Train ``model`` in place on (N, 28, 28) uint8 ``images`` and their ``labels``."""
    _check(config)
    device = pick_device(config.device)
    if config.train_limit:
        images, labels = images[: config.train_limit], labels[: config.train_limit]
    n = len(images)
    if n == 0:
        raise ValueError("there are no training images")
    images = images.to(device)
    labels = labels.to(device, torch.long)
    generator = torch.Generator(device=device).manual_seed(config.seed)
    torch.manual_seed(config.seed)  # dropout draws from the global generator

    if config.dropout is not None:
        for module in model.modules():
            if isinstance(module, nn.Dropout):
                module.p = config.dropout
    cuda = device.type == "cuda"
    # channels_last on the CPU too: oneDNN's convolutions are 2-3x faster in it here, most of
    # all the first one (a single input channel).
    model.to(device, memory_format=torch.channels_last)
    steps = math.ceil(n / config.batch_size)
    optimizer, schedule = _optimizer(model, config, steps * config.epochs)
    autocast = torch.autocast("cuda", torch.bfloat16) if cuda else contextlib.nullcontext()
    weighted = weighted_layers(model)
    regularized = bool(config.l1 or config.l2)  # else skip the penalty's ops and graph
    zero = torch.zeros((), device=device)

    history: list[Progress] = []
    start = last_report = time.perf_counter()
    model.train()
    stopped = False
    for epoch in range(1, config.epochs + 1):
        order = torch.randperm(n, device=device, generator=generator)
        sums = torch.zeros(3, device=device)  # data loss, reg loss, correct (since last report)
        seen = 0
        for step in range(1, steps + 1):
            if should_stop is not None and should_stop():
                stopped = True
                break
            index = order[(step - 1) * config.batch_size : step * config.batch_size]
            x = images[index].unsqueeze(1).float().div_(255)  # (B, 1, 28, 28) ink in [0, 1]
            if config.augment:
                x = augment_batch(x, generator)
            x = x.contiguous(memory_format=torch.channels_last)
            y = labels[index]
            with autocast:
                logits = model(x)
            loss = data_loss(logits, y, config.loss, config.label_smoothing)
            reg = regularization(model, config.l1, config.l2) if regularized else zero
            optimizer.zero_grad(set_to_none=True)
            (loss + reg if regularized else loss).backward()
            optimizer.step()
            schedule.step()
            with torch.no_grad():
                batch = len(index)
                sums += torch.stack(
                    [loss * batch, reg * batch, (logits.argmax(1) == y).sum().float()]
                )
            seen += len(index)

            now = time.perf_counter()
            if now - last_report >= report_every or step == steps:
                data, regular, correct = sums.tolist()  # the one host sync per report
                if not math.isfinite(data + regular):
                    raise TrainingError(
                        f"the loss became {data + regular:.3g} in epoch {epoch}, step {step}: "
                        "training diverged. Try a lower learning rate or smaller lambdas."
                    )
                report = Progress(
                    epoch,
                    config.epochs,
                    step,
                    steps,
                    data / seen,
                    regular / seen,
                    correct / seen,
                    seen / (now - last_report),
                    now - start,
                    {
                        i: module.weight.grad.abs().mean().item()
                        for i, module in weighted.items()
                        if module.weight.grad is not None
                    },
                )
                history.append(report)
                if progress is not None:
                    progress(report)
                sums.zero_()
                seen, last_report = 0, time.perf_counter()
        if stopped:
            break
    model.eval()
    return TrainResult(history, stopped, time.perf_counter() - start)


@torch.no_grad()
def evaluate(
    model: Network, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000
) -> Evaluation:
    """Accuracy, per-class accuracy and the confusion matrix on (N, 28, 28) uint8 images."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    predictions = []
    for start in range(0, len(images), batch_size):
        x = images[start : start + batch_size].to(device).unsqueeze(1).float().div_(255)
        predictions.append(model(x).argmax(1).cpu())
    model.train(was_training)
    predicted = torch.cat(predictions)
    truth = labels.to(torch.long).cpu()
    confusion = torch.bincount(truth * NUM_CLASSES + predicted, minlength=NUM_CLASSES**2)
    confusion = confusion.reshape(NUM_CLASSES, NUM_CLASSES).numpy()
    totals = confusion.sum(1)
    per_class = [float(confusion[d, d] / totals[d]) if totals[d] else 0.0 for d in range(10)]
    return Evaluation(float(np.trace(confusion) / confusion.sum()), per_class, confusion)
