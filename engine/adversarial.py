"""'Make it a ...': a targeted adversarial nudge (projected gradient descent, Madry et al. 2018;
one step is FGSM, Goodfellow et al. 2015) that moves a drawing towards a chosen digit while no
pixel's ink changes by more than epsilon.

A generator: the caller (the GUI, a script) gets every step and may stop iterating at any time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from convlens.engine.network import Network
from convlens.engine.probe import as_batch, check_target, inspecting


@dataclass
class NudgeStep:
    """The image after one step, and what the network now says about it."""

    step: int  # 1-based
    image: np.ndarray  # (28, 28) ink in [0, 1]
    perturbation: np.ndarray  # (28, 28) image - original, each value within +-epsilon
    probabilities: np.ndarray  # (10,) softmax(logits / temperature) of ``image``
    target: int

    @property
    def target_probability(self) -> float:
        return float(self.probabilities[self.target])

    @property
    def size(self) -> float:
        """The perturbation's L-infinity norm: the largest change of any pixel's ink."""
        return float(np.abs(self.perturbation).max())

    @property
    def digit(self) -> int:
        return int(self.probabilities.argmax())


def nudge(
    model: Network,
    image: np.ndarray,
    target: int,
    epsilon: float = 0.1,
    steps: int = 10,
    step_size: float | None = None,
    temperature: float = 1.0,
) -> Iterator[NudgeStep]:
    """Yield ``steps`` signed-gradient steps lowering the cross-entropy of ``target``, each
    projected back into the epsilon-box around ``image`` (L-infinity) and into [0, 1].
    ``step_size`` defaults to 2.5 * epsilon / steps (Madry et al.), so the box can be crossed."""
    target = check_target(target)
    if not 0 < epsilon <= 1:
        raise ValueError(f"epsilon must be above 0 and at most 1, not {epsilon!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"the number of steps must be a whole number of at least 1, not {steps!r}")
    if not temperature > 0:
        raise ValueError(f"the temperature must be above 0, not {temperature!r}")
    alpha = 2.5 * epsilon / steps if step_size is None else step_size
    with inspecting(model):
        original = as_batch(image, model).clamp(0, 1)
    labels = torch.tensor([target], device=original.device)
    x = original.clone()
    for step in range(1, steps + 1):
        # Eval mode around each step only: the caller may run the model between two yields.
        with inspecting(model), torch.enable_grad():
            x.requires_grad_(True)
            loss = F.cross_entropy(model(x) / temperature, labels)
            (gradient,) = torch.autograd.grad(loss, x)
        with torch.no_grad():
            x = x.detach() - alpha * gradient.sign()
            x = (original + (x - original).clamp(-epsilon, epsilon)).clamp(0, 1)
            with inspecting(model):
                probabilities = torch.softmax(model(x).double() / temperature, dim=1)[0]
        yield NudgeStep(
            step,
            x[0, 0].cpu().numpy().copy(),
            (x - original)[0, 0].cpu().numpy(),
            probabilities.cpu().numpy(),
            target,
        )
