"""Which device to compute on: CUDA, then Apple's MPS, then the CPU, unless the user says."""

from __future__ import annotations

import torch
from convlens.engine.choices import DEVICES

CHOICES = tuple(DEVICES)


def pick_device(name: str = "auto") -> torch.device:
    """The device for ``name``; 'auto' takes the fastest available. Unavailable -> ValueError."""
    if name not in CHOICES:
        raise ValueError(f"device must be one of {', '.join(CHOICES)}, not {name!r}")
    cuda, mps = torch.cuda.is_available(), torch.backends.mps.is_available()
    if name == "auto":
        name = "cuda" if cuda else "mps" if mps else "cpu"
    if (name == "cuda" and not cuda) or (name == "mps" and not mps):
        raise ValueError(f"{name} was asked for, but PyTorch finds no {name.upper()} device here")
    return torch.device(name)


def describe(device: torch.device) -> str:
    """A name for people: 'CPU', or the GPU's model."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return "Apple GPU (MPS)" if device.type == "mps" else "CPU"
