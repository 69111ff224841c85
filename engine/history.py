"""A run's history for its model file (config, curves, evaluation), and CSV exports.

``run_history`` makes the JSON-ready dict that ``ModelInfo.history`` holds (metadata key
"history"); ``read_history`` checks one read back from a file, which may come from anywhere.
Curves are thinned to at most MAX_POINTS reports, so a long run's file stays small (a report
is ~10 numbers: 500 of them are ~40 kB of JSON). Gradients per layer are left out: they are
for watching a run, not for comparing runs.
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import asdict, fields

import numpy as np
from convlens.engine.evaluation import Evaluation
from convlens.engine.files import atomic_write
from convlens.engine.model_file import ModelFileError
from convlens.engine.training import Progress, TrainConfig, TrainResult

VERSION = 1
MAX_POINTS = 500
# The columns of the curves, in Progress's field names.
CURVES = (
    "epoch",
    "step",
    "global_step",
    "seen",
    "elapsed",
    "lr",
    "data_loss",
    "reg_loss",
    "accuracy",
    "val_loss",
    "val_accuracy",
)


def thin(reports: list[Progress], limit: int = MAX_POINTS) -> list[Progress]:
    """At most ``limit`` reports, evenly spread, always keeping the last; the validation
    measurements (a few per epoch) are kept first, up to a fifth of ``limit``."""
    if len(reports) <= limit:
        return list(reports)
    measured = [i for i, p in enumerate(reports) if p.val_loss is not None]
    keep = set(_spread(measured, limit // 5))
    others = [i for i in range(len(reports)) if i not in keep]
    keep |= set(_spread(others, limit - len(keep) - 1))
    keep.add(len(reports) - 1)
    return [reports[i] for i in sorted(keep)]


def _spread(items: list[int], count: int) -> list[int]:
    if len(items) <= count:
        return items
    return [items[round(k)] for k in np.linspace(0, len(items) - 1, count)]


def curves(reports: list[Progress]) -> dict[str, list]:
    """The reports as columns: {"data_loss": [...], "val_loss": [None, 0.3, ...], ...}."""
    return {name: [_plain(getattr(p, name)) for p in reports] for name in CURVES}


def _plain(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN
    return value


def run_history(
    config: TrainConfig,
    result: TrainResult,
    evaluation: Evaluation | None = None,
    **details,
) -> dict:
    """The ``history`` dict of a model file; ``details`` (plain JSON values: the start model,
    the data used) are stored with it."""
    history = {
        "version": VERSION,
        "config": asdict(config),
        "stopped": result.stopped,
        "seconds": round(result.seconds, 3),
        "warning": result.warning,
        "curves": curves(thin(result.history)),
        "evaluation": evaluation.summary() if evaluation is not None else None,
    }
    history.update(details)
    return history


def read_history(history: dict, name: str = "the model file") -> tuple[TrainConfig, dict]:
    """The config and the curves of a stored history; ModelFileError if it is malformed."""
    try:
        if history.get("version") != VERSION:
            raise ValueError(f"unknown history version {history.get('version')!r}")
        known = {f.name for f in fields(TrainConfig)}
        config = TrainConfig(**{k: v for k, v in history["config"].items() if k in known})
        columns = history["curves"]
        lengths = {len(columns[name]) for name in CURVES}
        if len(lengths) != 1:
            raise ValueError("its curves differ in length")
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise ModelFileError(f"{name} holds an unreadable run history ({error})") from error
    return config, columns


def curves_csv(columns: dict[str, list]) -> str:
    """The curves as CSV text: a header row of column names, then one row per report."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = [name for name in CURVES if name in columns]
    writer.writerow(names)
    writer.writerows(
        zip(*(["" if v is None else v for v in columns[n]] for n in names), strict=True)
    )
    return out.getvalue()


def confusion_csv(confusion: np.ndarray) -> str:
    """The confusion matrix as CSV: rows are the true digits, columns the predicted ones."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["true \\ predicted", *range(len(confusion))])
    writer.writerows([digit, *map(int, row)] for digit, row in enumerate(confusion))
    return out.getvalue()


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write a CSV export atomically (UTF-8)."""
    atomic_write(path, text.encode("utf-8"))
