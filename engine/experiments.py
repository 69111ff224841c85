"""Ready-made experiments: one setting swept over values chosen to show one lesson each.

Each names the network it runs on (a preset: the lesson needs a layer of the right kind) and
how much it trains: 1,000 images are few enough that a large network learns them by heart
(overfitting shows), and the runs are short enough for a whole sweep to take about a minute
on two cores (the GUI measures 2,000 held-out images once per epoch on top).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Experiment:
    """A sweep of ``setting`` (an engine.sweep setting) over ``values``, and what it shows."""

    title: str  # the menu entry
    setting: str
    values: tuple  # in the order they are run and plotted
    look_for: str  # one sentence: what the plot should show
    architecture: str  # the preset it runs on (engine.presets)
    layer: int | None = None  # the layer it changes (None: engine.sweep's default)
    images: int = 1000  # training images
    epochs: int = 5


EXPERIMENTS = (
    Experiment(
        "Dense units 4 to 1024: under- then overfitting",
        "units",
        (4, 16, 64, 256, 1024),
        "With 4 units both accuracies stay low (underfitting); as units grow the training "
        "accuracy climbs towards 100% while the validation accuracy levels off below it "
        "(overfitting).",
        "default",
    ),
    Experiment(
        "Dropout 0 to 0.7: fighting overfitting",
        "dropout",
        (0.0, 0.2, 0.4, 0.6, 0.7),
        "More dropout pulls the training accuracy down towards the validation accuracy: the "
        "gap that is overfitting narrows, until too much dropout costs both.",
        "default",
    ),
    Experiment(
        "Sigmoid vs tanh vs ReLU on a deep network: vanishing gradients",
        "activation",
        ("sigmoid", "tanh", "relu"),
        "Through five sigmoid layers the gradient fades before it reaches the first ones, so "
        "that network barely learns in these few epochs; tanh and ReLU pass it on and learn.",
        "deep_sigmoid",
    ),
    Experiment(
        "Stride 1 vs 2 vs 3: map size against accuracy",
        "stride",
        (1, 2, 3),
        "A larger stride of the first convolution makes its maps smaller (28, 14, then 10 "
        "across) and the network cheaper and smaller, at some cost in accuracy.",
        "fast",
        layer=0,
    ),
    Experiment(
        "L2 λ 0 to 0.01: weight decay against overfitting",
        "l2",
        (0.0, 0.0001, 0.001, 0.003, 0.01),
        "As λ grows the training accuracy falls towards the validation accuracy: the gap "
        "that is overfitting closes (at 0.01 it is gone); a larger λ still would pull both "
        "down (underfitting).",
        "lenet5",  # no dropout nor batch norm: L2 alone fights the overfitting
    ),
)
