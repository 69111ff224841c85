"""Turn an ``Architecture`` into a torch module that can also show its intermediate tensors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from convlens.engine import spec
from torch import nn

# MNIST pixel statistics: inputs are ink in [0, 1]; the network standardises them itself, so
# callers (the canvas, image files, the data set) never need to know these numbers.
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081


class ZeroPadConv(nn.Conv2d):
    """A convolution whose zero padding may differ per side ('same' with an even kernel)."""

    def __init__(self, in_channels: int, layer: spec.Conv, padding: tuple[int, int, int, int]):
        symmetric = len(set(padding)) == 1
        super().__init__(
            in_channels,
            layer.filters,
            layer.size,
            stride=layer.stride,
            padding=padding[0] if symmetric else 0,
        )
        self.side_padding = None if symmetric else padding  # for F.pad: left, right, top, bottom

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.side_padding is not None:
            x = F.pad(x, self.side_padding)
        return super().forward(x)


class Pool2d(nn.Module):
    """Max, min, average or sum of each window."""

    def __init__(self, layer: spec.Pool):
        super().__init__()
        self.op, self.size, self.stride = layer.op, layer.size, layer.step

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.op == "max":
            return F.max_pool2d(x, self.size, self.stride)
        if self.op == "min":
            return -F.max_pool2d(-x, self.size, self.stride)
        mean = F.avg_pool2d(x, self.size, self.stride)
        return mean if self.op == "average" else mean * (self.size * self.size)

    def extra_repr(self) -> str:
        return f"op={self.op}, size={self.size}, stride={self.stride}"


class Flatten(nn.Module):
    """Maps one after another, each read row by row (row-major) or column by column."""

    def __init__(self, order: str):
        super().__init__()
        self.order = order

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, H, W) -> (B, C*H*W)
        if self.order == "column":
            x = x.transpose(-1, -2)
        return x.flatten(1)

    def extra_repr(self) -> str:
        return f"order={self.order}"


class Dropout(nn.Dropout):
    """nn.Dropout with its mask drawn by ``torch.rand``: on the CPU ``bernoulli_``, which
    nn.Dropout uses, is about 3x slower, and was 8% of a training step of the default network."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        keep = (torch.rand_like(x) >= self.p).to(x.dtype)
        return x * keep * (1 / (1 - self.p))


ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
}


def forward_order(layers: list[nn.Module]) -> list[nn.Module]:
    """``layers`` in the order ``forward`` runs them: an activation followed by a max or min
    pool runs after the pool instead. Every activation here is non-decreasing, so it commutes
    with taking a window's largest or smallest value (gradients included), and it then sees
    a quarter of the values (a 2x2 pool): 6-8% of a training step of the default network."""
    activations = tuple(ACTIVATIONS.values())
    order = list(layers)
    for i in range(len(order) - 1):
        activation, pool = order[i], order[i + 1]
        if isinstance(activation, activations) and (
            isinstance(pool, Pool2d) and pool.op in ("max", "min")
        ):
            order[i], order[i + 1] = pool, activation
    return order


def _module(info: spec.LayerInfo) -> nn.Module:
    layer = info.layer
    if isinstance(layer, spec.Conv):
        return ZeroPadConv(info.in_shape[0], layer, info.padding)
    if isinstance(layer, spec.Activation):
        return ACTIVATIONS[layer.function]()
    if isinstance(layer, spec.Pool):
        return Pool2d(layer)
    if isinstance(layer, spec.Flatten):
        return Flatten(layer.order)
    if isinstance(layer, spec.Dense):
        return nn.Linear(info.in_shape[0], layer.units)
    if isinstance(layer, spec.Dropout):
        return Dropout(layer.rate)
    if isinstance(layer, spec.BatchNorm):
        return (
            nn.BatchNorm2d(info.in_shape[0])
            if len(info.in_shape) == 3
            else nn.BatchNorm1d(info.in_shape[0])
        )
    raise spec.ArchitectureError(info.index, f"unknown layer {layer!r}")


class Network(nn.Module):
    """The CNN described by an ``Architecture``; ``forward`` returns logits.

    Inputs are (B, 1, 28, 28) ink intensities in [0, 1]; the module standardises them.
    ``temperature`` is how its probabilities are made, softmax(logits / temperature): a plain
    attribute (1.0 unless a model file says otherwise), not a weight, so not in the state_dict.
    """

    temperature: float = 1.0

    def __init__(self, architecture: spec.Architecture):
        super().__init__()
        self.architecture = architecture
        self.infos = architecture.validate()
        self.layers = nn.ModuleList(_module(info) for info in self.infos)
        for before, layer in zip(self.layers, self.layers[1:], strict=False):
            if isinstance(layer, nn.ReLU) and isinstance(before, nn.Conv2d | nn.Linear):
                # Their backward needs their input, not their output, so the ReLU may
                # overwrite it: one tensor less to allocate and fill (5-10% of a step). So
                # does a max pool's, which forward_order may run between the two.
                layer.inplace = True
        self._forward_order = forward_order(self.layers)  # a plain list: not registered twice
        self.register_buffer("mean", torch.tensor(MNIST_MEAN), persistent=False)
        self.register_buffer("std", torch.tensor(MNIST_STD), persistent=False)

    def replace_layer(self, index: int, module: nn.Module) -> None:
        """Put ``module`` in place of layer ``index`` (for training: engine.distributed)."""
        self.layers[index] = module
        self._forward_order = forward_order(self.layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - self.mean) / self.std
        for layer in self._forward_order:
            x = layer(x)
        return x

    def trace(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Every layer's output for a batch (B, 1, 28, 28); the last one is the logits."""
        outputs = []
        x = (x - self.mean) / self.std
        for layer in self.layers:
            if getattr(layer, "inplace", False):
                x = x.clone()  # the previous layer's output is shown too: keep it intact
            x = layer(x)
            outputs.append(x)
        return outputs


@dataclass
class Trace:
    """One image through the network, as NumPy arrays without the batch dimension."""

    image: np.ndarray  # (28, 28) ink in [0, 1], what the network sees
    outputs: list[np.ndarray]  # outputs[i]: layer i's output, (C, H, W) maps or (N,) vectors
    probabilities: np.ndarray  # (10,) softmax(logits / temperature), sums to 1
    temperature: float = 1.0  # the model's, when the trace was made

    @property
    def logits(self) -> np.ndarray:
        return self.outputs[-1]

    @property
    def digit(self) -> int:
        return int(self.probabilities.argmax())


def probabilities_of(model: Network, logits: torch.Tensor) -> torch.Tensor:
    """softmax(logits / T) over the last dimension, T the model's temperature, in float32."""
    return torch.softmax(logits.float() / model.temperature, dim=-1)


@torch.no_grad()
def trace_image(model: Network, image: np.ndarray) -> Trace:
    """Run one (28, 28) image through ``model`` in eval mode on the CPU side of the caller."""
    device = next(model.parameters()).device
    x = torch.as_tensor(image, dtype=torch.float32, device=device).reshape(1, 1, 28, 28)
    if model.training:
        model.eval()
        try:
            outputs = model.trace(x)
        finally:
            model.train()
    else:  # the app's model always is: toggling every module costs more than a small layer
        outputs = model.trace(x)
    probabilities = probabilities_of(model, outputs[-1])
    return Trace(
        image=np.asarray(image, dtype=np.float32).reshape(28, 28),
        outputs=[out[0].float().cpu().numpy() for out in outputs],
        probabilities=probabilities[0].cpu().numpy(),
        temperature=float(model.temperature),
    )


@torch.no_grad()
def predict(model: Network, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Probabilities (N, 10), softmax(logits / T), for (N, 28, 28) or (N, 1, 28, 28) images."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        chunks = []
        for start in range(0, len(images), batch_size):
            batch = images[start : start + batch_size].to(device, torch.float32)
            chunks.append(probabilities_of(model, model(batch.reshape(-1, 1, 28, 28))))
        return torch.cat(chunks).cpu() if chunks else torch.empty(0, 10)
    finally:
        model.train(was_training)
