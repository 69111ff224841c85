"""The embedding: what the last hidden layer makes of each test digit, projected to 2-D.

The features are the input of the final dense layer (the last hidden layer's output, after its
activation and dropout); PCA (``torch.pca_lowrank``, centred) keeps the two directions along
which they vary most. The mean and the two components are kept, so a new drawing is placed on
the same plot with one forward pass and one matrix product (``Embedding.project``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from convlens.engine.network import Network
from convlens.engine.probe import (
    ProgressCallback,
    StopCallback,
    as_batch,
    as_ink,
    forward_to,
    inspecting,
    weights_fingerprint,
)

# Extra directions for the randomised PCA: the spectrum of these features is flat (328, 309,
# 299, 263 for the shipped model), and with 4 extra the second component was 1e-3 off an exact
# SVD; with 18, 4e-12, still in well under a second for the 10,000 test digits.
_OVERSAMPLE = 18
_PCA_SEED = 0  # the randomised PCA draws from its own seeded generator: the same plot each time


def hidden_layer(model: Network) -> int:
    """The layer whose output the final dense layer reads."""
    return len(model.infos) - 2


@dataclass
class Embedding:
    """The test digits as points in the plane of the two principal components of their
    last-hidden-layer features."""

    layer: int  # whose output the features are (see hidden_layer)
    fingerprint: str  # weights_fingerprint of the model it was computed on
    points: np.ndarray  # (N, 2) float64 (features - mean) @ components
    labels: np.ndarray | None  # (N,) the digits' labels, for colouring, if given
    mean: np.ndarray  # (D,) float64 mean feature
    components: np.ndarray  # (D, 2) float64 unit directions, largest variance first
    explained: np.ndarray  # (2,) share of the features' total variance along each

    def project(self, model: Network, image: np.ndarray) -> tuple[float, float]:
        """Where a (28, 28) ink image lands on the plot (``model`` must be the one it was
        computed on: compare ``fingerprint`` if its weights may have changed)."""
        with inspecting(model), torch.no_grad():
            feature = forward_to(model, as_batch(image, model), self.layer)
        x, y = (feature[0].double().cpu().numpy() - self.mean) @ self.components
        return float(x), float(y)


def features(
    model: Network,
    images,
    batch_size: int = 1000,
    progress: ProgressCallback | None = None,
    should_stop: StopCallback | None = None,
) -> torch.Tensor | None:
    """(N, D) float64 CPU features of (N, 28, 28) images; None if ``should_stop()`` said stop."""
    layer = hidden_layer(model)
    chunks = []
    with inspecting(model), torch.no_grad():
        for start in range(0, len(images), batch_size):
            if should_stop is not None and should_stop():
                return None
            x = as_ink(images[start : start + batch_size], model)
            chunks.append(forward_to(model, x, layer).flatten(1).double().cpu())
            if progress is not None:
                progress(start + len(x), len(images))
    return torch.cat(chunks)


def principal_axes(feats: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(mean (D,), components (D, 2), explained (2,)) of (N, D) features, by centred
    ``torch.pca_lowrank``; each component's largest loading is made positive, so the plot
    does not flip between runs."""
    n, d = feats.shape
    if n < 2 or d < 2:
        raise ValueError(f"a 2-D projection needs at least 2 images of 2 features, not {n} of {d}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(_PCA_SEED)
        _, singular, directions = torch.pca_lowrank(feats, q=min(2 + _OVERSAMPLE, n, d), niter=6)
    components = directions[:, :2]
    largest = components.abs().argmax(dim=0)
    components = components * components[largest, [0, 1]].sign()
    mean = feats.mean(dim=0)
    total = (feats - mean).pow(2).sum()
    explained = singular[:2] ** 2 / total if total > 0 else torch.zeros(2, dtype=feats.dtype)
    return mean, components, explained


def embed(
    model: Network,
    images,
    labels=None,
    batch_size: int = 1000,
    progress: ProgressCallback | None = None,
    should_stop: StopCallback | None = None,
) -> Embedding | None:
    """The embedding of (N, 28, 28) ``images`` (uint8 or ink in [0, 1]), for a worker thread:
    ``progress(done, total)`` per batch; None if ``should_stop()`` said stop."""
    feats = features(model, images, batch_size, progress, should_stop)
    if feats is None:
        return None
    mean, components, explained = principal_axes(feats)
    points = (feats - mean) @ components
    return Embedding(
        hidden_layer(model),
        weights_fingerprint(model),
        points.numpy(),
        None if labels is None else np.asarray(labels),
        mean.numpy(),
        components.numpy(),
        explained.numpy(),
    )
