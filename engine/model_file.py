"""Model files: one safetensors file, the architecture and training facts in its metadata.

safetensors holds raw tensors and a JSON header, so opening a file runs no code (unlike
pickle). Writes go to a temporary file beside the target and are renamed over it, so a
failure half-way never leaves a damaged model behind.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import torch
from convlens.engine.files import atomic_write
from convlens.engine.network import Network
from convlens.engine.spec import Architecture, ArchitectureError
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

FORMAT = "convlens-model/1"  # metadata["format"]: what tells our files from other safetensors
MAX_BYTES = 512 * 1024 * 1024  # a larger file is not a ConvLens model


class ModelFileError(ValueError):
    """A model file that cannot be used; the message names the file and says why."""


@dataclass
class ModelInfo:
    """What a model file says about its model besides the weights."""

    name: str = "model"
    facts: dict = field(default_factory=dict)  # epochs, test_accuracy, date, recipe ...
    temperature: float = 1.0  # probabilities are softmax(logits / temperature)
    history: dict | None = None  # the training run that made it: config, curves, evaluation


def save_model(path: str | os.PathLike, model: Network, info: ModelInfo | None = None) -> None:
    """Save weights, architecture and facts to ``path`` as safetensors, atomically."""
    info = info or ModelInfo()
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    metadata = {
        "format": FORMAT,
        "name": info.name,
        "architecture": model.architecture.to_json(indent=None),
        "facts": json.dumps(info.facts),
        "temperature": repr(float(info.temperature)),
    }
    if info.history is not None:
        metadata["history"] = json.dumps(info.history)
    atomic_write(path, save_tensors(tensors, metadata))


def load_model(path: str | os.PathLike) -> tuple[Network, ModelInfo]:
    """Rebuild the model saved at ``path``; any problem is a ModelFileError naming the file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ModelFileError(f"{path.name} is {size / 2**20:.0f} MB: too large for a model")
        data = path.read_bytes()
    except OSError as error:
        raise ModelFileError(f"cannot read {path}: {error.strerror or error}") from error
    try:
        tensors = load_tensors(data)
        metadata = _metadata(data)
    except (SafetensorError, ValueError, KeyError, UnicodeDecodeError) as error:
        raise ModelFileError(f"{path.name} is not a readable safetensors file ({error})") from error
    if metadata.get("format") != FORMAT:
        raise ModelFileError(f"{path.name} is a safetensors file, but not a ConvLens model")
    try:
        architecture = Architecture.from_json(metadata["architecture"])
        model = Network(architecture)
        facts = json.loads(metadata.get("facts", "{}"))
        temperature = float(metadata.get("temperature", "1.0"))
        history = json.loads(metadata["history"]) if "history" in metadata else None
    except (ArchitectureError, KeyError, TypeError, ValueError) as error:
        raise ModelFileError(f"{path.name} holds an unusable architecture: {error}") from error
    _load_weights(model, tensors, path.name)
    model.temperature = temperature  # how its probabilities are made: softmax(logits / T)
    model.eval()
    return model, ModelInfo(metadata.get("name", path.stem), facts, temperature, history)


def _metadata(data: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors header (the 8-byte length, then JSON)."""
    header_len = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + header_len])
    return header.get("__metadata__") or {}


def _load_weights(model: Network, tensors: dict[str, torch.Tensor], name: str) -> None:
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    if missing or extra:
        raise ModelFileError(
            f"{name} does not match its architecture: missing {missing[:3]}, unexpected {extra[:3]}"
        )
    for key, value in expected.items():
        if tensors[key].shape != value.shape:
            raise ModelFileError(
                f"{name}: {key} has shape {tuple(tensors[key].shape)}, "
                f"the architecture needs {tuple(value.shape)}"
            )
        if not torch.isfinite(tensors[key]).all():
            raise ModelFileError(f"{name}: {key} holds NaN or infinite values")
    model.load_state_dict(tensors)
