"""Make the shipped model by its recorded recipe: train, calibrate on held-out images, save.

    python -m convlens.engine.default_model --out resources/default.safetensors

The default recipe (engine.recipes) trains on the first 55,000 training images, with a share
of the 1s given a flag (engine.augment.add_flags). The last 5,000 are never trained on: the
temperature T is fitted on them (engine.calibration), so the probabilities the app shows,
softmax(logits / T), are as honest as held-out data can make them. The file's facts say how.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from datetime import UTC, datetime

import torch
from convlens.engine import augment, calibration, mnist, recipes, training
from convlens.engine.device import describe, pick_device
from convlens.engine.model_file import ModelInfo, save_model
from convlens.engine.network import Network, predict


@torch.no_grad()
def logits_of(model: Network, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Logits (N, 10) of (N, 28, 28) uint8 images, in eval mode, on the CPU."""
    device = next(model.parameters()).device
    model.eval()
    chunks = []
    for start in range(0, len(images), batch_size):
        x = images[start : start + batch_size].to(device).unsqueeze(1).float().div_(255)
        chunks.append(model(x).float().cpu())
    return torch.cat(chunks)


def make_default_model(data: mnist.Mnist, device: str = "auto", progress=None):
    """Train, calibrate and evaluate the default model; returns (model, ModelInfo)."""
    architecture, config = recipes.default_recipe()
    config.device = device
    held_out = config.train_limit
    train_images = torch.from_numpy(data.train_images)
    train_labels = torch.from_numpy(data.train_labels)
    generator = torch.Generator().manual_seed(config.seed)
    flagged = augment.add_flags(train_images[:held_out], train_labels[:held_out], generator)
    model = training.build_model(architecture, config.seed)
    result = training.train(model, flagged, train_labels[:held_out], config, progress=progress)

    calibration_labels = train_labels[held_out:]
    temperature = calibration.fit_temperature(
        logits_of(model, train_images[held_out:]), calibration_labels
    )
    model.temperature = temperature
    test_images = torch.from_numpy(data.test_images)
    test_labels = torch.from_numpy(data.test_labels)
    evaluation = training.evaluate(model, test_images, test_labels)
    ece = calibration.expected_calibration_error(predict(model, test_images), test_labels)
    facts = {
        "epochs": config.epochs,
        "test_accuracy": evaluation.accuracy,
        "ece": ece,
        "probabilities": (
            f"softmax(logits / {temperature:.3f}), the temperature fitted on the last "
            f"{len(calibration_labels):,} training images, held out from training"
        ),
        "train_seconds": round(result.seconds, 1),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "recipe": asdict(config),
        "augment_shear": augment.SHEAR,
    }
    return model.cpu(), ModelInfo(architecture.name, facts, temperature)


def main(argv: list[str] | None = None) -> int:
    from convlens.engine.cli import ProgressBar

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="MNIST folder (default: the cache)")
    parser.add_argument("--out", default="default.safetensors", help="where to save the model")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    args = parser.parse_args(argv)
    data = mnist.load_mnist(mnist.resolve_data_dir(args.data))
    print(f"training on {describe(pick_device(args.device))}", file=sys.stderr)
    model, info = make_default_model(data, args.device, ProgressBar())
    save_model(args.out, model, info)
    facts = info.facts
    print(
        f"test accuracy {facts['test_accuracy']:.2%}, ECE {facts['ece']:.2%}, "
        f"T = {info.temperature:.3f}, trained in {facts['train_seconds']} s; saved {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
