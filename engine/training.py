"""Training by backpropagation, with a validation split held out of the training images.

The data lives on the device as whole uint8 tensors; a batch is an index slice, so the hot
path runs no per-sample Python. Progress goes out through a callback a few times a second,
and a ``should_stop`` callable is checked between steps, so a caller in another thread can
stop the loop and find the model consistent (never half-way through an update). A
``TrainControl`` (engine.control) adds pause, single steps, a speed limit and learning-rate
changes; engine.divergence stops a run that is failing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from convlens.engine import distributed, precision
from convlens.engine.augment import augment as augment_batch
from convlens.engine.control import TrainControl
from convlens.engine.device import pick_device
from convlens.engine.divergence import DivergenceError as DivergenceError
from convlens.engine.divergence import DivergenceWatch
from convlens.engine.divergence import TrainingError as TrainingError
from convlens.engine.evaluation import Evaluation as Evaluation
from convlens.engine.evaluation import batched_logits
from convlens.engine.evaluation import evaluate as evaluate
from convlens.engine.losses import data_loss as data_loss
from convlens.engine.losses import regularization as regularization
from convlens.engine.losses import weighted_layers as weighted_layers
from convlens.engine.network import Network
from convlens.engine.optimizers import make_optimizer
from convlens.engine.spec import Architecture
from convlens.engine.split import TrainingSet as TrainingSet
from convlens.engine.split import training_set
from convlens.engine.whitening import whiten_first_conv
from torch import nn


@dataclass
class TrainConfig:
    """Every knob of a run; the tuned recipes (fast, and the shipped model's) are in
    engine.recipes, the fine-tune's in engine.finetune."""

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
    device: str = "auto"  # 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'
    seed: int = 0  # weights, shuffling, dropout and augmentation all follow it (on the CPU)
    train_limit: int | None = None  # use only the first N training images (after validation)
    validation: int = 0  # hold out the LAST N training images, never trained on, to validate
    val_per_epoch: int = 4  # validation passes per epoch (and one at the end of the run)
    max_steps: int | None = None  # if set, the run is this many steps whatever ``epochs`` says
    extra_repeat: int = 1  # each extra image (the user's digits) is seen this many times an epoch
    whiten_first: bool = False  # the first conv fixed to the patches' principal components


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
    elapsed: float  # seconds of training so far (pauses left out)
    grad_mean_abs: dict[int, float] = field(default_factory=dict)  # layer index -> mean |grad|
    lr: float = 0.0  # the learning rate of the last step
    global_step: int = 0  # steps done since the start of the run
    total_steps: int = 0  # steps the whole run will take
    seen: int = 0  # training images seen since the start (an x axis for runs of any batch size)
    val_loss: float | None = None  # on the validation split, where measured at this report
    val_accuracy: float | None = None

    @property
    def fraction(self) -> float:
        if self.total_steps:
            return self.global_step / self.total_steps
        return ((self.epoch - 1) * self.steps + self.step) / (self.epochs * self.steps)

    @property
    def eta(self) -> float:
        """Seconds left, from the pace so far."""
        done = self.fraction
        return self.elapsed * (1 - done) / done if done > 0 else math.inf


@dataclass
class TrainResult:
    history: list[Progress]
    stopped: bool  # True when should_stop (or the control) ended the run early
    seconds: float  # of training, pauses left out
    warning: str | None = None  # advice on a run that ended still at chance (engine.divergence)


def build_model(architecture: Architecture, seed: int = 0) -> Network:
    """A freshly initialised network; the same seed gives the same weights."""
    torch.manual_seed(seed)
    return Network(architecture)


def _check(config: TrainConfig) -> None:
    for name in ("epochs", "batch_size", "val_per_epoch", "extra_repeat"):
        if getattr(config, name) < 1:
            raise ValueError(f"{name} must be at least 1")
    if config.validation < 0:
        raise ValueError("the validation split must be 0 images or more")
    if config.max_steps is not None and config.max_steps < 1:
        raise ValueError("max_steps must be at least 1")
    if not config.lr > 0:
        raise ValueError("the learning rate must be above 0")
    if config.l1 < 0 or config.l2 < 0:
        raise ValueError("regularization lambdas must be 0 or more")
    if not 0 <= config.label_smoothing < 1:
        raise ValueError("label smoothing must be at least 0 and below 1")
    if config.dropout is not None and not 0 <= config.dropout < 1:
        raise ValueError("the dropout rate must be at least 0 and below 1")


def measure(
    model: Network, images: torch.Tensor, labels: torch.Tensor, config: TrainConfig
) -> tuple[float, float]:
    """The run's data loss and the accuracy on labelled images (batched, no grad, eval mode)."""
    logits = batched_logits(model, images)
    labels = labels.to(torch.long)
    loss = data_loss(logits, labels, config.loss, config.label_smoothing).item()
    return loss, (logits.argmax(1) == labels).float().mean().item()


def train(
    model: Network,
    images: torch.Tensor,
    labels: torch.Tensor,
    config: TrainConfig,
    progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    report_every: float = 0.25,
    control: TrainControl | None = None,
    extra: tuple[torch.Tensor, torch.Tensor] | None = None,
    ranks: distributed.Ranks | None = None,
) -> TrainResult:
    """Train ``model`` in place on (N, 28, 28) uint8 ``images`` and their ``labels`` (and
    ``extra`` ones, see ``training_set``). Raises DivergenceError on a failing run.

    With ``ranks`` (and the process group started, engine.distributed), this process is one
    of several training the model together: each takes its share of every batch, and the
    reports carry the sums of all. Such a run takes no ``control`` nor ``should_stop``: the
    ranks could not agree on when to stop."""
    _check(config)
    if ranks and (control or should_stop):
        raise ValueError("a distributed run cannot be paused or stopped from one rank")
    control = control or TrainControl()  # without one: should_stop only, at full speed
    device = pick_device(config.device)
    data = training_set(images, labels, config, extra)
    n = len(data.images)
    if n == 0:
        raise ValueError("there are no training images")
    train_x = data.images.to(device)
    train_y = data.labels.to(device, torch.long)
    generator = torch.Generator(device=device).manual_seed(config.seed)
    # Dropout draws from the global generator; the ranks share ``generator`` (the order).
    torch.manual_seed(config.seed + (ranks.rank if ranks else 0))

    if config.dropout is not None:
        for module in model.modules():
            if isinstance(module, nn.Dropout):
                module.p = config.dropout
    if config.whiten_first:  # on the device: counted in the training time
        whiten_first_conv(model.to(device), train_x)
    # channels_last on the CPU too: oneDNN's convolutions are 2-3x faster in it here, most of
    # all the first one (a single input channel).
    model.to(device, memory_format=torch.channels_last)
    world = ranks.world if ranks else 1
    steps = distributed.steps_per_epoch(n, config.batch_size, world)
    if steps == 0:
        raise ValueError(f"{n} training images cannot be shared among {world} processes")
    total = config.max_steps or steps * config.epochs
    epochs = math.ceil(total / steps)
    optimizer, schedule = make_optimizer(model, config, total)
    mixed = precision.for_device(device)
    net, replaced = distributed.wrap(model, device) if ranks else (model, {})
    # The ranks must all-reduce at the same steps: theirs report every so many steps.
    report_steps = max(1, steps // distributed.REPORTS_PER_EPOCH) if ranks else None
    weighted = weighted_layers(model)
    regularized = bool(config.l1 or config.l2)  # else skip the penalty's ops and graph
    zero = torch.zeros((), device=device)
    # Validation after these steps of each epoch, evenly spaced, and at the end of the run.
    per_epoch = config.val_per_epoch
    val_steps = {round(steps * k / per_epoch) for k in range(1, per_epoch + 1)}
    validating = len(data.val_images) > 0
    watch = DivergenceWatch(config.loss)
    steered = False  # the control set the learning rate: the schedule no longer steers it

    try:
        history: list[Progress] = []
        start = last_report = time.perf_counter()
        paused_at_report = 0.0  # control.paused_s then: time paused is not training time
        model.train()
        stopped = False
        done = seen_total = 0
        for epoch in range(1, epochs + 1):
            order = torch.randperm(n, device=device, generator=generator)
            sums = torch.zeros(4, device=device)  # data loss, reg loss, correct, images seen
            for step in range(1, steps + 1):
                if done == total:
                    break
                if not control.wait_turn(should_stop):
                    stopped = True
                    break
                lr = control.take_lr()
                if lr is not None:
                    for group in optimizer.param_groups:
                        group["lr"] = lr
                    steered = True
                index = order[(step - 1) * config.batch_size : step * config.batch_size]
                if ranks:
                    index = distributed.shard(index, ranks)
                x = train_x[index].unsqueeze(1).float().div_(255)  # (B, 1, 28, 28) ink in [0, 1]
                if config.augment:
                    x = augment_batch(x, generator)
                x = x.contiguous(memory_format=torch.channels_last)
                y = train_y[index]
                with mixed.autocast:
                    logits = net(x)
                loss = data_loss(logits, y, config.loss, config.label_smoothing)
                reg = regularization(model, config.l1, config.l2) if regularized else zero
                optimizer.zero_grad(set_to_none=True)
                step_lr = optimizer.param_groups[0]["lr"]
                mixed.backward_and_step(loss + reg if regularized else loss, optimizer)
                if not steered:
                    schedule.step()
                with torch.no_grad():
                    batch = len(index)
                    right = (logits.argmax(1) == y).sum().float()
                    sums += torch.stack([loss * batch, reg * batch, right, zero + batch])
                done += 1

                now = time.perf_counter()
                val_now = validating and (step in val_steps or done == total)
                # A single step while paused is always reported: the user is watching it.
                due = (
                    step == steps
                    or done == total
                    or (
                        now - last_report >= report_every
                        if ranks is None
                        else step % report_steps == 0
                    )
                )
                if not (due or val_now or control.paused):
                    continue
                # The one host sync per report (and the ranks' one all-reduce).
                data_sum, reg_sum, correct, seen = distributed.all_sum(sums).tolist()
                seen = int(seen)
                seen_total += seen
                scale = mixed.grad_scale()  # the fp16 gradients are scaled up by it
                watch.update(data_sum + reg_sum, correct, seen, f"epoch {epoch}, step {step}")
                val_loss, val_accuracy = (
                    measure(model, data.val_images, data.val_labels, config)
                    if val_now
                    else (None, None)
                )
                report = Progress(
                    epoch,
                    epochs,
                    step,
                    steps,
                    data_sum / seen,
                    reg_sum / seen,
                    correct / seen,
                    seen / (now - last_report - (control.paused_s - paused_at_report)),
                    now - start - control.paused_s,
                    {
                        i: module.weight.grad.abs().mean().item() / scale
                        for i, module in weighted.items()
                        if module.weight.grad is not None
                    },
                    step_lr,
                    done,
                    total,
                    seen_total,
                    val_loss,
                    val_accuracy,
                )
                history.append(report)
                if progress is not None:
                    progress(report)
                sums.zero_()
                last_report, paused_at_report = time.perf_counter(), control.paused_s
            if stopped or done == total:
                break
        watch.finish(f"epoch {epoch}, step {step}")
    finally:
        distributed.unwrap(model, replaced)
        control.finished()  # wake a caller waiting on a pause, even after an error
    model.eval()
    seconds = time.perf_counter() - start - control.paused_s
    return TrainResult(history, stopped, seconds, watch.warning())
