"""Small networks, images and the shipped model, shared by the attribution-side tests."""

import contextlib

import numpy as np
import torch
from convlens.engine import spec
from convlens.engine.model_file import load_model
from convlens.engine.network import Network
from convlens.engine.shipped import DEFAULT_MODEL
from convlens.engine.training import build_model


def small() -> spec.Architecture:
    """Two conv blocks with every kind of layer an attribution must pass through."""
    return spec.Architecture(
        [
            spec.Conv(3, 3, padding="same"),
            spec.BatchNorm(),
            spec.Activation("relu"),
            spec.Pool("max", 2),
            spec.Conv(4, 4, stride=2, padding="same"),
            spec.Activation("tanh"),
            spec.Flatten("row"),
            spec.Dropout(0.5),
            spec.Dense(16),
            spec.Activation("relu"),
            spec.Dense(10),
        ]
    )


def random_model(architecture: spec.Architecture, seed: int = 3) -> Network:
    """Random weights and batch-norm statistics, in float64 for exact comparisons."""
    model = build_model(architecture, seed)
    generator = torch.Generator().manual_seed(seed + 1)
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.running_mean.copy_(torch.randn(module.num_features, generator=generator))
            module.running_var.copy_(torch.rand(module.num_features, generator=generator) + 0.5)
    return model.double().eval()


def ring() -> np.ndarray:
    """A drawn '0': an anti-aliased ring, ink in [0, 1] like the canvas gives."""
    rows, cols = np.indices((28, 28))
    distance = np.hypot(rows - 13.5, (cols - 14.0) * 1.3)
    return np.clip(1.5 - np.abs(distance - 8.0), 0.0, 1.0).astype(np.float32)


def noise(seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.1, 0.9, (28, 28))


def shipped() -> Network:
    return load_model(DEFAULT_MODEL)[0]


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """A bool mask grown by ``radius`` pixels in each direction (a square structuring element)."""
    padded = np.pad(mask, radius)
    out = np.zeros_like(mask)
    for dy in range(2 * radius + 1):
        for dx in range(2 * radius + 1):
            out |= padded[dy : dy + 28, dx : dx + 28]
    return out


def state(model: Network) -> tuple:
    """What an inspection must leave as it was: the mode, requires_grad and .grad of each weight."""
    return (
        model.training,
        [(p.requires_grad, p.grad) for p in model.parameters()],
        {k: v.clone() for k, v in model.state_dict().items()},
    )


def same_state(before: tuple, after: tuple) -> bool:
    return (
        before[0] == after[0]
        and [r for r, _ in before[1]] == [r for r, _ in after[1]]
        and all(g is None for _, g in after[1])
        and all(torch.equal(before[2][k], after[2][k]) for k in before[2])
    )


@contextlib.contextmanager
def one_thread():
    """For one 28x28 image per step a second intra-op thread brings nothing, and on a loaded
    machine waiting for it made each step 10-100x slower (0.12 s a run against 6-17 s here)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
