"""Explain mode: how any value of a traced image was computed, with every number shown.

``explain(model, trace, layer_index, channel, row, col)`` returns the explanation of one value
of any layer (or of the softmax after the last one); the per-kind functions live in
``engine.explain_maps`` (conv, pool, activation, batch norm, dropout) and
``engine.explain_vectors`` (flatten, dense, softmax) and are re-exported here. Every
explanation holds float64 arithmetic beside the network's own ``model_value``.
"""

from __future__ import annotations

from convlens.engine import spec
from convlens.engine.explain_maps import (
    ActivationExplanation,
    BatchNormExplanation,
    ConvExplanation,
    DropoutExplanation,
    Field,
    PoolExplanation,
    Step,
    explain_activation,
    explain_batchnorm,
    explain_conv,
    explain_dropout,
    explain_pool,
    field_of,
    layer_input,
    standardise,
    step_through,
)
from convlens.engine.explain_vectors import (
    DenseExplanation,
    FlattenExplanation,
    SoftmaxExplanation,
    explain_dense,
    explain_flatten,
    explain_softmax,
    flatten_index,
    flatten_mapping,
    flatten_source,
)
from convlens.engine.network import Network, Trace

__all__ = [
    "ActivationExplanation",
    "BatchNormExplanation",
    "ConvExplanation",
    "DenseExplanation",
    "DropoutExplanation",
    "Explanation",
    "Field",
    "FlattenExplanation",
    "PoolExplanation",
    "SoftmaxExplanation",
    "Step",
    "explain",
    "explain_activation",
    "explain_batchnorm",
    "explain_conv",
    "explain_dense",
    "explain_dropout",
    "explain_flatten",
    "explain_pool",
    "explain_softmax",
    "field_of",
    "flatten_index",
    "flatten_mapping",
    "flatten_source",
    "layer_input",
    "standardise",
    "step_through",
]

Explanation = (
    ConvExplanation
    | PoolExplanation
    | ActivationExplanation
    | BatchNormExplanation
    | DropoutExplanation
    | FlattenExplanation
    | DenseExplanation
    | SoftmaxExplanation
)


def explain(
    model: Network, trace: Trace, layer_index: int, channel: int, row: int = 0, col: int = 0
) -> Explanation:
    """The explanation of output (channel, row, col) of layer ``layer_index``.

    For a flat output (flatten, dense, and what follows them) ``channel`` is the unit and
    ``row``/``col`` are ignored; a flatten unit is explained from the map cell it came from.
    ``layer_index == len(model.layers)`` means the softmax after the last layer.
    """
    if layer_index == len(model.layers):
        return explain_softmax(trace)
    info = model.infos[layer_index]
    layer = info.layer
    position = (channel, row, col) if len(info.out_shape) == 3 else (channel,)
    if isinstance(layer, spec.Conv):
        return explain_conv(model, trace, layer_index, channel, row, col)
    if isinstance(layer, spec.Pool):
        return explain_pool(model, trace, layer_index, channel, row, col)
    if isinstance(layer, spec.Flatten):
        cell = flatten_source(info.in_shape, layer.order, channel)
        return explain_flatten(model, layer_index, *cell, trace=trace)
    if isinstance(layer, spec.Dense):
        return explain_dense(model, trace, layer_index, channel)
    if isinstance(layer, spec.Activation):
        return explain_activation(model, trace, layer_index, *position)
    if isinstance(layer, spec.BatchNorm):
        return explain_batchnorm(model, trace, layer_index, *position)
    return explain_dropout(model, trace, layer_index, *position)
