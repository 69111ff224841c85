"""The network as code: an ``Architecture`` written out as PyTorch and as Keras, to read and copy.

``pytorch_code`` writes a self-contained ``nn.Sequential`` that computes exactly what our
``Network`` computes (tested to 1e-5 with our weights, which its ``load_convlens_weights`` loads);
``keras_code`` writes the same network as a Keras 3 ``Sequential`` grown with ``model.add``, the
way the concepts are usually taught. Both use the standard layers wherever the library has one
and say in a comment where ours differ (min and sum pooling, the flattening order).
"""

from __future__ import annotations

from convlens.engine import spec
from convlens.engine.network import MNIST_MEAN, MNIST_STD
from torch import nn

LEAKY_SLOPE = nn.LeakyReLU().negative_slope  # what our Network's leaky ReLU uses
_BATCHNORM = nn.BatchNorm2d(1)  # its eps and momentum, which Keras's defaults differ from

_STANDARDISED = "standardised: (x - mean) / std"
Line = tuple[str, str]  # (code, comment); code "" makes a comment line of its own

# The small modules PyTorch has no standard layer for; each is written out only when used.
_TORCH_HELPERS = {
    "Standardise": f'''class Standardise(nn.Module):
    """(x - mean) / std with MNIST's pixel statistics: the network's first step on ink in [0, 1]."""

    def forward(self, x):
        return (x - {MNIST_MEAN!r}) / {MNIST_STD!r}
''',
    "MinPool2d": '''class MinPool2d(nn.MaxPool2d):
    """The smallest value of each window, -max(-x): PyTorch has no min pooling."""

    def forward(self, x):
        return -super().forward(-x)
''',
    "SumPool2d": '''class SumPool2d(nn.AvgPool2d):
    """The sum of each window, its average times the window's area: PyTorch has no sum pooling."""

    def forward(self, x):
        return super().forward(x) * (self.kernel_size * self.kernel_size)
''',
    "FlattenColumns": '''class FlattenColumns(nn.Module):
    """Maps one after another, each read column by column (column-major): nn.Flatten reads
    rows, so H and W are swapped first."""

    def forward(self, x):  # (B, C, H, W) -> (B, C*W*H)
        return x.transpose(-1, -2).flatten(1)
''',
}

_TORCH_LOADER = '''\
# ConvLens's layer i (its weights 'layers.<i>.weight', ...) is model[CONVLENS_LAYERS[i]] here:
CONVLENS_LAYERS = {mapping}


def load_convlens_weights(model, state_dict):
    """Load a ConvLens state_dict, e.g. of a model file:
    load_convlens_weights(model, safetensors.torch.load_file("model.safetensors"))."""
    renamed = {{}}
    for key, value in state_dict.items():  # 'layers.3.weight' -> '4.weight'
        _, index, name = key.split(".")
        renamed[f"{{CONVLENS_LAYERS[int(index)]}}.{{name}}"] = value
    model.load_state_dict(renamed)


# model.eval() turns dropout off and makes batch norm use its running statistics, as ConvLens
# shows a digit; torch.softmax(model(images), dim=1) are the probabilities of the ten digits.
'''

_POOLS = {  # op -> (PyTorch, Keras) layer names
    "max": ("nn.MaxPool2d", "MaxPooling2D"),
    "min": ("MinPool2d", "MaxPooling2D"),
    "average": ("nn.AvgPool2d", "AveragePooling2D"),
    "sum": ("SumPool2d", "AveragePooling2D"),
}
_TORCH_ACTIVATIONS = {
    "relu": "nn.ReLU()",
    "leaky_relu": f"nn.LeakyReLU({LEAKY_SLOPE!r})",
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
}


def _shape(shape: spec.Shape) -> str:
    return f"-> ({shape[0]},)" if len(shape) == 1 else f"-> {shape}"


def _keras_shape(shape: spec.Shape) -> str:
    """Keras keeps channels last: (H, W, C)."""
    return _shape(shape if len(shape) == 1 else (*shape[1:], shape[0]))


def _zeros(count: int) -> str:
    return f"{count} zero{'s' if count > 1 else ''}"


def _pool_args(layer: spec.Pool, stride_name: str) -> str:
    stride = "" if layer.step == layer.size else f", {stride_name}={layer.step}"
    return f"{layer.size}{stride}"


def _header(architecture: spec.Architecture, infos: list[spec.LayerInfo]) -> str:
    params = sum(info.params for info in infos)
    return f"# ConvLens network {architecture.name!r}: {len(infos)} layers, {params:,} parameters"


def _render(lines: list[Line], indent: str, suffix: str = "") -> list[str]:
    """Code lines with their comments aligned in one column."""
    width = max(len(code) for code, _ in lines if code) + len(suffix)
    out = []
    for code, comment in lines:
        if not code:
            out.append(f"{indent}# {comment}")
        elif comment:
            out.append(f"{indent}{code + suffix:<{width}}  # {comment}")
        else:
            out.append(f"{indent}{code}{suffix}")
    return out


# PyTorch
def _torch_lines(info: spec.LayerInfo) -> list[Line]:
    layer, shape = info.layer, _shape(info.out_shape)
    if isinstance(layer, spec.Conv):
        args = f"{info.in_shape[0]}, {layer.filters}, {layer.size}"
        if layer.stride != 1:
            args += f", stride={layer.stride}"
        left = info.padding[0]
        if len(set(info.padding)) > 1:  # 'same' needing an odd number of zeros: one more after
            pad = (f"nn.ZeroPad2d({info.padding})", "'same': zeros left, right, top, bottom")
            return [pad, (f"nn.Conv2d({args})", shape)]
        if left:
            args += f", padding={left}"
            shape += f"; 'same': {_zeros(left)} on each side" if layer.padding == "same" else ""
        return [(f"nn.Conv2d({args})", shape)]
    if isinstance(layer, spec.Activation):
        return [(_TORCH_ACTIVATIONS[layer.function], "")]
    if isinstance(layer, spec.Pool):
        return [(f"{_POOLS[layer.op][0]}({_pool_args(layer, 'stride')})", shape)]
    if isinstance(layer, spec.Flatten):
        return [("nn.Flatten()" if layer.order == "row" else "FlattenColumns()", shape)]
    if isinstance(layer, spec.Dense):
        return [(f"nn.Linear({info.in_shape[0]}, {layer.units})", shape)]
    if isinstance(layer, spec.Dropout):
        return [(f"nn.Dropout({layer.rate!r})", "while training only")]
    dims = "2d" if len(info.in_shape) == 3 else "1d"
    return [(f"nn.BatchNorm{dims}({info.in_shape[0]})", "")]


def pytorch_code(architecture: spec.Architecture) -> str:
    """A runnable PyTorch snippet building ``model``, an ``nn.Sequential`` equal to our Network
    (ArchitectureError for an impossible network)."""
    infos = architecture.validate()
    body: list[Line] = [("Standardise()", "(1, 28, 28) ink in [0, 1], standardised")]
    mapping = {}
    for info in infos:
        lines = _torch_lines(info)
        body.extend(lines)
        if info.params:
            mapping[info.index] = len(body) - 1  # the weighted module is the last one
    body[-1] = (body[-1][0], body[-1][1] + ": the logits")
    used = {code.split("(")[0] for code, _ in body}
    helpers = [source for name, source in _TORCH_HELPERS.items() if name in used]
    parts = [
        *helpers,
        "\n".join(["model = nn.Sequential(", *_render(body, "    ", ","), ")"]),
        _TORCH_LOADER.format(mapping=mapping),
    ]
    top = f"{_header(architecture, infos)}\n\nimport torch\nfrom torch import nn\n\n\n"
    return top + "\n\n\n".join(part.rstrip("\n") for part in parts) + "\n"


# Keras
def _keras_lines(info: spec.LayerInfo) -> list[Line]:
    layer, shape = info.layer, _keras_shape(info.out_shape)
    if isinstance(layer, spec.Conv):
        lines = []
        padding = "same" if layer.padding == "same" else "valid"
        if padding == "valid" and info.padding[0]:
            c, h, w = info.in_shape
            p = info.padding[0]
            padded = f"-> ({h + 2 * p}, {w + 2 * p}, {c}): {_zeros(p)} on each side"
            lines.append((f"layers.ZeroPadding2D({p})", padded))
        stride = f", strides={layer.stride}" if layer.stride != 1 else ""
        conv = f'layers.Conv2D({layer.filters}, {layer.size}{stride}, padding="{padding}")'
        return [*lines, (conv, shape)]
    if isinstance(layer, spec.Activation):
        if layer.function == "leaky_relu":
            return [(f"layers.LeakyReLU(negative_slope={LEAKY_SLOPE!r})", "Keras's default: 0.3")]
        return [(f'layers.Activation("{layer.function}")', "")]
    if isinstance(layer, spec.Pool):
        pool = (f"layers.{_POOLS[layer.op][1]}({_pool_args(layer, 'strides')})", shape)
        if layer.op == "min":
            note = ("", "Keras has no min pooling: the smallest value of a window is -max(-x)")
            return [note, ("layers.Rescaling(-1)", ""), pool, ("layers.Rescaling(-1)", "")]
        if layer.op == "sum":
            area = layer.size * layer.size
            note = ("", f"Keras has no sum pooling: a window's sum is its average times {area}")
            return [note, pool, (f"layers.Rescaling({area})", "")]
        return [pool]
    if isinstance(layer, spec.Flatten):
        c, h, w = info.in_shape
        dims, maps = ((3, 1, 2), (c, h, w)) if layer.order == "row" else ((3, 2, 1), (c, w, h))
        how = "row by row" if layer.order == "row" else "column by column"
        return [
            ("", "Keras flattens channels last, pixel by pixel across the maps; ConvLens reads"),
            ("", f"the maps one after another, each {how}: Permute puts them first."),
            (f"layers.Permute({dims})", f"-> {maps}"),
            ("layers.Flatten()", shape),
        ]
    if isinstance(layer, spec.Dense):
        return [(f"layers.Dense({layer.units})", shape)]
    if isinstance(layer, spec.Dropout):
        return [(f"layers.Dropout({layer.rate!r})", "while training only")]
    settings = f"momentum={1 - _BATCHNORM.momentum:g}, epsilon={_BATCHNORM.eps:g}"
    return [(f"layers.BatchNormalization({settings})", "as in PyTorch")]


def keras_code(architecture: spec.Architecture) -> str:
    """A Keras 3 snippet growing ``model`` layer by layer with ``model.add``, input shape
    (28, 28, 1), ending in a softmax (ArchitectureError for an impossible network)."""
    infos = architecture.validate()
    body: list[Line] = [
        ("keras.Input(shape=(28, 28, 1))", "(28, 28, 1): channels last"),
        (f"layers.Normalization(mean={MNIST_MEAN!r}, variance={MNIST_STD!r}**2)", _STANDARDISED),
    ]
    for info in infos:
        body.extend(_keras_lines(info))
    body[-1] = (body[-1][0], body[-1][1] + ": the logits")
    body.append(('layers.Activation("softmax")', "-> (10,): the probabilities"))
    adds = [(f"model.add({code})" if code else "", comment) for code, comment in body]
    parts = [
        _header(architecture, infos),
        "import keras\nfrom keras import layers",
        "\n".join(["model = keras.Sequential()", *_render(adds, ""), "model.summary()"]),
        "# model.pop() takes the last layer off again (here the softmax), as 'Pop last' does in\n"
        "# ConvLens's architecture editor.",
    ]
    return "\n\n".join(parts) + "\n"
