"""Telling a failing run from a slow one, from the loop's own reports.

Two rules stop a run with a DivergenceError:
- the loss is no longer a finite number;
- over a window of at least WINDOW images (or the rest of a short run), the mean loss is
  above 3x its start (the first window's, counted no higher than the loss of guessing, ln 10
  for cross-entropy) and above the loss of guessing. A healthy run from random weights starts
  near ln 10 = 2.3 and never comes near 6.9; ``--lr 1e9`` with Adam reports 1e8 to 1e19.
  From a trained model (a fine-tune), rising above the loss of guessing is failing too.

Accuracy at chance is not an error: the deep_sigmoid preset at its default settings stays at
10-12% for 10,000 images and more (measured: its vanishing gradients are the lesson), exactly
as a broken run would. So a run still at chance after CHANCE_AFTER images ends normally with
``warning`` set to advice, which the GUI and the CLI show.
"""

from __future__ import annotations

import math

from convlens.engine.spec import NUM_CLASSES

WINDOW = 500  # images per judged window: one noisy batch never decides
CHANCE_AFTER = 3000  # images seen (300 per digit) before accuracy at chance is worth a word
CHANCE_ACCURACY = 0.15  # at most this is "at chance" (guessing is 10%)
# The loss of a network that guesses uniformly: ln 10 for cross-entropy, and for the total
# error 1/2 |one_hot - 1/10|^2 = 0.45.
CHANCE_LOSS = {"ce": math.log(NUM_CLASSES), "mse": 0.5 * (1 - 1 / NUM_CLASSES)}


class TrainingError(RuntimeError):
    """Training cannot go on (the loss is no longer a number, say)."""


class DivergenceError(TrainingError):
    """The run diverged or is clearly failing; the message says what was seen and what to try."""


ADVICE = "Try a lower learning rate (a tenth), smaller lambdas, or SGD with momentum."


class DivergenceWatch:
    """Judges the loop's running sums; ``update`` raises DivergenceError on a failing run."""

    def __init__(self, loss_kind: str = "ce"):
        self.chance_loss = CHANCE_LOSS.get(loss_kind, CHANCE_LOSS["ce"])
        self.start_loss: float | None = None  # the first window's mean loss
        self.seen = 0
        self._loss = self._correct = 0.0
        self._count = 0
        self.last_accuracy: float | None = None  # the last full window's

    def update(self, loss_sum: float, correct: float, count: int, where: str) -> None:
        """Add a report's sums (loss summed over its images, correct answers, image count);
        ``where`` ('epoch 2, step 40') goes into the message."""
        if not math.isfinite(loss_sum):
            raise DivergenceError(
                f"the loss became {loss_sum:.3g} in {where}: training diverged. {ADVICE}"
            )
        self.seen += count
        self._loss += loss_sum
        self._correct += correct
        self._count += count
        if self._count >= WINDOW:
            self._judge(where)

    def finish(self, where: str) -> None:
        """Judge the images since the last full window too (a run shorter than a window)."""
        if self._count:
            self._judge(where)

    def _judge(self, where: str) -> None:
        mean = self._loss / self._count
        self.last_accuracy = self._correct / self._count
        self._loss = self._correct = 0.0
        self._count = 0
        first = self.start_loss is None
        if first:
            self.start_loss = mean
        limit = max(3 * min(self.start_loss, self.chance_loss), self.chance_loss)
        if mean > limit:
            began = "" if first else f", it began at {self.start_loss:.3g}"
            raise DivergenceError(
                f"the loss reached {mean:.3g} in {where} (guessing scores {self.chance_loss:.2f}"
                f"{began}): the run is failing. {ADVICE}"
            )

    def warning(self) -> str | None:
        """Advice when the run ended still at chance after enough images, else None."""
        if self.last_accuracy is None or self.seen < CHANCE_AFTER:
            return None
        if self.last_accuracy > CHANCE_ACCURACY:
            return None
        return (
            f"the training accuracy is still at chance ({self.last_accuracy:.0%}) after "
            f"{self.seen:,} images: the network has not learnt yet. Sigmoid networks learn "
            "slowly (vanishing gradients): train longer, raise the learning rate a little or use "
            "ReLU; if the loss rose, lower the learning rate."
        )
