"""The command line: ``convlens COMMAND ...``, and the headless commands themselves.

Each command is declared by one ``add_NAME(commands)`` function: it adds its subparser, its
options, and ``set_defaults(run=_NAME)`` (plus ``check=`` for rules between options); the
``_NAME(args) -> int`` functions below do the work. ``COMMANDS`` lists them in help order;
main.py adds ``gui`` the same way, so that Qt is imported only when a window is to open.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import torch
from convlens.engine import calibration, images, mnist, my_digits, training
from convlens.engine.arguments import add_device_option, build_parser
from convlens.engine.cli_train import DATA_HELP, add_sweep, add_train, say_problems
from convlens.engine.code_cli import add_export
from convlens.engine.device import pick_device
from convlens.engine.explain_cli import add_explain
from convlens.engine.model_file import ModelFileError, load_model
from convlens.engine.network import predict
from convlens.engine.shipped import DEFAULT_MODEL
from convlens.engine.spec import ArchitectureError
from convlens.engine.terminal import DownloadProgress

# Seconds to wait before each new try of a failed download (then it gives up).
RETRY_DELAYS = (1.0, 3.0)


def add_eval(commands) -> None:
    """The ``eval`` command."""
    evaluate = commands.add_parser("eval", help="accuracy on the MNIST test split")
    evaluate.add_argument("--model", metavar="FILE", default=str(DEFAULT_MODEL), help="model")
    evaluate.add_argument("--data", metavar="DIR", help=DATA_HELP)
    evaluate.add_argument("--folder", help="a folder of labelled images instead of MNIST")
    evaluate.add_argument("--json", action="store_true", help="one JSON object on stdout")
    add_device_option(evaluate, "auto")
    evaluate.set_defaults(run=_eval)


def add_predict(commands) -> None:
    """The ``predict`` command."""
    pred = commands.add_parser("predict", help="classify image files")
    pred.add_argument("files", nargs="+", help="image files (PNG, JPEG, ...)")
    pred.add_argument("--model", metavar="FILE", default=str(DEFAULT_MODEL), help="model")
    pred.add_argument("--json", action="store_true", help="one JSON object per line")
    # The CPU by default: for a few images, starting a GPU takes longer than it saves.
    add_device_option(pred, "cpu")
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
COMMANDS = (add_train, add_sweep, add_eval, add_predict, add_download, add_explain, add_export)


def _eval(args) -> int:
    device = pick_device(args.device)  # before the model is read: a wrong device fails first
    model, info = load_model(args.model)
    model.to(device)
    if args.folder:
        found = my_digits.load_folder(args.folder)
        say_problems(found.problems)
        if not len(found.labels):
            raise mnist.DatasetError(f"{args.folder} holds no readable labelled digits")
        test_images, test_labels = found.images, found.labels
    else:
        test_images, test_labels = mnist.load_test_split(mnist.resolve_data_dir(args.data))
    evaluation = training.evaluate(
        model, torch.from_numpy(test_images), torch.from_numpy(test_labels)
    )
    probabilities = predict(model, torch.from_numpy(test_images))
    ece = calibration.expected_calibration_error(probabilities, test_labels)
    if args.json:
        print(
            json.dumps(
                {
                    "accuracy": evaluation.accuracy,
                    "ece": ece,
                    "per_class": evaluation.per_class,
                    "confusion": evaluation.confusion.tolist(),
                }
            )
        )
        return 0
    where = f"accuracy on {args.folder}" if args.folder else "test accuracy"
    print(f"{info.name}: {where} {evaluation.accuracy:.2%} on {len(test_labels):,} images")
    print(f"expected calibration error (15 bins): {ece:.2%}")
    print("per class: " + "  ".join(f"{d}: {a:.1%}" for d, a in enumerate(evaluation.per_class)))
    print("confusion (rows: true digit, columns: predicted):")
    print("      " + "".join(f"{d:>6}" for d in range(10)))
    for digit, row in enumerate(evaluation.confusion):
        print(f"{digit:>6}" + "".join(f"{n:>6}" for n in row))
    return 0


def _classify(model, file: str) -> torch.Tensor:
    """The probabilities for one image file; ImageError for anything wrong with this file."""
    probs = predict(model, torch.from_numpy(images.load_digit(file))[None])[0]
    if not torch.isfinite(probs).all():
        raise images.ImageError(f"the model's output for {Path(file).name} is not a number")
    return probs


def _predict(args) -> int:
    device = pick_device(args.device)
    model, _ = load_model(args.model)
    model.to(device)
    failed = 0
    for file in args.files:
        try:
            probs = _classify(model, file)
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
