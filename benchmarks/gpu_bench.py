"""ConvLens on a GPU: the fast recipe, the GPU recipe's time to 99%, inference with all maps.

    python benchmarks/gpu_bench.py [--data DIR] [--device cuda:0] [--quick] [--json]

benchmarks/gpu_check.sh runs it after the CUDA tests. Training times are the engine's own
(TrainResult.seconds: the loop, from the first step until the last report has synchronised
the GPU); a short warm-up run first pays for CUDA's start, cuDNN's choice of kernels and, for
the compiled run, the compilation, which are reported apart. ``--device cpu --quick`` runs
every part briefly on the CPU, to check the script where there is no GPU.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from convlens.engine import mnist, precision, recipes  # noqa: E402
from convlens.engine.device import describe, pick_device  # noqa: E402
from convlens.engine.model_file import load_model  # noqa: E402
from convlens.engine.network import trace_image  # noqa: E402
from convlens.engine.training import build_model, evaluate, train  # noqa: E402
from measure import percentiles  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "mnist"
MODEL = ROOT / "resources" / "default.safetensors"


class Data:
    """MNIST as tensors, loaded once."""

    def __init__(self, folder: Path):
        found = mnist.load_mnist(folder)
        self.x, self.y = torch.from_numpy(found.train_images), torch.from_numpy(found.train_labels)
        self.test_x = torch.from_numpy(found.test_images)
        self.test_y = torch.from_numpy(found.test_labels)


def run_recipe(recipe, data: Data, device: str, seed: int, steps: int | None, compiled=False):
    """One training run: its seconds, test accuracy, and (fast recipe) the shifted one."""
    architecture, config = recipe()
    config = replace(config, device=device, seed=seed, max_steps=steps or config.max_steps)
    model = build_model(architecture, seed)
    if compiled:
        model.compile()  # forward compiled in place: the module (and its file) stay the same
    result = train(model, data.x, data.y, config)
    accuracy = evaluate(model, data.test_x, data.test_y).accuracy
    shifted = evaluate(model, data.test_x, data.test_y, shifted=True).accuracy
    return {"seed": seed, "train_s": result.seconds, "accuracy": accuracy, "shifted": shifted}


def bench_recipe(name, recipe, data, device, seeds, quick, compiled=False) -> dict:
    """A warm-up run, then one run per seed."""
    start = time.perf_counter()
    run_recipe(recipe, data, device, 0, 5 if quick else 30, compiled)
    warm_up = time.perf_counter() - start
    runs = [
        run_recipe(recipe, data, device, seed, 5 if quick else None, compiled) for seed in seeds
    ]
    return {
        "name": name,
        "warm_up_s": warm_up,
        "runs": runs,
        "train_s": float(np.mean([run["train_s"] for run in runs])),
        "accuracy": float(np.mean([run["accuracy"] for run in runs])),
        "lowest": min(run["accuracy"] for run in runs),
        "shifted": float(np.mean([run["shifted"] for run in runs])),
    }


def bench_inference(device: str, quick: bool) -> dict:
    """One drawn image through the shipped model, every layer's output back on the CPU."""
    model, _ = load_model(MODEL)
    model.to(pick_device(device))
    image = np.zeros((28, 28), np.float32)
    image[6:22, 12:16] = 1.0
    for _ in range(50):
        trace_image(model, image)
    times = []
    for _ in range(100 if quick else 2000):
        start = time.perf_counter()
        trace_image(model, image)  # its .cpu() copies wait for the GPU
        times.append(time.perf_counter() - start)
    return percentiles(times)


def table(results: dict) -> str:
    lines = [
        f"GPU: {results['gpu']}, torch {results['torch']}, precision {results['precision']}",
        "",
        "| Measurement | Result |",
        "|---|---|",
    ]
    for row in results["recipes"]:
        if "error" in row:
            lines.append(f"| {row['name']} | n/a: {row['error']} |")
            continue
        seeds = ", ".join(f"{run['accuracy']:.2%}" for run in row["runs"])
        lines.append(
            f"| {row['name']}, seeds {row['runs'][0]['seed']}-{row['runs'][-1]['seed']} | "
            f"mean {row['accuracy']:.2%} ({seeds}; lowest {row['lowest']:.2%}; with the "
            f"shifts {row['shifted']:.2%}) after {row['train_s']:.2f} s of training "
            f"(warm-up run {row['warm_up_s']:.1f} s) |"
        )
    for where, row in results["inference"].items():
        lines.append(
            f"| one image, all maps ({where}) | p50 {row['p50_ms']:.2f} ms, "
            f"p99 {row['p99_ms']:.2f} ms |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", help=f"the MNIST folder (default: {DEFAULT_DATA} if there, else as main.py)"
    )
    parser.add_argument("--device", default="cuda", help="cuda, cuda:N, or cpu (a check)")
    parser.add_argument("--quick", action="store_true", help="a few steps each: a smoke run")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    device = pick_device(args.device)
    torch.backends.cudnn.benchmark = True  # fixed shapes: let cuDNN pick its fastest kernels
    folder = args.data or (DEFAULT_DATA if mnist.has_mnist(DEFAULT_DATA) else None)
    data = Data(mnist.resolve_data_dir(folder))
    seeds = (0,) if args.quick else (0, 1, 2, 3, 4)
    runs = [
        ("fast recipe (`train --fast`)", recipes.fast_recipe, False),
        ("GPU recipe (batch 512, 2 epochs)", recipes.gpu_recipe, False),
        ("GPU recipe, torch.compile", recipes.gpu_recipe, True),
    ]
    results = {
        "gpu": describe(device),
        "torch": torch.__version__,
        "precision": precision.for_device(device).name,
        "recipes": [],
    }
    for name, recipe, compiled in runs:
        print(f"measuring {name}...", file=sys.stderr, flush=True)
        try:
            row = bench_recipe(name, recipe, data, args.device, seeds, args.quick, compiled)
        except Exception as error:  # a compiler that fails here must not cost the others
            row = {"name": name, "error": f"{type(error).__name__}: {error}".splitlines()[0]}
        results["recipes"].append(row)
    print("measuring inference...", file=sys.stderr, flush=True)
    results["inference"] = {describe(device): bench_inference(args.device, args.quick)}
    if device.type != "cpu":
        results["inference"]["CPU, 1 thread as the app runs it"] = single_thread_cpu(args.quick)
    print(json.dumps(results, indent=2) if args.json else table(results))
    return 0


def single_thread_cpu(quick: bool) -> dict:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return bench_inference("cpu", quick)
    finally:
        torch.set_num_threads(threads)


if __name__ == "__main__":
    sys.exit(main())
