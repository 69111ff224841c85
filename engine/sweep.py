"""Experiments: train once per value of one setting, all else equal, and compare the results.

Every run starts from the same seed and trains on the same images (engine.training's split:
the validation images are the same held-out ones each time), so the differences come from
the setting alone. ``sweep`` is a generator: it yields each run as it ends, so a caller (the
GUI's worker, the CLI) shows results as they come and can stop between or inside runs; a run
stopped half-way is not yielded. An impossible value (a filter larger than its input) is
yielded with its ``error`` and the other values still run.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import torch
from convlens.engine.network import Network
from convlens.engine.spec import Activation, Architecture, ArchitectureError, Conv, Dense, Pool
from convlens.engine.training import (
    Progress,
    TrainConfig,
    TrainingError,
    TrainResult,
    build_model,
    measure,
    train,
    training_set,
)

# Setting name -> (layer type it changes, attribute), or None for a TrainConfig field.
LAYER_SETTINGS = {
    "units": (Dense, "units"),
    "filters": (Conv, "filters"),
    "size": (Conv, "size"),
    "stride": (Conv, "stride"),
    "pool": (Pool, "op"),
    "activation": (Activation, "function"),
}
CONFIG_SETTINGS = {
    "dropout": "dropout",
    "l1": "l1",
    "l2": "l2",
    "lr": "lr",
    "batch_size": "batch_size",
    "images": "train_limit",
}
SETTINGS = (*LAYER_SETTINGS, *CONFIG_SETTINGS)
TEXT_SETTINGS = ("pool", "activation")  # the others take numbers
TRAIN_ACCURACY_IMAGES = 10_000  # the training accuracy is measured on at most this many


@dataclass
class SweepRun:
    """One value's run; ``error`` says why a value could not be trained (then no numbers)."""

    value: float | int | str
    params: int | None = None  # from the architecture analysis
    train_accuracy: float | None = None  # in eval mode, on the images trained on
    val_accuracy: float | None = None  # on the validation split (None without one)
    train_loss: float | None = None  # in eval mode, on the same images
    val_loss: float | None = None
    seconds: float = 0.0
    error: str | None = None
    model: Network | None = None  # the trained network, to keep as the current model
    result: TrainResult | None = None  # its curves

    def row(self) -> dict:
        """The JSON-ready numbers (no model)."""
        keys = ("value", "params", "train_accuracy", "val_accuracy", "train_loss", "val_loss")
        row = {key: getattr(self, key) for key in keys}
        row["seconds"] = round(self.seconds, 2)
        if self.error:
            row["error"] = self.error
        return row


def parse_value(setting: str, text: str) -> float | int | str:
    """A value as typed ('64', '0.5', 'relu') for ``setting``."""
    if setting not in SETTINGS:
        raise ValueError(f"cannot sweep {setting!r}: choose one of {', '.join(SETTINGS)}")
    if setting in TEXT_SETTINGS:
        return text.strip()
    number = float(text)
    if setting in ("units", "filters", "size", "stride", "batch_size", "images"):
        if number != int(number):
            raise ValueError(f"{setting} takes whole numbers, not {text}")
        return int(number)
    return number


def _layer_index(architecture: Architecture, kind: type, layer: int | None) -> list[int]:
    """The layers a setting changes: the one chosen, or by default the first of its kind (a
    dense layer other than the output; every pool or activation layer)."""
    layers = architecture.layers
    if layer is not None:
        if not 0 <= layer < len(layers) or not isinstance(layers[layer], kind):
            raise ValueError(f"layer {layer} is not a {kind.__name__.lower()} layer")
        return [layer]
    found = [i for i, spec in enumerate(layers) if isinstance(spec, kind)]
    if kind is Dense:
        found = found[:-1]  # the output layer's 10 units are not a setting
    if not found:
        raise ValueError(f"the network has no {kind.__name__.lower()} layer to change")
    return found if kind in (Pool, Activation) else found[:1]


def apply(
    architecture: Architecture,
    config: TrainConfig,
    setting: str,
    value,
    layer: int | None = None,
) -> tuple[Architecture, TrainConfig]:
    """Copies of ``architecture`` and ``config`` with ``setting`` set to ``value``."""
    architecture = copy.deepcopy(architecture)
    if setting in LAYER_SETTINGS:
        kind, attribute = LAYER_SETTINGS[setting]
        for index in _layer_index(architecture, kind, layer):
            setattr(architecture.layers[index], attribute, value)
        return architecture, replace(config)
    if setting == "dropout" and not any(s.kind == "dropout" for s in architecture.layers):
        raise ValueError("the network has no dropout layer: its rate would change nothing")
    return architecture, replace(config, **{CONFIG_SETTINGS[setting]: value})


def sweep(
    architecture: Architecture,
    config: TrainConfig,
    setting: str,
    values: Sequence,
    images: torch.Tensor,
    labels: torch.Tensor,
    layer: int | None = None,
    progress: Callable[[int, Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Iterator[SweepRun]:
    """Train one run per value (see the module docstring); ``progress(run_index, report)``."""
    apply(architecture, config, setting, values[0], layer)  # a wrong setting fails at once
    for index, value in enumerate(values):
        if should_stop is not None and should_stop():
            return
        run = SweepRun(value)
        start = time.perf_counter()
        try:
            arch, run_config = apply(architecture, config, setting, value, layer)
            analysis = arch.analyse()
            if analysis.error is not None:
                raise analysis.error
            run.params = analysis.params
            model = build_model(arch, run_config.seed)
            report = (lambda p, i=index: progress(i, p)) if progress else None
            result = train(model, images, labels, run_config, report, should_stop)
        except (ArchitectureError, TrainingError, ValueError) as error:
            run.error = str(error)
            run.seconds = time.perf_counter() - start
            yield run
            continue
        if result.stopped:
            return
        data = training_set(images, labels, run_config)
        counted = slice(0, TRAIN_ACCURACY_IMAGES)
        train_x, train_y = data.images[counted], data.labels[counted]
        run.train_loss, run.train_accuracy = measure(model, train_x, train_y, run_config)
        if len(data.val_images):
            run.val_loss, run.val_accuracy = measure(
                model, data.val_images, data.val_labels, run_config
            )
        run.seconds = time.perf_counter() - start
        run.model, run.result = model, result
        yield run
