"""Plain-language names for layers and shapes: the one place a layer is described in words."""

from __future__ import annotations

from convlens.engine import spec
from convlens.engine.choices import ACTIVATIONS, POOL_OPS


def shape_text(shape: tuple[int, ...]) -> str:
    """'16 maps 28×28' for (C, H, W), '128 values' for (N,)."""
    if len(shape) == 3:
        count, height, width = shape
        return f"{count} map{'s' if count != 1 else ''} {height}×{width}"
    return f"{shape[0]} values"


def describe_layer(layer: spec.LayerSpec, last: bool = False) -> str:
    """What a layer does, in a few words: 'Conv 16 filters 5×5, same padding'. Values that are
    not allowed (read from a file) are shown as they are: the editor explains them."""
    if isinstance(layer, spec.Conv):
        padding = layer.padding if isinstance(layer.padding, str) else f"{layer.padding} px"
        stride = f", stride {layer.stride}" if layer.stride != 1 else ""
        return f"Conv {layer.filters} filters {layer.size}×{layer.size}{stride}, {padding} padding"
    if isinstance(layer, spec.Activation):
        return f"Activation {ACTIVATIONS.get(layer.function, layer.function)}"
    if isinstance(layer, spec.Pool):
        stride = f", stride {layer.step}" if layer.step != layer.size else ""
        return f"{POOL_OPS.get(layer.op, layer.op)} pool {layer.size}×{layer.size}{stride}"
    if isinstance(layer, spec.Flatten):
        return f"Flatten ({layer.order} by {layer.order})"
    if isinstance(layer, spec.Dense):
        return f"Dense {layer.units} units" + (": the logits" if last else "")
    if isinstance(layer, spec.Dropout):
        rate = f"{layer.rate:.0%}" if isinstance(layer.rate, int | float) else repr(layer.rate)
        return f"Dropout {rate} (inactive when predicting)"
    if isinstance(layer, spec.BatchNorm):
        return "Batch normalization"
    return type(layer).__name__


def panel_title(info: spec.LayerInfo, last: bool = False) -> str:
    """'Layer 0 · Conv 16 filters 5×5, same padding → 16 maps 28×28 · 416 parameters'."""
    params = f" · {info.params:,} parameters" if info.params else ""
    return (
        f"Layer {info.index} · {describe_layer(info.layer, last)} → "
        f"{shape_text(info.out_shape)}{params}"
    )
