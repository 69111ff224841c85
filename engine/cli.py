"""The headless commands: ``train``, ``eval`` and ``predict``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import torch
from convlens.engine import calibration, images, mnist, recipes, training
from convlens.engine.device import describe, pick_device
from convlens.engine.model_file import ModelFileError, ModelInfo, load_model, save_model
from convlens.engine.network import predict
from convlens.engine.presets import PRESETS
from convlens.engine.shipped import DEFAULT_MODEL
from convlens.engine.spec import Architecture, ArchitectureError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a model on MNIST and save it")
    train.add_argument("--data", help=f"MNIST folder (default: ${mnist.DATA_ENV_VAR} or the cache)")
    train.add_argument("--arch", help="architecture JSON file, or a preset: " + ", ".join(PRESETS))
    train.add_argument("--fast", action="store_true", help="the fast recipe (see README)")
    defaults = training.TrainConfig()
    train.add_argument("--epochs", type=int, default=defaults.epochs)
    train.add_argument("--batch-size", type=int, default=defaults.batch_size)
    train.add_argument("--lr", type=float, default=defaults.lr)
    train.add_argument("--optimizer", choices=("sgd", "adam"), default=defaults.optimizer)
    train.add_argument("--schedule", choices=("onecycle", "cosine", "constant"))
    train.add_argument("--loss", choices=("ce", "mse"), default=defaults.loss)
    train.add_argument(
        "--label-smoothing", type=float, default=defaults.label_smoothing, help="ce only"
    )
    train.add_argument("--l1", type=float, default=0.0, help="L1 lambda: lambda * sum |w|")
    train.add_argument("--l2", type=float, default=0.0, help="L2 lambda: lambda * sum w^2")
    train.add_argument("--dropout", type=float, help="rate of every dropout layer")
    train.add_argument("--augment", action="store_true", help="random warps and stroke widths")
    train.add_argument("--limit", type=int, help="train on the first N images only")
    train.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", default="model.safetensors", help="where to save the model")

    evaluate = commands.add_parser("eval", help="accuracy on the MNIST test split")
    evaluate.add_argument("--model", default=str(DEFAULT_MODEL))
    evaluate.add_argument("--data")
    evaluate.add_argument("--json", action="store_true", help="one JSON object on stdout")

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


def _train(args) -> int:
    if args.fast:
        architecture, config = recipes.fast_recipe()
        config.device, config.seed = args.device, args.seed
    else:
        architecture = _architecture(args.arch)
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
    device = pick_device(config.device)
    data = mnist.load_mnist(mnist.resolve_data_dir(args.data))
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
    save_model(args.out, model.cpu(), ModelInfo(architecture.name, facts))
    print(f"trained in {result.seconds:.1f} s: test accuracy {evaluation.accuracy:.2%}")
    print(f"saved {args.out}")
    return 0


def _eval(args) -> int:
    model, info = load_model(args.model)
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
    print(f"{info.name}: test accuracy {evaluation.accuracy:.2%} on {len(test_labels):,} images")
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
    model, _ = load_model(args.model)
    failed = 0
    for file in args.files:
        try:
            probs = _classify(model, file)
        except images.ImageError as error:
            failed += 1
            if args.json:
                print(json.dumps({"file": file, "error": str(error)}))
            else:
                print(f"{file}: error: {error}", file=sys.stderr)
            continue
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
    commands = {"train": _train, "eval": _eval, "predict": _predict}
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
