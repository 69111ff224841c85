"""Evaluation on a labelled set: accuracy, confusion matrix, and every image's verdict.

The per-image verdicts (predicted digit and its probability) are what the GUI's galleries
list: the images of one confusion cell, or every mistake, most confident first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from convlens.engine.network import Network
from convlens.engine.spec import NUM_CLASSES


@dataclass
class Evaluation:
    accuracy: float  # fraction of images classified correctly
    per_class: list[float]  # accuracy of each digit 0..9
    confusion: np.ndarray  # (10, 10): row = true digit, column = predicted
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # (N,) true digits
    predicted: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # (N,) verdicts
    confidence: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))  # (N,) p

    @classmethod
    def of(cls, labels: np.ndarray, predicted: np.ndarray, confidence: np.ndarray) -> Evaluation:
        """The evaluation that per-image verdicts (N,) add up to: accuracy, per class, and
        the confusion matrix (so that a set evaluated in parts can be put together)."""
        confusion = confusion_matrix(labels, predicted)
        totals = confusion.sum(1)
        per_class = [float(confusion[d, d] / totals[d]) if totals[d] else 0.0 for d in range(10)]
        accuracy = float(np.trace(confusion) / confusion.sum()) if len(labels) else 0.0
        return cls(accuracy, per_class, confusion, labels, predicted, confidence)

    def cell(self, true: int, predicted: int) -> np.ndarray:
        """Indices of the images labelled ``true`` and read as ``predicted``, most confident
        first (ties in index order)."""
        chosen = np.flatnonzero((self.labels == true) & (self.predicted == predicted))
        return chosen[np.argsort(-self.confidence[chosen], kind="stable")]

    def mistakes(self) -> np.ndarray:
        """Indices of every misclassified image, most confident first."""
        chosen = np.flatnonzero(self.labels != self.predicted)
        return chosen[np.argsort(-self.confidence[chosen], kind="stable")]

    def summary(self) -> dict:
        """Accuracy, per-class accuracy and the confusion matrix as plain JSON types."""
        return {
            "accuracy": self.accuracy,
            "per_class": list(self.per_class),
            "confusion": self.confusion.tolist(),
            "images": int(self.confusion.sum()),
        }


@torch.no_grad()
def batched_logits(model: Network, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """The (N, 10) float logits for (N, 28, 28) uint8 images, in eval mode, batch by batch;
    the model's training mode is restored afterwards."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        chunks = [
            model(images[start : start + batch_size].to(device).unsqueeze(1).float().div_(255))
            .float()
            .cpu()
            for start in range(0, len(images), batch_size)
        ]
    finally:
        model.train(was_training)
    return torch.cat(chunks) if chunks else torch.zeros(0, NUM_CLASSES)


# Test-time augmentation: the image and its copies moved one pixel down, up, right and left.
SHIFTS = ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1))  # (rows, columns)


def shifted_probabilities(model: Network, images: torch.Tensor) -> torch.Tensor:
    """(N, 10) probabilities averaged over each image and its ``SHIFTS`` (the ink moved, the
    border filled with blank paper): a verdict that one pixel of placement does not sway."""
    padded = F.pad(images, (1, 1, 1, 1))
    temperature = float(getattr(model, "temperature", 1.0))
    total = 0
    for rows, columns in SHIFTS:
        moved = padded[:, 1 - rows : 29 - rows, 1 - columns : 29 - columns]
        total = total + torch.softmax(batched_logits(model, moved) / temperature, dim=1)
    return total / len(SHIFTS)


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """(10, 10) counts: row = true digit, column = predicted."""
    flat = np.asarray(labels, np.int64) * NUM_CLASSES + np.asarray(predicted, np.int64)
    return np.bincount(flat, minlength=NUM_CLASSES**2).reshape(NUM_CLASSES, NUM_CLASSES)


def evaluate(
    model: Network,
    images: torch.Tensor,
    labels: torch.Tensor,
    batch_size: int = 1000,
    shifted: bool = False,
) -> Evaluation:
    """Accuracy, per-class accuracy, the confusion matrix and each image's verdict on
    (N, 28, 28) uint8 images. Probabilities are softmax(logits / the model's temperature),
    or with ``shifted`` their mean over the image and its one-pixel shifts."""
    if shifted:
        probabilities = shifted_probabilities(model, images)
    else:
        logits = batched_logits(model, images, batch_size)
        temperature = float(getattr(model, "temperature", 1.0))
        probabilities = torch.softmax(logits / temperature, dim=1)
    confidence, predicted = probabilities.max(1)
    truth = labels.to(torch.long).cpu().numpy()
    return Evaluation.of(truth, predicted.numpy(), confidence.numpy())
