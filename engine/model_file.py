"""Model files: one safetensors file, the architecture and training facts in its metadata.

safetensors holds raw tensors and a JSON header, so opening a file runs no code (unlike
pickle). Writes go to a temporary file beside the target and are renamed over it, so a
failure half-way never leaves a damaged model behind.

Loading trusts nothing in the file: the architecture is checked against the limits of
engine.spec, and the tensors' names, shapes and dtypes against it from the header alone,
before any weight is allocated; then the weights must be finite and of a sane size, and one
forward pass must give finite logits. Every failure is a ModelFileError naming the file.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import torch
from convlens.engine import bounded_json
from convlens.engine.files import atomic_write, read_limited
from convlens.engine.limits import MAX_NAME_CHARS
from convlens.engine.model_facts import check_facts
from convlens.engine.network import Network
from convlens.engine.spec import Architecture, ArchitectureError
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

FORMAT = "convlens-model/1"  # metadata["format"]: what tells our files from other safetensors
MAX_BYTES = 512 * 1024 * 1024  # a larger file is not a ConvLens model (the limit is 120 MB)
MAX_HEADER_BYTES = 16 * 1024 * 1024  # the tensor table, the architecture, facts and history
MAX_HISTORY_CHARS = 8_000_000  # a run's curves, a few points a second: ~1 MB for 8 epochs
MAX_WEIGHT = 1e4  # trained MNIST weights stay below ~10 (the shipped model's largest: 0.57)
MAX_RUNNING_VAR = 1e8  # batch norm's running variance: a standard deviation of 10,000
TEMPERATURE_RANGE = (0.05, 20.0)  # softmax(logits / T): beyond these it says nothing useful
# dtype names in a safetensors header: floats may be stored at any common precision (they are
# loaded as float32); integers, booleans and complex numbers are no weights of ours.
FLOAT_DTYPES = {"F16", "BF16", "F32", "F64"}
DTYPE_NAMES = {torch.float32: FLOAT_DTYPES, torch.int64: {"I64"}}  # by what the network holds


class ModelFileError(ValueError):
    """A model file that cannot be used; the message names the file and says why."""


@dataclass
class ModelInfo:
    """What a model file says about its model besides the weights."""

    name: str = "model"
    facts: dict = field(default_factory=dict)  # see engine.model_facts.FACTS
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
    """Rebuild the model saved at ``path``; any problem is a ModelFileError naming the file.

    The model returned has run once on test inputs with finite logits, so a caller may
    show it at once (the GUI should still trace its current input before replacing the
    model it shows, and keep the old one if that fails).
    """
    path = Path(path)
    try:
        data = read_limited(path, MAX_BYTES)
    except OSError as error:
        raise ModelFileError(f"cannot read {path}: {error.strerror or error}") from None
    name = path.name
    table, metadata = _header(data, name)
    if metadata.get("format") != FORMAT:
        raise ModelFileError(f"{name} is a safetensors file, but not a ConvLens model")
    architecture = _architecture(metadata, name)
    info = _info(metadata, path)
    _check_table(table, architecture, name)
    try:
        tensors = load_tensors(data)
    except (SafetensorError, ValueError) as error:
        raise ModelFileError(f"{name} is not a readable safetensors file ({error})") from None
    _check_values(tensors, name)
    model = Network(architecture)
    model.load_state_dict(tensors)  # float16/bfloat16/float64 become the model's float32
    model.temperature = info.temperature  # how its probabilities are made: softmax(logits / T)
    model.eval()
    _check_runs(model, name)
    return model, info


def _header(data: bytes, name: str) -> tuple[dict, dict[str, str]]:
    """The tensor table and the ``__metadata__`` of a safetensors file (8-byte length, JSON)."""
    unreadable = f"{name} is not a readable safetensors file"
    header_len = int.from_bytes(data[:8], "little")
    if len(data) < 8 or header_len > min(len(data) - 8, MAX_HEADER_BYTES):
        raise ModelFileError(f"{unreadable} (its header is missing, cut or too long)")
    try:
        header = bounded_json.loads(data[8 : 8 + header_len], max_depth=3, max_chars=header_len)
    except bounded_json.JsonError as error:
        raise ModelFileError(f"{unreadable} (header: {error})") from None
    metadata = header.pop("__metadata__", {}) if isinstance(header, dict) else None
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ModelFileError(f"{unreadable} (no metadata of text values)")
    return header, metadata


def _architecture(metadata: dict[str, str], name: str) -> Architecture:
    try:
        architecture = Architecture.from_json(metadata["architecture"])
        architecture.validate()  # within engine.spec's limits: nothing allocated yet
    except KeyError:
        raise ModelFileError(f"{name} holds no architecture") from None
    except ArchitectureError as error:
        raise ModelFileError(f"{name} holds an unusable architecture: {error}") from None
    return architecture


def _info(metadata: dict[str, str], path: Path) -> ModelInfo:
    name = path.name
    title = metadata.get("name", path.stem)
    if len(title) > MAX_NAME_CHARS:
        raise ModelFileError(f"{name}: its name is longer than {MAX_NAME_CHARS} characters")
    try:
        facts = check_facts(bounded_json.loads(metadata.get("facts", "{}"), max_depth=8))
        history = None
        if "history" in metadata:
            history = bounded_json.loads(metadata["history"], max_chars=MAX_HISTORY_CHARS)
            if not isinstance(history, dict):
                raise ValueError("history must be an object")
    except ValueError as error:  # JsonError included
        raise ModelFileError(f"{name}: facts or history unusable: {error}") from None
    text = metadata.get("temperature", "1.0")
    low, high = TEMPERATURE_RANGE
    try:
        temperature = float(text) if len(text) <= 40 else math.nan
    except ValueError:
        temperature = math.nan
    if not low <= temperature <= high:  # NaN fails too
        raise ModelFileError(
            f"{name}: temperature must be a number from {low} to {high:g}, not {text[:40]!r}"
        )
    return ModelInfo(title, facts, temperature, history)


def _check_table(table: dict, architecture: Architecture, name: str) -> None:
    """Names, shapes and dtypes from the header against what the architecture needs, on the
    ``meta`` device: no memory for the weights yet."""
    with torch.device("meta"):
        expected = Network(architecture).state_dict()
    missing = sorted(set(expected) - set(table))
    extra = sorted(set(table) - set(expected))
    if missing or extra:
        raise ModelFileError(
            f"{name} does not match its architecture: missing {missing[:3]}, "
            f"unexpected {[key[:40] for key in extra[:3]]}"
        )
    for key, tensor in expected.items():
        entry = table[key]
        shape = entry.get("shape") if isinstance(entry, dict) else None
        if shape != list(tensor.shape):
            raise ModelFileError(
                f"{name}: {key} has shape {tuple(shape or ())}, "
                f"the architecture needs {tuple(tensor.shape)}"
            )
        dtype = entry.get("dtype")
        if dtype not in DTYPE_NAMES[tensor.dtype]:
            allowed = "/".join(sorted(DTYPE_NAMES[tensor.dtype]))
            raise ModelFileError(f"{name}: {key} is stored as {dtype!r}, not as {allowed}")


def _check_values(tensors: dict[str, torch.Tensor], name: str) -> None:
    for key, tensor in tensors.items():
        if not tensor.is_floating_point():
            continue  # batch norm's step count: never used once trained
        values = tensor.float()
        if not torch.isfinite(values).all():
            raise ModelFileError(f"{name}: {key} holds NaN or infinite values")
        limit = MAX_RUNNING_VAR if key.endswith("running_var") else MAX_WEIGHT
        largest = values.abs().max().item() if values.numel() else 0.0
        if largest > limit:
            raise ModelFileError(
                f"{name}: {key} holds {largest:.3g}, beyond the {limit:g} a trained model has"
            )


@torch.no_grad()
def _check_runs(model: Network, name: str) -> None:
    """A blank, a full and a noisy image must give finite logits: weights that are each sane
    can still overflow together."""
    noise = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    x = torch.cat([torch.zeros(1, 1, 28, 28), torch.ones(1, 1, 28, 28), noise])
    if not torch.isfinite(model(x)).all():
        raise ModelFileError(f"{name}: its weights give NaN or infinite outputs")
