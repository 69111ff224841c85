"""Running a model to look inside it, without changing it: what the attribution, filter,
adversarial and embedding modules share.

``inspecting`` puts the model in eval mode and restores its mode afterwards; nothing here
touches the parameters, their ``requires_grad`` or their ``.grad``: gradients with respect to
an input are taken with ``torch.autograd.grad``, which fills no ``.grad``. Do not inspect a
model while another thread trains it (eval mode would switch off its dropout).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator

import numpy as np
import torch
from convlens.engine import spec
from convlens.engine.network import Network

ProgressCallback = Callable[[int, int], None]  # (done, total)
StopCallback = Callable[[], bool]  # True: stop as soon as possible


@contextlib.contextmanager
def inspecting(model: Network) -> Iterator[None]:
    """Eval mode for the block, the previous mode restored after it."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def _like(model: Network) -> torch.Tensor:
    return next(model.parameters())


def as_batch(image, model: Network) -> torch.Tensor:
    """One (28, 28) ink image (an array or a tensor, values in [0, 1]) as a (1, 1, 28, 28)
    tensor on the model's device, in its dtype (never written to: it may share memory)."""
    like = _like(model)
    x = torch.as_tensor(image).to(like.device, like.dtype)
    if x.numel() != 28 * 28:
        raise ValueError(f"expected a 28x28 image, got shape {tuple(x.shape)}")
    return x.reshape(1, 1, 28, 28)


def as_ink(images, model: Network) -> torch.Tensor:
    """(N, 28, 28) images, uint8 0-255 or float ink in [0, 1], as (N, 1, 28, 28) ink on the
    model's device, in its dtype."""
    like = _like(model)
    x = torch.as_tensor(images).to(like.device)
    x = x.to(like.dtype).div_(255) if x.dtype == torch.uint8 else x.to(like.dtype)
    return x.reshape(-1, 1, 28, 28)


def forward_to(model: Network, x: torch.Tensor, index: int) -> torch.Tensor:
    """The output of layer ``index`` for a batch of ink, running only the layers up to it, in
    their listed order (as ``Network.trace`` does; ``forward`` may run a max pool before the
    activation it commutes with, which changes no value)."""
    x = (x - model.mean) / model.std
    for layer in model.layers[: index + 1]:
        x = layer(x)
    return x


def forward_from(model: Network, x: torch.Tensor, index: int) -> torch.Tensor:
    """The logits from ``x``, the output of layer ``index``, running the layers after it."""
    layers = model.layers[index + 1 :]
    if len(layers) and getattr(layers[0], "inplace", False):
        x = x.clone()  # an in-place ReLU must not overwrite the caller's tensor
    for layer in layers:
        x = layer(x)
    return x


def map_layers(model: Network) -> list[int]:
    """Indices of the layers whose output is feature maps (C, H, W)."""
    return [info.index for info in model.infos if len(info.out_shape) == 3]


def conv_layers(model: Network) -> list[int]:
    """Indices of the convolution layers."""
    return [info.index for info in model.infos if isinstance(info.layer, spec.Conv)]


def check_layer(model: Network, index: int, allowed: list[int], what: str) -> int:
    """``index`` if it is one of ``allowed``, else a ValueError naming the layer."""
    if index not in allowed:
        kind = f" ({model.infos[index].layer.kind})" if 0 <= index < len(model.infos) else ""
        raise ValueError(f"layer {index}{kind} is not {what}; choose one of {allowed}")
    return index


def check_target(target: int) -> int:
    """A class index 0-9, else a ValueError."""
    if isinstance(target, bool) or not isinstance(target, int | np.integer):
        raise ValueError(f"the target must be a digit 0-9, not {target!r}")
    if not 0 <= target < spec.NUM_CLASSES:
        raise ValueError(f"the target must be a digit 0-9, not {target}")
    return int(target)


def weights_fingerprint(model: Network) -> str:
    """A SHA-256 of the architecture and every parameter and buffer (names, shapes, bytes):
    it changes whenever a weight does, so a cache keyed by it is invalidated by training.

    Hashed once per change: the model keeps the digest with each tensor's storage and version
    counter, which every in-place change (an optimizer step, ``load_state_dict``) advances.
    Several views ask for it after each change (~3 ms per hash for the default network)."""
    state = model.state_dict()
    versions = tuple((name, t.data_ptr(), t._version) for name, t in state.items())
    kept = getattr(model, "_fingerprint", None)
    if kept is not None and kept[0] == versions:
        return kept[1]
    digest = hashlib.sha256(model.architecture.to_json(indent=None).encode())
    for name, tensor in state.items():
        value = tensor.detach().cpu().contiguous()
        digest.update(f"{name}{tuple(value.shape)}{value.dtype}".encode())
        digest.update(value.reshape(-1).view(torch.uint8).numpy().tobytes())
    model._fingerprint = (versions, digest.hexdigest())
    return model._fingerprint[1]
