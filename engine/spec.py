"""Architectures as data: an ordered list of layer specs, checked against a 1x28x28 input.

A network is grown and shrunk like a Keras ``Sequential`` model (push, pop, insert, remove)
and saved as JSON. ``analyse`` infers every layer's output shape and parameter count, and
stops at the first layer that cannot work, naming its index and the reason.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field, fields
from typing import ClassVar

from convlens.engine import bounded_json
from convlens.engine.choices import ACTIVATIONS, FLATTEN_ORDERS, POOL_OPS
from convlens.engine.files import read_limited
from convlens.engine.limits import (
    MAX_JSON_CHARS,
    MAX_LAYERS,
    MAX_NAME_CHARS,
    ArchitectureError,
    check_size,
    check_totals,
    positive_int,
    show,
    whole,
)

INPUT_SHAPE = (1, 28, 28)  # (C, H, W): one grey MNIST image
NUM_CLASSES = 10

Shape = tuple[int, ...]  # (C, H, W) for maps, (N,) for vectors


@dataclass
class Conv:
    filters: int = 8  # number of kernels = depth of the output
    size: int = 3  # each kernel is size x size (x input depth)
    stride: int = 1  # step between positions: bigger stride, smaller map
    padding: str | int = "valid"  # 'valid' (none), 'same' (keeps size at stride 1) or a width
    kind: ClassVar[str] = "conv"


@dataclass
class Activation:
    function: str = "relu"  # relu, leaky_relu, sigmoid or tanh
    kind: ClassVar[str] = "activation"
    FUNCTIONS: ClassVar[tuple[str, ...]] = tuple(ACTIVATIONS)


@dataclass
class Pool:
    op: str = "max"  # max, min, average or sum over each window
    size: int = 2  # window is size x size
    stride: int | None = None  # None: same as size (windows do not overlap)
    kind: ClassVar[str] = "pool"
    OPS: ClassVar[tuple[str, ...]] = tuple(POOL_OPS)

    @property
    def step(self) -> int:
        return self.size if self.stride is None else self.stride


@dataclass
class Flatten:
    order: str = "row"  # 'row': each map read row by row; 'column': column by column
    kind: ClassVar[str] = "flatten"
    ORDERS: ClassVar[tuple[str, ...]] = tuple(FLATTEN_ORDERS)  # a tuple: any value is compared


@dataclass
class Dense:
    units: int = 10  # outputs of x W + b
    kind: ClassVar[str] = "dense"


@dataclass
class Dropout:
    rate: float = 0.25  # share of inputs zeroed while training
    kind: ClassVar[str] = "dropout"


@dataclass
class BatchNorm:
    kind: ClassVar[str] = "batchnorm"


LayerSpec = Conv | Activation | Pool | Flatten | Dense | Dropout | BatchNorm
LAYER_TYPES: dict[str, type] = {
    cls.kind: cls for cls in (Conv, Activation, Pool, Flatten, Dense, Dropout, BatchNorm)
}


@dataclass(frozen=True)
class LayerInfo:
    """What ``analyse`` found for one layer."""

    index: int
    layer: LayerSpec
    in_shape: Shape
    out_shape: Shape
    params: int
    padding: tuple[int, int, int, int] = (0, 0, 0, 0)  # conv zero padding: left, right, top, bottom
    work: int = 0  # multiply-adds per image (conv, dense), window reads (pool), else one a value


@dataclass
class Analysis:
    """Per-layer shapes up to the first error (``error`` is None for a valid network)."""

    layers: list[LayerInfo]
    error: ArchitectureError | None

    @property
    def params(self) -> int:
        return sum(info.params for info in self.layers)

    @property
    def work(self) -> int:
        """Multiply-adds (and the like) for one image through every layer."""
        return sum(info.work for info in self.layers)


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """Zero padding (before, after) that gives ceil(size / stride) outputs, as Keras does."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _conv_info(i: int, layer: Conv, shape: Shape) -> LayerInfo:
    filters = positive_int(layer.filters, "number of filters", i)
    k = positive_int(layer.size, "filter size", i)
    s = positive_int(layer.stride, "stride", i)
    c, h, w = shape
    if layer.padding == "valid":
        pads = (0, 0, 0, 0)
    elif layer.padding == "same":
        pads = same_padding(w, k, s) + same_padding(h, k, s)
    elif isinstance(layer.padding, int) and not isinstance(layer.padding, bool):
        if layer.padding < 0:
            raise ArchitectureError(i, f"padding must be 0 or more, not {layer.padding}")
        pads = (whole(layer.padding, "padding", i, 0),) * 4
    else:
        raise ArchitectureError(
            i, f"padding must be 'valid', 'same' or a width, not {show(layer.padding)}"
        )
    padded_h, padded_w = h + pads[2] + pads[3], w + pads[0] + pads[1]
    check_size(i, "its padded input", (c, padded_h, padded_w))
    if k > padded_h or k > padded_w:
        raise ArchitectureError(
            i, f"filter {k}x{k} is larger than its {padded_h}x{padded_w} (padded) input"
        )
    out = (filters, (padded_h - k) // s + 1, (padded_w - k) // s + 1)
    check_size(i, "its output", out)
    work = math.prod(out) * c * k * k
    return LayerInfo(i, layer, shape, out, filters * (c * k * k + 1), pads, work)


def _pool_info(i: int, layer: Pool, shape: Shape) -> LayerInfo:
    if layer.op not in Pool.OPS:
        raise ArchitectureError(
            i, f"pooling must be one of {', '.join(Pool.OPS)}, not {show(layer.op)}"
        )
    k = positive_int(layer.size, "pooling window", i)
    s = positive_int(layer.step, "pooling stride", i)
    c, h, w = shape
    if k > h or k > w:
        raise ArchitectureError(i, f"pooling window {k}x{k} is larger than its {h}x{w} input")
    out = (c, (h - k) // s + 1, (w - k) // s + 1)
    return LayerInfo(i, layer, shape, out, 0, work=math.prod(out) * k * k)


def _layer_info(i: int, layer: LayerSpec, shape: Shape) -> LayerInfo:
    flat = len(shape) == 1
    if isinstance(layer, Conv | Pool | Flatten) and flat:
        raise ArchitectureError(i, f"{layer.kind} needs feature maps, but its input is flat")
    if isinstance(layer, Conv):
        return _conv_info(i, layer, shape)
    if isinstance(layer, Pool):
        return _pool_info(i, layer, shape)
    if isinstance(layer, Flatten):
        if layer.order not in Flatten.ORDERS:  # (a dict's keys: a list in a file raised)
            raise ArchitectureError(
                i, f"flatten order must be 'row' or 'column', not {show(layer.order)}"
            )
        return LayerInfo(i, layer, shape, (math.prod(shape),), 0, work=math.prod(shape))
    if isinstance(layer, Dense):
        if not flat:
            raise ArchitectureError(i, "dense needs a flat input: add a flatten layer before it")
        units = positive_int(layer.units, "number of units", i)
        params = units * (shape[0] + 1)
        return LayerInfo(i, layer, shape, (units,), params, work=units * shape[0])
    elementwise = math.prod(shape)
    if isinstance(layer, Activation):
        if layer.function not in Activation.FUNCTIONS:
            choices = ", ".join(Activation.FUNCTIONS)
            raise ArchitectureError(
                i, f"activation must be one of {choices}, not {show(layer.function)}"
            )
        return LayerInfo(i, layer, shape, shape, 0, work=elementwise)
    if isinstance(layer, Dropout):
        rate = layer.rate
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate < 1:
            raise ArchitectureError(
                i, f"dropout rate must be at least 0 and below 1, not {show(rate)}"
            )
        return LayerInfo(i, layer, shape, shape, 0, work=elementwise)
    if isinstance(layer, BatchNorm):
        return LayerInfo(i, layer, shape, shape, 2 * shape[0], work=elementwise)
    raise ArchitectureError(i, f"unknown layer {show(layer)}")


@dataclass
class Architecture:
    """The layer list, input first; the last layer is a 10-unit dense layer, then softmax."""

    layers: list[LayerSpec] = field(default_factory=list)
    name: str = "custom"

    # Keras Sequential-style editing
    def push(self, layer: LayerSpec) -> Architecture:
        self.layers.append(layer)
        return self

    def pop(self) -> LayerSpec:
        return self.layers.pop()

    def insert(self, index: int, layer: LayerSpec) -> None:
        self.layers.insert(index, layer)

    def remove(self, index: int) -> LayerSpec:
        return self.layers.pop(index)

    def move(self, index: int, new_index: int) -> None:
        self.layers.insert(new_index, self.layers.pop(index))

    def analyse(self) -> Analysis:
        """Shapes and parameter counts, up to the first impossible layer."""
        infos: list[LayerInfo] = []
        shape: Shape = INPUT_SHAPE
        try:
            if len(self.layers) > MAX_LAYERS:
                raise ArchitectureError(
                    None, f"{len(self.layers):,} layers, more than the {MAX_LAYERS} allowed"
                )
            for i, layer in enumerate(self.layers):
                info = _layer_info(i, layer, shape)
                if 0 in info.out_shape:
                    raise ArchitectureError(i, f"output {info.out_shape} is empty")
                infos.append(info)
                shape = info.out_shape
                check_totals(infos)
            last = self.layers[-1] if self.layers else None
            if not isinstance(last, Dense) or last.units != NUM_CLASSES:
                raise ArchitectureError(
                    None,
                    f"the last layer must be a dense layer of {NUM_CLASSES} units (one per digit)",
                )
        except ArchitectureError as error:
            return Analysis(infos, error)
        return Analysis(infos, None)

    def validate(self) -> list[LayerInfo]:
        """Every layer's shapes, or ArchitectureError for an impossible network."""
        analysis = self.analyse()
        if analysis.error is not None:
            raise analysis.error
        return analysis.layers

    # JSON
    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "layers": [{"kind": layer.kind, **asdict(layer)} for layer in self.layers],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: dict) -> Architecture:
        """The architecture ``to_dict`` describes; its settings are checked by ``analyse``."""
        if not isinstance(data, dict) or not isinstance(data.get("layers"), list):
            raise ArchitectureError(None, "an architecture is an object with a 'layers' list")
        if len(data["layers"]) > MAX_LAYERS:
            raise ArchitectureError(
                None, f"{len(data['layers']):,} layers, more than the {MAX_LAYERS} allowed"
            )
        name = data.get("name", "custom")
        if not isinstance(name, str) or len(name) > MAX_NAME_CHARS:
            raise ArchitectureError(
                None, f"the name must be text of at most {MAX_NAME_CHARS} characters"
            )
        layers = []
        for i, entry in enumerate(data["layers"]):
            kind = entry.get("kind") if isinstance(entry, dict) else None
            if not isinstance(kind, str) or kind not in LAYER_TYPES:
                raise ArchitectureError(i, f"unknown layer kind in {show(entry)}")
            layer_type = LAYER_TYPES[kind]
            known = {f.name for f in fields(layer_type)}
            unknown = set(entry) - known - {"kind"}
            if unknown:
                raise ArchitectureError(i, f"{kind} has no setting {show(sorted(unknown))}")
            layers.append(layer_type(**{k: v for k, v in entry.items() if k in known}))
        return cls(layers, name)

    @classmethod
    def from_json(cls, text: str | bytes) -> Architecture:
        """Parse ``to_json``'s output (bounded: see engine.bounded_json); not yet validated."""
        try:
            data = bounded_json.loads(text, max_depth=4, max_chars=MAX_JSON_CHARS)
        except bounded_json.JsonError as error:
            raise ArchitectureError(None, str(error)) from None
        return cls.from_dict(data)

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> Architecture:
        """Read an architecture JSON file; errors name the file."""
        try:
            return cls.from_json(read_limited(path, MAX_JSON_CHARS))
        except OSError as error:
            reason = error.strerror or error
            raise ArchitectureError(None, f"cannot read {path}: {reason}") from None
        except ArchitectureError as error:
            raise ArchitectureError(error.index, f"{path}: {error.reason}") from None


def same_architecture(a: list[LayerInfo], b: list[LayerInfo]) -> bool:
    """True when two analysed networks have the same layers with the same shapes: every value
    of one has a value at the same position in the other, whatever their weights."""
    return [(repr(i.layer), i.in_shape, i.out_shape) for i in a] == [
        (repr(i.layer), i.in_shape, i.out_shape) for i in b
    ]
