"""The command line: ``convlens COMMAND ...``, and the headless commands themselves.

Each command is declared by one ``add_NAME(commands)`` function: it adds its subparser, its
options, and ``set_defaults(run=_NAME)`` (plus ``check=`` for rules between options); the
``_NAME(args) -> int`` functions below do the work. ``COMMANDS`` lists them in help order;
main.py adds ``gui`` the same way, so that Qt is imported only when a window is to open.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import torch
from convlens.engine import images, mnist, recipes, training
from convlens.engine.arguments import build_parser, option_name
from convlens.engine.code_cli import add_export
from convlens.engine.device import CHOICES, describe, pick_device
from convlens.engine.explain_cli import add_explain
from convlens.engine.model_file import ModelFileError, ModelInfo, load_model, save_model
from convlens.engine.network import predict
from convlens.engine.presets import PRESETS, preset_or_file
from convlens.engine.shipped import DEFAULT_MODEL
from convlens.engine.spec import ArchitectureError
from convlens.engine.terminal import DownloadProgress, ProgressBar

DATA_HELP = f"MNIST folder (default: ${mnist.DATA_ENV_VAR}, else {mnist.default_data_dir()})"
# What `train --fast` still takes from the command line: it would ignore any other option.
FAST_KEEPS = ("data", "device", "seed", "out")
# Seconds to wait before each new try of a failed download (then it gives up).
RETRY_DELAYS = (1.0, 3.0)


def add_train(commands) -> None:
    """The ``train`` command."""
    train = commands.add_parser("train", help="train a model on MNIST and save it")
    train.add_argument("--data", metavar="DIR", help=DATA_HELP)
    train.add_argument("--arch", help="architecture JSON file, or a preset: " + ", ".join(PRESETS))
    train.add_argument(
        "--fast",
        action="store_true",
        help="the fast recipe (see README); it takes only "
        + ", ".join(f"--{k}" for k in FAST_KEEPS),
    )
    defaults = training.TrainConfig()
    train.add_argument("--epochs", type=int, default=defaults.epochs, help="passes over the data")
    train.add_argument("--batch-size", type=int, default=defaults.batch_size, help="images a step")
    train.add_argument("--lr", type=float, default=defaults.lr, help="(peak) learning rate")
    train.add_argument(
        "--optimizer",
        choices=("sgd", "adam"),
        default=defaults.optimizer,
        help="sgd (momentum 0.9) or adam",
    )
    train.add_argument(
        "--schedule",
        choices=("onecycle", "cosine", "constant"),
        default=defaults.schedule,
        help="learning-rate schedule",
    )
    train.add_argument(
        "--loss",
        choices=("ce", "mse"),
        default=defaults.loss,
        help="cross-entropy, or 1/2 sum (target - softmax)^2",
    )
    train.add_argument(
        "--label-smoothing", type=float, default=defaults.label_smoothing, help="ce only"
    )
    train.add_argument("--l1", type=float, default=0.0, help="L1 lambda: lambda * sum |w|")
    train.add_argument("--l2", type=float, default=0.0, help="L2 lambda: lambda * sum w^2")
    train.add_argument("--dropout", type=float, help="rate of every dropout layer")
    train.add_argument("--augment", action="store_true", help="random warps and stroke widths")
    train.add_argument("--limit", type=_positive, help="train on the first N images only")
    train.add_argument("--device", choices=CHOICES, default="auto", help="where to compute")
    train.add_argument("--seed", type=int, default=0, help="seed of the weights and the shuffle")
    train.add_argument(
        "--out", metavar="FILE", default="model.safetensors", help="where to save the model"
    )
    train.set_defaults(run=_train, check=_check_train)


def _check_train(parser: argparse.ArgumentParser, args, given: set[str]) -> None:
    if args.fast and (ignored := sorted(given - {"fast", *FAST_KEEPS})):
        flags = ", ".join(option_name(parser, dest) for dest in ignored)
        parser.error(f"--fast trains its own recipe and would ignore {flags}")


def add_eval(commands) -> None:
    """The ``eval`` command."""
    evaluate = commands.add_parser("eval", help="accuracy on the MNIST test split")
    evaluate.add_argument("--model", metavar="FILE", default=str(DEFAULT_MODEL), help="model")
    evaluate.add_argument("--data", metavar="DIR", help=DATA_HELP)
    evaluate.add_argument("--json", action="store_true", help="one JSON object on stdout")
    evaluate.set_defaults(run=_eval)


def add_predict(commands) -> None:
    """The ``predict`` command."""
    pred = commands.add_parser("predict", help="classify image files")
    pred.add_argument("files", nargs="+", help="image files (PNG, JPEG, ...)")
    pred.add_argument("--model", metavar="FILE", default=str(DEFAULT_MODEL), help="model")
    pred.add_argument("--json", action="store_true", help="one JSON object per line")
    pred.set_defaults(run=_predict)


def add_download(commands) -> None:
    """The ``download`` command."""
    download = commands.add_parser(
        "download",
        help="download MNIST and check its SHA-256 sums",
        description="Download the four MNIST files that the folder lacks, check each against "
        "its SHA-256 sum and keep them there; a failed download is tried again after "
        + " and ".join(f"{delay:g}" for delay in RETRY_DELAYS)
        + " s.",
    )
    download.add_argument("--data", metavar="DIR", help=DATA_HELP)
    download.add_argument(
        "--mirror",
        action="append",
        metavar="URL",
        help="a base URL to download from instead of the usual mirrors (repeatable)",
    )
    download.set_defaults(run=_download)


# In help order; main.py adds `gui`. A new command is one more add_NAME function here.
COMMANDS = (add_train, add_eval, add_predict, add_download, add_explain, add_export)


def _positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


def _check_out(out: str) -> None:
    """Fail now, not after the training, when ``out`` cannot be saved to."""
    path = Path(out)
    if path.is_dir():
        raise ModelFileError(
            f"--out {out} is a folder: give a file name, such as {path / 'model.safetensors'}"
        )
    folder = path.parent
    if not folder.is_dir():
        raise ModelFileError(f"--out {out}: the folder {folder} does not exist")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise ModelFileError(
            f"--out {out}: cannot write in {folder} ({error.strerror or error})"
        ) from None
    if path.exists() and not os.access(path, os.W_OK):
        raise ModelFileError(f"--out {out} exists and may not be written")


def _save_or_keep(out: str, model, info: ModelInfo) -> int:
    """Save to ``out``; if that fails after all, save where it can and say where: a trained
    model is never lost. Returns the exit status."""
    try:
        save_model(out, model, info)
        print(f"saved {out}")
        return 0
    except OSError as error:
        reason = error.strerror or error
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    name = f"convlens-{info.name}-{stamp}.safetensors"
    for folder in (mnist.default_data_dir().parent / "unsaved", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            save_model(folder / name, model, info)
        except OSError:
            continue
        print(
            f"error: cannot save {out} ({reason}); the model is kept at {folder / name}",
            file=sys.stderr,
        )
        return 1
    print(
        f"error: cannot save {out} ({reason}), nor anywhere else: the model is lost",
        file=sys.stderr,
    )
    return 1


def _train(args) -> int:
    if args.fast:
        architecture, config = recipes.fast_recipe()
        config.device, config.seed = args.device, args.seed
    else:
        architecture = preset_or_file(args.arch)
        config = training.TrainConfig(
            epochs=args.epochs,
            batch_size=args.batch_size,
            lr=args.lr,
            optimizer=args.optimizer,
            loss=args.loss,
            label_smoothing=args.label_smoothing,
            l1=args.l1,
            l2=args.l2,
            dropout=args.dropout,
            augment=args.augment,
            device=args.device,
            seed=args.seed,
            train_limit=args.limit,
        )
        if args.schedule:
            config.schedule = args.schedule
    architecture.validate()
    _check_out(args.out)
    device = pick_device(config.device)
    data = mnist.load_mnist(mnist.resolve_data_dir(args.data))  # checks both splits' counts
    model = training.build_model(architecture, config.seed)
    print(
        f"training {architecture.name} ({architecture.analyse().params:,} parameters) "
        f"on {describe(device)}",
        file=sys.stderr,
    )
    result = training.train(
        model,
        torch.from_numpy(data.train_images),
        torch.from_numpy(data.train_labels),
        config,
        progress=ProgressBar(),
    )
    evaluation = training.evaluate(
        model, torch.from_numpy(data.test_images), torch.from_numpy(data.test_labels)
    )
    facts = {
        "epochs": config.epochs,
        "test_accuracy": evaluation.accuracy,
        "train_seconds": round(result.seconds, 1),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "recipe": {k: v for k, v in vars(config).items()},
    }
    print(f"trained in {result.seconds:.1f} s: test accuracy {evaluation.accuracy:.2%}")
    return _save_or_keep(args.out, model.cpu(), ModelInfo(architecture.name, facts))


def _eval(args) -> int:
    model, info = load_model(args.model)
    test_images, test_labels = mnist.load_test_split(mnist.resolve_data_dir(args.data))
    evaluation = training.evaluate(
        model, torch.from_numpy(test_images), torch.from_numpy(test_labels)
    )
    if args.json:
        print(
            json.dumps(
                {
                    "accuracy": evaluation.accuracy,
                    "per_class": evaluation.per_class,
                    "confusion": evaluation.confusion.tolist(),
                }
            )
        )
        return 0
    print(f"{info.name}: test accuracy {evaluation.accuracy:.2%} on {len(test_labels):,} images")
    print("per class: " + "  ".join(f"{d}: {a:.1%}" for d, a in enumerate(evaluation.per_class)))
    print("confusion (rows: true digit, columns: predicted):")
    print("      " + "".join(f"{d:>6}" for d in range(10)))
    for digit, row in enumerate(evaluation.confusion):
        print(f"{digit:>6}" + "".join(f"{n:>6}" for n in row))
    return 0


def _predict(args) -> int:
    model, _ = load_model(args.model)
    failed = 0
    for file in args.files:
        try:
            probs = predict(model, torch.from_numpy(images.load_digit(file))[None])[0]
        except images.ImageError as error:
            problem = str(error)
        else:  # weights that overflow on this image give NaN: never print it (nor as JSON)
            finite = torch.isfinite(probs).all()
            problem = None if finite else f"{file}: the model gives NaN probabilities for it"
        if problem is not None:
            failed += 1
            if args.json:
                print(json.dumps({"file": file, "error": problem}))
            else:
                print(f"{file}: error: {problem}", file=sys.stderr)
            continue
        digit = int(probs.argmax())
        if args.json:
            print(json.dumps({"file": file, "digit": digit, "probs": probs.tolist()}))
        else:
            listed = " ".join(f"{d}:{p:.3f}" for d, p in enumerate(probs.tolist()))
            print(f"{file}: {digit} ({probs[digit]:.1%})  {listed}")
    return 1 if failed else 0


def _download(args) -> int:
    folder = mnist.resolve_data_dir(args.data)
    if mnist.has_mnist(folder):
        print(f"MNIST is already in {folder}")
        return 0
    for delay in (*RETRY_DELAYS, None):
        progress = DownloadProgress()
        try:
            # Files already downloaded (and checked) are kept: a new try fetches the rest.
            mnist.download_mnist(folder, base_urls=args.mirror or mnist.MIRRORS, progress=progress)
            break
        except mnist.DatasetError as error:
            progress.close()
            if delay is None:
                raise
            print(f"{error}\ntrying again in {delay:g} s", file=sys.stderr)
            time.sleep(delay)
    print(f"MNIST is in {folder}")
    return 0


DESCRIPTION = (
    "See how a convolutional neural network classifies a digit. With no command, ConvLens "
    "opens its window; the other commands run in the terminal."
)
KNOWN_ERRORS = (
    mnist.DatasetError,
    ModelFileError,
    ArchitectureError,
    training.TrainingError,
    ValueError,
)


def parser(extra=()) -> argparse.ArgumentParser:
    """The ``convlens`` parser: the headless commands, then those of `extra` (adders)."""
    return build_parser((*COMMANDS, *extra), DESCRIPTION)


def _hint(args, error: Exception) -> str:
    """How to get MNIST, when a command that reads it failed for the lack of it."""
    if not isinstance(error, mnist.DatasetError) or args.command == "download":
        return ""
    if not hasattr(args, "data") or mnist.has_mnist(mnist.resolve_data_dir(args.data)):
        return ""  # not a command that reads MNIST, or its files are there but damaged
    where = f" --data {shlex.quote(args.data)}" if args.data else ""
    return f" (to download it: convlens download{where})"


def run(args: argparse.Namespace) -> int:
    """Run a parsed command; known errors become one line on stderr and exit status 2."""
    try:
        return args.run(args)
    except KNOWN_ERRORS as error:
        print(f"error: {error}{_hint(args, error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


def main(argv: list[str] | None = None) -> int:
    """The headless commands alone (main.py adds the window): for scripts and tests."""
    headless = parser()
    args = headless.parse_args(argv)
    if args.command is None:
        headless.error("a command is required")
    return run(args)
