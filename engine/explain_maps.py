"""Explanations for the layers that work on feature maps (and their element-wise kin).

Each function takes a ``Network``, the ``Trace`` of one image and a position, and returns a
dataclass holding the inputs, the weights and each intermediate step in float64, beside
``model_value``: what the network itself computed (float32). The two agree to about 1e-6; a
difference is float32 rounding, never a different formula.

A layer reads the previous layer's output; layer 0 reads the image *standardised*, because the
network's first step is (ink - MNIST_MEAN) / MNIST_STD.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from convlens.engine import spec
from convlens.engine.network import MNIST_MEAN, MNIST_STD, Network, Trace


@dataclass(frozen=True)
class Field:
    """A size x size window on a layer's (unpadded) input: rows top.., columns left...

    ``top`` and ``left`` are negative where the window starts in the zero padding; cells outside
    the input (``padded``) are zeros that the padding added, not values of the input.
    """

    top: int
    left: int
    size: int
    stride: int
    in_size: tuple[int, int]  # (H, W) of the unpadded input
    padding: tuple[int, int, int, int] = (0, 0, 0, 0)  # zeros added: left, right, top, bottom

    @property
    def padded(self) -> np.ndarray:
        """(size, size) bool: True where the window cell lies in the zero padding."""
        rows = np.arange(self.top, self.top + self.size)
        cols = np.arange(self.left, self.left + self.size)
        inside_r = (rows >= 0) & (rows < self.in_size[0])
        inside_c = (cols >= 0) & (cols < self.in_size[1])
        return ~(inside_r[:, None] & inside_c[None, :])

    def cut(self, maps: np.ndarray) -> np.ndarray:
        """The window of (C, H, W) ``maps`` as (C, size, size), zeros where padded."""
        h, w = self.in_size
        out = np.zeros((maps.shape[0], self.size, self.size), dtype=np.float64)
        r0, c0 = max(self.top, 0), max(self.left, 0)
        r1, c1 = min(self.top + self.size, h), min(self.left + self.size, w)
        if r0 < r1 and c0 < c1:
            out[:, r0 - self.top : r1 - self.top, c0 - self.left : c1 - self.left] = maps[
                :, r0:r1, c0:c1
            ]
        return out


def field_of(info: spec.LayerInfo, row: int, col: int) -> Field:
    """The window of a conv or pool layer that gives its output cell (row, col)."""
    layer = info.layer
    if isinstance(layer, spec.Conv):
        size, stride = layer.size, layer.stride
    elif isinstance(layer, spec.Pool):
        size, stride = layer.size, layer.step
    else:
        raise ValueError(f"layer {info.index} ({layer.kind}) has no window")
    left, _, top, _ = info.padding
    in_size = (info.in_shape[1], info.in_shape[2])
    return Field(row * stride - top, col * stride - left, size, stride, in_size, info.padding)


@dataclass(frozen=True)
class Step:
    """One position of a step-through: output cell (row, col), ``index`` of ``count``."""

    index: int
    count: int
    row: int
    col: int
    field: Field


def step_through(info: spec.LayerInfo) -> list[Step]:
    """Every output cell of a conv or pool layer in row-major order, with its window."""
    _, out_h, out_w = info.out_shape
    count = out_h * out_w
    return [
        Step(r * out_w + c, count, r, c, field_of(info, r, c))
        for r in range(out_h)
        for c in range(out_w)
    ]


def standardise(image: np.ndarray) -> np.ndarray:
    """The network's first step, in float32 as it does it: (ink - mean) / std, (1, 28, 28)."""
    ink = np.asarray(image, dtype=np.float32).reshape(1, 28, 28)
    return (ink - np.float32(MNIST_MEAN)) / np.float32(MNIST_STD)


def layer_input(trace: Trace, layer_index: int) -> np.ndarray:
    """What layer ``layer_index`` reads: the standardised image or the previous output."""
    return standardise(trace.image) if layer_index == 0 else trace.outputs[layer_index - 1]


def source_name(model: Network, layer_index: int) -> str:
    """Where a layer's input comes from, in words."""
    if layer_index == 0:
        return "the standardised image"
    return f"layer {layer_index - 1} ({model.infos[layer_index - 1].layer.kind})"


def as_float64(tensor) -> np.ndarray:
    """A parameter or buffer as a float64 NumPy array (copied off any device)."""
    return tensor.detach().cpu().double().numpy()


@dataclass
class ActivationExplanation:
    """f(x) for one value of an activation layer."""

    layer_index: int
    position: tuple[int, ...]  # (channel, row, col) or (unit,)
    function: str
    formula: str  # the function in symbols, e.g. 'max(0, x)'
    input: float
    output: float  # f(input), float64
    model_value: float


def _apply(function: str, x: float, slope: float) -> tuple[str, float]:
    if function == "relu":
        return "max(0, x)", max(0.0, x)
    if function == "leaky_relu":
        return f"x if x > 0 else {slope:g} x", x if x > 0 else slope * x
    if function == "sigmoid":
        # The same number as 1 / (1 + e^-x), without overflowing e^-x for very negative x.
        return "1 / (1 + e^-x)", float(0.5 * (1.0 + np.tanh(0.5 * x)))
    return "tanh(x)", float(np.tanh(x))


def explain_activation(
    model: Network, trace: Trace, layer_index: int, *position: int
) -> ActivationExplanation:
    """f(x) at ``position`` ((channel, row, col) for maps, (unit,) for vectors)."""
    layer = model.infos[layer_index].layer
    slope = getattr(model.layers[layer_index], "negative_slope", 0.0)
    x = float(layer_input(trace, layer_index)[position])
    formula, y = _apply(layer.function, x, slope)
    model_value = float(trace.outputs[layer_index][position])
    return ActivationExplanation(layer_index, position, layer.function, formula, x, y, model_value)


@dataclass
class ConvExplanation:
    """One convolution output, from its receptive field to its pre-activation value."""

    layer_index: int
    channel: int  # which filter
    row: int
    col: int
    source: str  # where the input comes from, in words
    field: Field  # the receptive field on the input
    patch: np.ndarray  # (C_in, k, k) input values under the kernel, 0 where padded
    padded: np.ndarray  # (k, k) bool, True for zero-padding cells
    kernel: np.ndarray  # (C_in, k, k) the filter's weights
    products: np.ndarray  # (C_in, k, k) patch * kernel
    channel_sums: np.ndarray  # (C_in,) sum of each input channel's products
    bias: float
    total: float  # sum(channel_sums) + bias: the pre-activation value
    model_value: float  # trace.outputs[layer_index][channel, row, col]
    ink: np.ndarray | None  # layer 0: (k, k) raw ink before standardising, else None
    activation: ActivationExplanation | None  # the next layer, when it is an activation


def explain_conv(
    model: Network, trace: Trace, layer_index: int, channel: int, row: int, col: int
) -> ConvExplanation:
    """One convolution output: patch x kernel, summed per input channel, plus the bias."""
    info = model.infos[layer_index]
    module = model.layers[layer_index]
    field = field_of(info, row, col)
    patch = field.cut(layer_input(trace, layer_index))
    kernel = as_float64(module.weight[channel])
    products = patch * kernel
    channel_sums = products.sum(axis=(1, 2))
    bias = float(as_float64(module.bias)[channel])
    ink = field.cut(np.asarray(trace.image, np.float64)[None])[0] if layer_index == 0 else None
    following = layer_index + 1
    activation = None
    if following < len(model.infos) and isinstance(model.infos[following].layer, spec.Activation):
        activation = explain_activation(model, trace, following, channel, row, col)
    return ConvExplanation(
        layer_index,
        channel,
        row,
        col,
        source_name(model, layer_index),
        field,
        patch,
        field.padded,
        kernel,
        products,
        channel_sums,
        bias,
        float(channel_sums.sum() + bias),
        float(trace.outputs[layer_index][channel, row, col]),
        ink,
        activation,
    )


@dataclass
class PoolExplanation:
    """One pooled value: the window and the op's result."""

    layer_index: int
    channel: int
    row: int
    col: int
    source: str
    field: Field  # the window on the input map
    values: np.ndarray  # (k, k) the window's values
    op: str  # max, min, average or sum
    result: float
    chosen: tuple[int, int] | None  # max/min: the winning cell within the window
    model_value: float


def explain_pool(
    model: Network, trace: Trace, layer_index: int, channel: int, row: int, col: int
) -> PoolExplanation:
    """One pooled value: the op over its window of the input map."""
    info = model.infos[layer_index]
    op = info.layer.op
    field = field_of(info, row, col)
    values = field.cut(layer_input(trace, layer_index)[channel : channel + 1])[0]
    chosen = None
    if op in ("max", "min"):
        flat = values.argmax() if op == "max" else values.argmin()
        chosen = tuple(int(i) for i in np.unravel_index(flat, values.shape))
        result = float(values[chosen])
    else:
        result = float(values.mean() if op == "average" else values.sum())
    model_value = float(trace.outputs[layer_index][channel, row, col])
    source = source_name(model, layer_index)
    return PoolExplanation(
        layer_index, channel, row, col, source, field, values, op, result, chosen, model_value
    )


@dataclass
class BatchNormExplanation:
    """One value through batch norm, with the statistics learnt in training."""

    layer_index: int
    position: tuple[int, ...]
    input: float
    mean: float  # running mean of the channel (or unit), learnt while training
    var: float  # running variance
    eps: float
    gamma: float  # learnt scale
    beta: float  # learnt shift
    normalised: float  # (input - mean) / sqrt(var + eps)
    output: float  # normalised * gamma + beta
    model_value: float


def explain_batchnorm(
    model: Network, trace: Trace, layer_index: int, *position: int
) -> BatchNormExplanation:
    """(x - mean) / sqrt(var + eps) * gamma + beta, with the running statistics (inference)."""
    module = model.layers[layer_index]
    c = position[0]
    x = float(layer_input(trace, layer_index)[position])
    mean, var = float(module.running_mean[c]), float(module.running_var[c])
    gamma, beta = float(as_float64(module.weight)[c]), float(as_float64(module.bias)[c])
    normalised = (x - mean) / np.sqrt(var + module.eps)
    return BatchNormExplanation(
        layer_index,
        position,
        x,
        mean,
        var,
        module.eps,
        gamma,
        beta,
        float(normalised),
        float(normalised * gamma + beta),
        float(trace.outputs[layer_index][position]),
    )


@dataclass
class DropoutExplanation:
    """One value through dropout, which is off when classifying."""

    layer_index: int
    position: tuple[int, ...]
    rate: float  # share of inputs zeroed while training (the rest scaled by 1 / (1 - rate))
    input: float
    output: float  # the input unchanged: dropout is off when classifying
    model_value: float


def explain_dropout(
    model: Network, trace: Trace, layer_index: int, *position: int
) -> DropoutExplanation:
    """Dropout at inference: the identity."""
    x = float(layer_input(trace, layer_index)[position])
    rate = model.infos[layer_index].layer.rate
    model_value = float(trace.outputs[layer_index][position])
    return DropoutExplanation(layer_index, position, rate, x, x, model_value)
