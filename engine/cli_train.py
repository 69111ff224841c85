"""The headless commands that train: ``train`` and ``sweep`` (they share the training options)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import torch
from convlens.engine import (
    distributed,
    finetune,
    history,
    mnist,
    my_digits,
    recipes,
    sweep,
    training,
)
from convlens.engine.arguments import add_device_option, option_name
from convlens.engine.choices import LOSSES, OPTIMIZERS, SCHEDULES
from convlens.engine.device import describe, pick_device
from convlens.engine.files import atomic_write
from convlens.engine.model_file import ModelFileError, ModelInfo, save_model
from convlens.engine.presets import PRESETS, preset_or_file
from convlens.engine.sweep_plot import sweep_png
from convlens.engine.terminal import ProgressBar

DATA_HELP = f"MNIST folder (default: ${mnist.DATA_ENV_VAR}, else {mnist.default_data_dir()})"
# What `train --fast` still takes from the command line: it would ignore any other option.
FAST_KEEPS = ("data", "device", "seed", "out")


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


def _add_train_options(parser: argparse.ArgumentParser) -> None:
    """The options of a training run, shared by train and sweep."""
    defaults = training.TrainConfig()
    parser.add_argument("--data", metavar="DIR", help=DATA_HELP)
    parser.add_argument("--arch", help="architecture JSON file, or a preset: " + ", ".join(PRESETS))
    parser.add_argument("--epochs", type=int, default=defaults.epochs, help="passes over the data")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size, help="images a step")
    parser.add_argument("--lr", type=float, default=defaults.lr, help="(peak) learning rate")
    parser.add_argument(
        "--optimizer",
        choices=OPTIMIZERS,
        default=defaults.optimizer,
        help="adam, or sgd with momentum 0.9",
    )
    parser.add_argument(
        "--schedule", choices=SCHEDULES, default=defaults.schedule, help="learning-rate schedule"
    )
    parser.add_argument(
        "--loss", choices=LOSSES, default=defaults.loss, help="or mse: 1/2 sum (target - p)^2"
    )
    parser.add_argument(
        "--label-smoothing", type=float, default=defaults.label_smoothing, help="ce only"
    )
    parser.add_argument("--l1", type=float, default=0.0, help="L1 lambda: lambda * sum |w|")
    parser.add_argument("--l2", type=float, default=0.0, help="L2 lambda: lambda * sum w^2")
    parser.add_argument("--dropout", type=float, help="rate of every dropout layer")
    parser.add_argument("--augment", action="store_true", help="random warps and stroke widths")
    parser.add_argument("--limit", type=positive, help="train on the first N images only")
    add_device_option(parser, "auto")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and the shuffle")
    parser.add_argument("--validation", type=int, default=0, help="hold out the last N images")


def add_train(commands) -> None:
    """The ``train`` command."""
    train = commands.add_parser("train", help="train a model on MNIST and save it")
    _add_train_options(train)
    train.add_argument(
        "--fast",
        action="store_true",
        help="the fast recipe (see README); it takes only "
        + ", ".join(f"--{k}" for k in FAST_KEEPS),
    )
    train.add_argument(
        "--out", metavar="FILE", default="model.safetensors", help="where to save the model"
    )
    train.add_argument("--init", help="start from this model file's weights ('default': shipped)")
    train.add_argument("--extra", help="add a folder of labelled images (a folder per class 0-9)")
    train.add_argument("--extra-repeat", type=positive, help="times per epoch (default: 5%% mix)")
    train.add_argument("--finetune", action="store_true", help="the fine-tune recipe (see README)")
    train.add_argument("--max-steps", type=positive, help="stop after N steps")
    train.set_defaults(run=_train, check=_check_train)


def add_sweep(commands) -> None:
    """The ``sweep`` command."""
    sweeper = commands.add_parser("sweep", help="train once per value of one setting")
    sweeper.add_argument("--param", required=True, choices=sweep.SETTINGS, help="the setting")
    sweeper.add_argument("--values", required=True, help="comma-separated: 16,64,256 or relu,tanh")
    sweeper.add_argument("--layer", type=int, help="the layer to change (default: the first)")
    _add_train_options(sweeper)
    sweeper.set_defaults(limit=1000, validation=5000)  # about a minute per sweep on 2 cores
    sweeper.add_argument("--json", action="store_true", help="one JSON object per value")
    sweeper.add_argument("--plot", metavar="FILE.png", help="also plot the results into a PNG")
    sweeper.set_defaults(run=_sweep)


def _check_train(parser: argparse.ArgumentParser, args, given: set[str]) -> None:
    if args.fast and (ignored := sorted(given - {"fast", *FAST_KEEPS})):
        flags = ", ".join(option_name(parser, dest) for dest in ignored)
        parser.error(f"--fast trains its own recipe and would ignore {flags}")


def _config(args) -> training.TrainConfig:
    """The TrainConfig the train options describe."""
    # The options are named as the config's fields (--limit is train_limit).
    names = ("epochs", "batch_size", "lr", "optimizer", "schedule", "loss", "label_smoothing")
    names += ("l1", "l2", "dropout", "augment", "device", "seed", "validation")
    config = training.TrainConfig(**{name: getattr(args, name) for name in names})
    config.train_limit = args.limit
    return config


def _check_out(out: str, option: str = "--out", example: str = "model.safetensors") -> None:
    """Fail now, not after the training, when ``out`` cannot be written to."""
    path = Path(out)
    if path.is_dir():
        raise ModelFileError(
            f"{option} {out} is a folder: give a file name, such as {path / example}"
        )
    folder = path.parent
    if not folder.is_dir():
        raise ModelFileError(f"{option} {out}: the folder {folder} does not exist")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise ModelFileError(
            f"{option} {out}: cannot write in {folder} ({error.strerror or error})"
        ) from None
    if path.exists() and not os.access(path, os.W_OK):
        raise ModelFileError(f"{option} {out} exists and may not be written")


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


def say_problems(problems: list[str]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def _train(args) -> int:
    # Everything that can be wrong is found before training: the device, the model or
    # architecture, the place to save to, then the data (MNIST's splits are checked for their
    # counts).
    ranks = distributed.from_environment()  # started by torchrun: one of several processes
    args.device = distributed.rank_device(args.device, ranks) if ranks else args.device
    device = pick_device(args.device)
    recipe = None  # the starting model's, whose objective a fine-tune keeps
    if args.init:
        model, start_info = finetune.start_model(args.init)
        architecture, recipe = model.architecture, start_info.facts.get("recipe")
    else:
        architecture = recipes.fast_recipe()[0] if args.fast else preset_or_file(args.arch)
        architecture.validate()
        model = None
    _check_out(args.out)
    extra = my_digits.load_folder(args.extra) if args.extra else None
    # Without --data, --extra alone trains on the folder only (no MNIST).
    data = mnist.load_mnist(mnist.resolve_data_dir(args.data)) if args.data or not extra else None
    base_count = len(data.train_images) if data else 0
    if args.finetune:
        config = finetune.finetune_config(len(extra.images) if extra else 0, base_count, recipe)
        config.device, config.seed = args.device, args.seed
    elif args.fast:
        config = recipes.fast_recipe()[1]
        config.device, config.seed = args.device, args.seed
    else:
        config = _config(args)
    config.validation = args.validation  # a recipe's config too
    config.max_steps = args.max_steps or config.max_steps
    if extra:
        say_problems(extra.problems)
        repeat = finetune.extra_repeat(len(extra.images), base_count)
        config.extra_repeat = args.extra_repeat or repeat
    if model is None:
        model = training.build_model(architecture, config.seed)
    if ranks is None or ranks.leader:
        processes = f" in {ranks.world} process{'es' if ranks.world > 1 else ''}" if ranks else ""
        print(
            f"training {architecture.name} ({architecture.analyse().params:,} parameters) "
            f"on {describe(device)}{processes}",
            file=sys.stderr,
        )
    if ranks is None:
        return _train_and_save(args, model, config, data, extra, None)
    distributed.start(ranks, device)
    try:
        return _train_and_save(args, model, config, data, extra, ranks)
    finally:
        distributed.stop()  # the other ranks wait here until rank 0 has saved


def _train_and_save(args, model, config, data, extra, ranks) -> int:
    """Train, then (on rank 0 alone, when distributed) evaluate and save."""
    leader = ranks is None or ranks.leader
    empty = (torch.zeros(0, 28, 28, dtype=torch.uint8), torch.zeros(0, dtype=torch.long))
    train_x, train_y = (
        (torch.from_numpy(data.train_images), torch.from_numpy(data.train_labels))
        if data
        else empty
    )
    extra_xy = (torch.from_numpy(extra.images), torch.from_numpy(extra.labels)) if extra else None
    progress = ProgressBar() if leader else None
    result = training.train(
        model, train_x, train_y, config, progress=progress, extra=extra_xy, ranks=ranks
    )
    if not leader:
        return 0
    if result.warning:
        print(f"warning: {result.warning}", file=sys.stderr)
    where, test_x, test_y = (
        ("test accuracy", data.test_images, data.test_labels)
        if data
        else (f"accuracy on {args.extra} (trained on it)", extra.images, extra.labels)
    )
    test_tensors = torch.from_numpy(test_x), torch.from_numpy(test_y)
    evaluation = training.evaluate(model, *test_tensors)
    facts = {
        "epochs": result.history[-1].epoch if result.history else 0,
        "test_accuracy": evaluation.accuracy,
        "train_seconds": round(result.seconds, 1),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "recipe": {k: v for k, v in vars(config).items()},
    }
    run = history.run_history(
        config, result, evaluation, start=str(args.init or "random"), extra=args.extra
    )
    shifted = ""
    if args.fast and data:  # the recipe's verdicts average the image and its shifts
        accuracy = training.evaluate(model, *test_tensors, shifted=True).accuracy
        shifted = f" ({accuracy:.2%} with the image and its 4 one-pixel shifts)"
    print(f"trained in {result.seconds:.1f} s: {where} {evaluation.accuracy:.2%}{shifted}")
    if ranks:
        facts["recipe"]["processes"] = ranks.world  # torchrun's, each with its share of a batch
    info = ModelInfo(model.architecture.name, facts, history=run)
    return _save_or_keep(args.out, model.cpu(), info)


def _sweep(args) -> int:
    values = [sweep.parse_value(args.param, text) for text in args.values.split(",")]
    config = _config(args)
    architecture = preset_or_file(args.arch)
    if args.plot:
        _check_out(args.plot, "--plot", "sweep.png")
    data = mnist.load_mnist(mnist.resolve_data_dir(args.data))
    runs = sweep.sweep(
        architecture,
        config,
        args.param,
        values,
        torch.from_numpy(data.train_images),
        torch.from_numpy(data.train_labels),
        args.layer,
    )
    done = []
    for run in runs:
        done.append(run)
        if args.json:
            print(json.dumps(run.row()), flush=True)
        elif run.error:
            print(f"{args.param} = {run.value}: error: {run.error}", flush=True)
        else:
            validation = (
                f"validation {run.val_accuracy:.2%} (loss {run.val_loss:.3f})"
                if run.val_accuracy is not None
                else "no validation split"
            )
            print(
                f"{args.param} = {run.value}: {run.params:,} parameters, "
                f"train {run.train_accuracy:.2%} (loss {run.train_loss:.3f}), "
                f"{validation}, {run.seconds:.1f} s",
                flush=True,
            )
    if args.plot:
        try:
            atomic_write(args.plot, sweep_png(done, args.param))
        except OSError as error:
            raise ValueError(f"cannot write {args.plot}: {error.strerror or error}") from error
        print(f"plotted {args.plot}", file=sys.stderr if args.json else sys.stdout)
    return 0
