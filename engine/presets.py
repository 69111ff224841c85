"""Ready-made architectures: the default, a fast one, a LeNet-5 style network, a tiny one and a
sigmoid one."""

from __future__ import annotations

from convlens.engine.spec import (
    Activation,
    Architecture,
    BatchNorm,
    Conv,
    Dense,
    Dropout,
    Flatten,
    Pool,
)


def default() -> Architecture:
    """Small, fast and accurate: two conv blocks and one hidden dense layer."""
    return Architecture(
        [
            Conv(16, 5, padding="same"),
            Activation("relu"),
            Pool("max", 2),
            Conv(48, 3, padding="same"),
            Activation("relu"),
            Pool("max", 2),
            Flatten("row"),
            Dropout(0.25),
            Dense(128),
            Activation("relu"),
            Dropout(0.25),
            Dense(10),
        ],
        name="default",
    )


def fast() -> Architecture:
    """99% in one pass over MNIST on a laptop CPU (see engine.recipes for why it is so)."""
    return Architecture(
        [
            Conv(16, 5, stride=2, padding=2),  # 28 -> 14 at once: a quarter of the positions
            BatchNorm(),
            Activation("relu"),
            Conv(32, 3, padding=1),
            Pool("max", 2),  # before the batch norm and ReLU: they then see a quarter as much
            BatchNorm(),
            Activation("relu"),
            Flatten("row"),
            Dense(128),
            Activation("relu"),
            Dense(10),
        ],
        name="fast",
    )


def lenet5() -> Architecture:
    """LeCun et al. 1998 in spirit: 6 and 16 5x5 filters, average pooling, tanh, 120-84-10."""
    return Architecture(
        [
            Conv(6, 5, padding="same"),
            Activation("tanh"),
            Pool("average", 2),
            Conv(16, 5),
            Activation("tanh"),
            Pool("average", 2),
            Flatten("row"),
            Dense(120),
            Activation("tanh"),
            Dense(84),
            Activation("tanh"),
            Dense(10),
        ],
        name="lenet5",
    )


def tiny() -> Architecture:
    """Four 5x5 filters: few enough maps to watch each one learn."""
    return Architecture(
        [
            Conv(4, 5),
            Activation("relu"),
            Pool("max", 2),
            Flatten("row"),
            Dense(10),
        ],
        name="tiny",
    )


def deep_sigmoid() -> Architecture:
    """Sigmoids all the way down: the early layers' gradients fade (vanishing gradient)."""
    return Architecture(
        [
            Conv(8, 3, padding="same"),
            Activation("sigmoid"),
            Conv(8, 3, padding="same"),
            Activation("sigmoid"),
            Pool("max", 2),
            Conv(16, 3, padding="same"),
            Activation("sigmoid"),
            Pool("max", 2),
            Flatten("row"),
            Dense(64),
            Activation("sigmoid"),
            Dense(32),
            Activation("sigmoid"),
            Dense(10),
        ],
        name="deep_sigmoid",
    )


PRESETS = {
    "default": default,
    "fast": fast,
    "lenet5": lenet5,
    "tiny": tiny,
    "deep_sigmoid": deep_sigmoid,
}


def preset_or_file(name: str | None) -> Architecture:
    """A preset by name, else an architecture JSON file (None: the default network)."""
    if name is None:
        return default()
    if name in PRESETS:
        return PRESETS[name]()
    return Architecture.from_file(name)
