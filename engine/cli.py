"""The headless commands: ``train``, ``eval`` and ``predict``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import torch
from convlens.engine import finetune, history, images, mnist, my_digits, recipes, sweep, training
from convlens.engine.device import describe, pick_device
from convlens.engine.model_file import ModelFileError, ModelInfo, load_model, save_model
from convlens.engine.network import predict
from convlens.engine.presets import PRESETS
from convlens.engine.shipped import DEFAULT_MODEL
from convlens.engine.spec import Architecture, ArchitectureError


def _add_train_options(parser: argparse.ArgumentParser) -> None:
    """The options of a training run, shared by train and sweep."""
    defaults = training.TrainConfig()
    parser.add_argument(
        "--data", help=f"MNIST folder (default: ${mnist.DATA_ENV_VAR} or the cache)"
    )
    parser.add_argument("--arch", help="architecture JSON file, or a preset: " + ", ".join(PRESETS))
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--lr", type=float, default=defaults.lr)
    parser.add_argument("--optimizer", choices=("sgd", "adam"), default=defaults.optimizer)
    parser.add_argument("--schedule", choices=("onecycle", "cosine", "constant"))
    parser.add_argument("--loss", choices=("ce", "mse"), default=defaults.loss)
    parser.add_argument(
        "--label-smoothing", type=float, default=defaults.label_smoothing, help="ce only"
    )
    parser.add_argument("--l1", type=float, default=0.0, help="L1 lambda: lambda * sum |w|")
    parser.add_argument("--l2", type=float, default=0.0, help="L2 lambda: lambda * sum w^2")
    parser.add_argument("--dropout", type=float, help="rate of every dropout layer")
    parser.add_argument("--augment", action="store_true", help="random warps and stroke widths")
    parser.add_argument("--limit", type=int, help="train on the first N images only")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--validation", type=int, default=0, help="hold out the last N images")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a model on MNIST and save it")
    _add_train_options(train)
    train.add_argument("--fast", action="store_true", help="the fast recipe (see README)")
    train.add_argument("--out", default="model.safetensors", help="where to save the model")
    train.add_argument("--init", help="start from this model file's weights ('default': shipped)")
    train.add_argument("--extra", help="add a folder of labelled images (a folder per class 0-9)")
    train.add_argument("--extra-repeat", type=int, help="times per epoch (default: 5%% of the mix)")
    train.add_argument("--finetune", action="store_true", help="the fine-tune recipe (see README)")
    train.add_argument("--max-steps", type=int, help="stop after N steps")

    evaluate = commands.add_parser("eval", help="accuracy on the MNIST test split")
    evaluate.add_argument("--model", default=str(DEFAULT_MODEL))
    evaluate.add_argument("--data")
    evaluate.add_argument("--folder", help="a folder of labelled images instead of MNIST")
    evaluate.add_argument("--json", action="store_true", help="one JSON object on stdout")

    sweeper = commands.add_parser("sweep", help="train once per value of one setting")
    sweeper.add_argument("--param", required=True, choices=sweep.SETTINGS)
    sweeper.add_argument("--values", required=True, help="comma-separated: 16,64,256 or relu,tanh")
    sweeper.add_argument("--layer", type=int, help="the layer to change (default: the first)")
    _add_train_options(sweeper)
    sweeper.set_defaults(limit=1000, validation=5000)  # about a minute per sweep on 2 cores
    sweeper.add_argument("--json", action="store_true", help="one JSON object per value")

    pred = commands.add_parser("predict", help="classify image files")
    pred.add_argument("files", nargs="+")
    pred.add_argument("--model", default=str(DEFAULT_MODEL))
    pred.add_argument("--json", action="store_true", help="one JSON object per line")
    return parser


def _architecture(arg: str | None) -> Architecture:
    if arg is None:
        return PRESETS["default"]()
    if arg in PRESETS:
        return PRESETS[arg]()
    try:
        text = Path(arg).read_text()
    except OSError as error:
        raise ArchitectureError(None, f"cannot read {arg}: {error.strerror}") from error
    return Architecture.from_json(text)


class ProgressBar:
    """One self-rewriting line on stderr."""

    def __init__(self, stream=sys.stderr, width: int = 30):
        self.stream, self.width = stream, width

    def __call__(self, p: training.Progress) -> None:
        filled = int(self.width * p.fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(
            f"\repoch {p.epoch}/{p.epochs} [{bar}] loss {p.data_loss:.4f}"
            f"{f' + reg {p.reg_loss:.4f}' if p.reg_loss else ''} acc {p.accuracy:.3f} "
            f"{p.samples_per_s:,.0f} img/s  {p.eta:4.0f}s left "
        )
        if p.step == p.steps:
            self.stream.write("\n")
        self.stream.flush()


def _config(args) -> training.TrainConfig:
    """The TrainConfig the train options describe."""
    # The options are named as the config's fields (--limit is train_limit).
    names = ("epochs", "batch_size", "lr", "optimizer", "loss", "label_smoothing", "l1", "l2")
    names += ("dropout", "augment", "device", "seed", "validation")
    config = training.TrainConfig(**{name: getattr(args, name) for name in names})
    config.train_limit = args.limit
    if args.schedule:
        config.schedule = args.schedule
    return config


def _train(args) -> int:
    # The model first: a bad architecture or model file is reported before MNIST is loaded.
    if args.init:
        model, _ = finetune.start_model(args.init)
        architecture = model.architecture
    else:
        architecture = recipes.fast_recipe()[0] if args.fast else _architecture(args.arch)
        model = None
    extra = my_digits.load_folder(args.extra) if args.extra else None
    # Without --data, --extra alone trains on the folder only (no MNIST).
    data = mnist.load_mnist(mnist.resolve_data_dir(args.data)) if args.data or not extra else None
    base_count = len(data.train_images) if data else 0
    if args.finetune:
        config = finetune.finetune_config(len(extra.images) if extra else 0, base_count)
        config.device, config.seed = args.device, args.seed
    elif args.fast:
        config = recipes.fast_recipe()[1]
        config.device, config.seed = args.device, args.seed
    else:
        config = _config(args)
    config.validation = args.validation  # a recipe's config too
    config.max_steps = args.max_steps or config.max_steps
    if extra:
        _say_problems(extra.problems)
        repeat = finetune.extra_repeat(len(extra.images), base_count)
        config.extra_repeat = args.extra_repeat or repeat
    if model is None:
        model = training.build_model(architecture, config.seed)
    device = pick_device(config.device)
    print(
        f"training {architecture.name} ({architecture.analyse().params:,} parameters) "
        f"on {describe(device)}",
        file=sys.stderr,
    )
    empty = (torch.zeros(0, 28, 28, dtype=torch.uint8), torch.zeros(0, dtype=torch.long))
    train_x, train_y = (
        (torch.from_numpy(data.train_images), torch.from_numpy(data.train_labels))
        if data
        else empty
    )
    extra_xy = (torch.from_numpy(extra.images), torch.from_numpy(extra.labels)) if extra else None
    result = training.train(model, train_x, train_y, config, progress=ProgressBar(), extra=extra_xy)
    if result.warning:
        print(f"warning: {result.warning}", file=sys.stderr)
    where, test_x, test_y = (
        ("test accuracy", data.test_images, data.test_labels)
        if data
        else (f"accuracy on {args.extra} (trained on it)", extra.images, extra.labels)
    )
    evaluation = training.evaluate(model, torch.from_numpy(test_x), torch.from_numpy(test_y))
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
    save_model(args.out, model.cpu(), ModelInfo(architecture.name, facts, history=run))
    print(f"trained in {result.seconds:.1f} s: {where} {evaluation.accuracy:.2%}")
    print(f"saved {args.out}")
    return 0


def _say_problems(problems: list[str]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def _eval(args) -> int:
    model, info = load_model(args.model)
    if args.folder:
        found = my_digits.load_folder(args.folder)
        _say_problems(found.problems)
        if not len(found.labels):
            raise mnist.DatasetError(f"{args.folder} holds no readable labelled digits")
        test_images, test_labels = found.images, found.labels
    else:
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
    where = f"accuracy on {args.folder}" if args.folder else "test accuracy"
    print(f"{info.name}: {where} {evaluation.accuracy:.2%} on {len(test_labels):,} images")
    print("per class: " + "  ".join(f"{d}: {a:.1%}" for d, a in enumerate(evaluation.per_class)))
    print("confusion (rows: true digit, columns: predicted):")
    print("      " + "".join(f"{d:>6}" for d in range(10)))
    for digit, row in enumerate(evaluation.confusion):
        print(f"{digit:>6}" + "".join(f"{n:>6}" for n in row))
    return 0


def _sweep(args) -> int:
    values = [sweep.parse_value(args.param, text) for text in args.values.split(",")]
    config = _config(args)
    data = mnist.load_mnist(mnist.resolve_data_dir(args.data))
    runs = sweep.sweep(
        _architecture(args.arch),
        config,
        args.param,
        values,
        torch.from_numpy(data.train_images),
        torch.from_numpy(data.train_labels),
        args.layer,
    )
    for run in runs:
        if args.json:
            print(json.dumps(run.row()), flush=True)
        elif run.error:
            print(f"{args.param} = {run.value}: error: {run.error}", flush=True)
        else:
            print(
                f"{args.param} = {run.value}: {run.params:,} parameters, "
                f"train {run.train_accuracy:.2%} (loss {run.train_loss:.3f}), "
                f"validation {run.val_accuracy:.2%} (loss {run.val_loss:.3f}), "
                f"{run.seconds:.1f} s",
                flush=True,
            )
    return 0


def _predict(args) -> int:
    model, _ = load_model(args.model)
    failed = 0
    for file in args.files:
        try:
            digit_image = images.load_digit(file)
        except images.ImageError as error:
            failed += 1
            if args.json:
                print(json.dumps({"file": file, "error": str(error)}))
            else:
                print(f"{file}: error: {error}", file=sys.stderr)
            continue
        probs = predict(model, torch.from_numpy(digit_image)[None])[0]
        digit = int(probs.argmax())
        if args.json:
            print(json.dumps({"file": file, "digit": digit, "probs": probs.tolist()}))
        else:
            listed = " ".join(f"{d}:{p:.3f}" for d, p in enumerate(probs.tolist()))
            print(f"{file}: {digit} ({probs[digit]:.1%})  {listed}")
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    """Run a headless command; known errors become one line on stderr and exit status 2."""
    args = _parser().parse_args(argv)
    commands = {"train": _train, "eval": _eval, "predict": _predict, "sweep": _sweep}
    try:
        return commands[args.command](args)
    except (
        mnist.DatasetError,
        ModelFileError,
        ArchitectureError,
        training.TrainingError,
        ValueError,
    ) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
