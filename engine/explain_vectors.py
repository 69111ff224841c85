"""Explanations for the flat end of the network: flatten, dense layers and the softmax.

Numbers are float64 beside ``model_value`` (the network's float32), as in ``explain_maps``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from convlens.engine import spec
from convlens.engine.explain_maps import as_float64, layer_input, source_name
from convlens.engine.network import Network, Trace


def flatten_index(shape: spec.Shape, order: str, channel: int, row: int, col: int) -> int:
    """Where map cell (channel, row, col) of (C, H, W) maps lands in the flat vector."""
    _, h, w = shape
    if order == "column":
        return channel * h * w + col * h + row
    return channel * h * w + row * w + col


def flatten_mapping(shape: spec.Shape, order: str) -> np.ndarray:
    """(C, H, W) ints: the vector index of every map cell."""
    c, h, w = shape
    channels, rows, cols = np.indices((c, h, w))
    return flatten_index(shape, order, channels, rows, cols)


def flatten_source(shape: spec.Shape, order: str, index: int) -> tuple[int, int, int]:
    """The map cell (channel, row, col) that vector element ``index`` came from."""
    c, h, w = shape
    if not 0 <= index < c * h * w:
        raise IndexError(f"index {index} is outside a flattened {shape}")
    channel, rest = divmod(index, h * w)
    if order == "column":
        col, row = divmod(rest, h)
    else:
        row, col = divmod(rest, w)
    return channel, row, col


@dataclass
class FlattenExplanation:
    """Where one map cell lands in the flat vector."""

    layer_index: int
    channel: int  # the map cell, on the flatten's input
    row: int
    col: int
    shape: spec.Shape  # (C, H, W) of the input maps
    order: str  # the layer's order, 'row' or 'column'
    index: int  # where the cell lands, in the layer's order
    row_major_index: int  # c*H*W + row*W + col
    column_major_index: int  # c*H*W + col*H + row
    input: float | None  # the cell's value (None without a trace)
    model_value: float | None  # the vector's element ``index`` (None without a trace)


def explain_flatten(
    model: Network,
    layer_index: int,
    channel: int,
    row: int,
    col: int,
    trace: Trace | None = None,
) -> FlattenExplanation:
    """Where one map cell lands in the vector, in row-major and column-major order."""
    info = model.infos[layer_index]
    shape, order = info.in_shape, info.layer.order
    index = flatten_index(shape, order, channel, row, col)
    value = model_value = None
    if trace is not None:
        value = float(layer_input(trace, layer_index)[channel, row, col])
        model_value = float(trace.outputs[layer_index][index])
    return FlattenExplanation(
        layer_index,
        channel,
        row,
        col,
        shape,
        order,
        index,
        flatten_index(shape, "row", channel, row, col),
        flatten_index(shape, "column", channel, row, col),
        value,
        model_value,
    )


def input_name(model: Network, layer_index: int, i: int) -> str:
    """Names input ``i`` of a vector layer: the map cell it came from when a flatten is upstream."""
    j = layer_index - 1
    # Element-wise layers keep positions, so look through them for the flatten.
    while j >= 0 and isinstance(
        model.infos[j].layer, spec.Activation | spec.Dropout | spec.BatchNorm
    ):
        j -= 1
    if j >= 0 and isinstance(model.infos[j].layer, spec.Flatten):
        info = model.infos[j]
        c, r, k = flatten_source(info.in_shape, info.layer.order, i)
        return f"x[{i}]: map {c} at row {r}, col {k}"
    return f"x[{i}]: unit {i} of layer {layer_index - 1}"


@dataclass
class DenseExplanation:
    """One unit of x W + b and its largest contributions."""

    layer_index: int
    unit: int
    source: str
    x: np.ndarray  # (N,) the input vector, shown as a (1, N) row
    weights: np.ndarray  # (N,) column ``unit`` of W, which is (N, M)
    bias: float  # b[unit], b is (M,)
    contributions: np.ndarray  # (N,) x * w
    top: np.ndarray  # indices of the largest |contributions|, largest first
    top_names: list[str]  # where each of the top inputs came from
    rest: float  # sum of the contributions not in ``top``
    total: float  # contributions.sum() + bias
    model_value: float
    n_in: int  # N
    n_out: int  # M


def explain_dense(
    model: Network, trace: Trace, layer_index: int, unit: int, top: int = 5
) -> DenseExplanation:
    """One unit of x W + b, with its ``top`` largest contributions named."""
    module = model.layers[layer_index]
    x = np.asarray(layer_input(trace, layer_index), dtype=np.float64)
    weights = as_float64(module.weight[unit])  # torch stores W transposed, (M, N)
    bias = float(as_float64(module.bias)[unit])
    contributions = x * weights
    largest = np.argsort(-np.abs(contributions), kind="stable")[:top]
    rest = float(contributions.sum() - contributions[largest].sum())
    return DenseExplanation(
        layer_index,
        unit,
        source_name(model, layer_index),
        x,
        weights,
        bias,
        contributions,
        largest,
        [input_name(model, layer_index, int(i)) for i in largest],
        rest,
        float(contributions.sum() + bias),
        float(trace.outputs[layer_index][unit]),
        module.in_features,
        module.out_features,
    )


@dataclass
class SoftmaxExplanation:
    """The logits, divided by the model's temperature, turned into probabilities adding to 1."""

    logits: np.ndarray  # (10,) z, the last layer's outputs
    temperature: float  # T: the model's probabilities are softmax(z / T)
    scaled: np.ndarray  # z / T
    shift: float  # max(z / T): subtracting it keeps e^x from overflowing, and cancels
    exps: np.ndarray  # e^(z / T - shift)
    exp_sum: float  # sum of exps
    probabilities: np.ndarray  # exps / exp_sum
    total: float  # sum of probabilities: 1
    model_probabilities: np.ndarray  # what the trace holds (float32)


def explain_softmax(trace: Trace) -> SoftmaxExplanation:
    """p_i = e^(z_i / T) / sum_j e^(z_j / T), computed with max(z / T) subtracted first.

    T is the temperature the model was calibrated with (1 for a plain softmax): it changes how
    sure the probabilities are, never which digit wins.
    """
    logits = np.asarray(trace.logits, dtype=np.float64)
    temperature = float(trace.temperature)
    scaled = logits / temperature
    shift = float(scaled.max())
    exps = np.exp(scaled - shift)
    exp_sum = float(exps.sum())
    probabilities = exps / exp_sum
    return SoftmaxExplanation(
        logits,
        temperature,
        scaled,
        shift,
        exps,
        exp_sum,
        probabilities,
        float(probabilities.sum()),
        trace.probabilities,
    )
