"""Does a model's confidence mean what it says? Expected calibration error, and temperature.

A model is calibrated when, of all the answers it gives with 90% confidence, 90% are right.
`expected_calibration_error` measures how far it is from that (Guo et al. 2017, "On
Calibration of Modern Neural Networks"); `fit_temperature` finds the one number T that makes
softmax(logits / T) as honest as it can be on held-out data, without changing any answer
(dividing every logit by the same T > 0 keeps their order).
"""

from __future__ import annotations

import numpy as np
import torch

ECE_BINS = 15  # as in Guo et al.: 15 equal-width bins of the top probability


def expected_calibration_error(probabilities, labels, bins: int = ECE_BINS) -> float:
    """ECE of (N, classes) ``probabilities`` against (N,) integer ``labels``, in [0, 1].

    The top probability of each row (its confidence) falls into one of ``bins`` equal-width
    bins of (0, 1], upper edges included; each bin adds |accuracy - mean confidence| of its
    rows, weighted by its share of the rows.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    labels = np.asarray(labels).astype(np.int64)
    if probabilities.ndim != 2 or len(probabilities) != len(labels) or len(labels) == 0:
        raise ValueError("expected (N, classes) probabilities and N labels, N > 0")
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    # Bin b holds confidences in (b / bins, (b + 1) / bins]; ceil puts an edge in the lower bin.
    index = np.clip(np.ceil(confidence * bins).astype(np.int64) - 1, 0, bins - 1)
    gap = np.bincount(index, weights=correct - confidence, minlength=bins)
    return float(np.abs(gap).sum() / len(labels))  # sum_b n_b/N * |mean(correct - conf)|_b


def fit_temperature(logits, labels) -> float:
    """The T > 0 that minimises the cross-entropy of softmax(logits / T) on (logits, labels).

    The loss is convex in b = 1/T (logits * b is linear in b, log-sum-exp is convex), so its
    slope, mean(E_p[z] - z_label), rises with b: bisection finds where it crosses 0. T is kept
    within [1e-3, 1e3]; data that every answer gets right would drive it to 0.
    """
    logits = torch.as_tensor(np.asarray(logits), dtype=torch.float64)
    labels = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    if logits.ndim != 2 or len(logits) != len(labels) or len(labels) == 0:
        raise ValueError("expected (N, classes) logits and N labels, N > 0")
    picked = logits.gather(1, labels[:, None])[:, 0]

    def slope(log_b: float) -> float:
        p = torch.softmax(np.exp(log_b) * logits, dim=1)
        return float(((p * logits).sum(1) - picked).mean())

    low, high = np.log(1e-3), np.log(1e3)
    for _ in range(60):  # the bracket shrinks to 2^-60 of its width: far below float32 noise
        middle = (low + high) / 2
        low, high = (middle, high) if slope(middle) < 0 else (low, middle)
    return float(np.exp(-(low + high) / 2))
