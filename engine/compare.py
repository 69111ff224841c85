"""Two models side by side on the same labelled sets: what a fine-tune gained and cost."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from convlens.engine.evaluation import Evaluation, evaluate
from convlens.engine.network import Network


@dataclass
class Comparison:
    """``before`` and ``after`` evaluated on the user's digits and on the MNIST test split."""

    mine_before: Evaluation
    mine_after: Evaluation
    test_before: Evaluation | None  # None: MNIST was not at hand
    test_after: Evaluation | None

    def changed(self) -> np.ndarray:
        """Indices of the user's digits whose verdict changed: the fixed ones first, then
        the broken ones, then those wrong both times (each group in index order)."""
        before, after = self.mine_before.predicted, self.mine_after.predicted
        labels = self.mine_after.labels
        moved = np.flatnonzero(before != after)
        fixed, broken = after[moved] == labels[moved], before[moved] == labels[moved]
        rank = np.where(fixed, 0, np.where(broken, 1, 2))
        return moved[np.argsort(rank, kind="stable")]


def compare(
    before: Network,
    after: Network,
    mine: tuple[torch.Tensor, torch.Tensor],
    test: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> Comparison:
    """Evaluate both models on ``mine`` (the user's (N, 28, 28) uint8 digits and labels) and
    on ``test`` (the MNIST test split, if given)."""
    return Comparison(
        evaluate(before, *mine),
        evaluate(after, *mine),
        evaluate(before, *test) if test is not None else None,
        evaluate(after, *test) if test is not None else None,
    )
