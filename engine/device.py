"""Which device to compute on: CUDA, then Apple's MPS, then the CPU, unless the user says.

A name is 'auto', 'cpu', 'mps', 'cuda' (the current GPU) or 'cuda:N' (the N-th GPU, as
``nvidia-smi`` numbers them unless CUDA_VISIBLE_DEVICES says otherwise).
"""

from __future__ import annotations

import argparse
import re

import torch
from convlens.engine.choices import DEVICES

CHOICES = tuple(DEVICES)
NAME_HELP = "auto (the fastest available), cpu, cuda, cuda:N (the N-th GPU) or mps"
_CUDA_INDEX = re.compile(r"cuda:(\d+)")


def check_name(name: str) -> str:
    """``name`` if it is a device name this module knows, else ValueError saying which are."""
    if name in CHOICES or _CUDA_INDEX.fullmatch(name):
        return name
    raise ValueError(f"device must be {NAME_HELP}, not {name!r}")


def device_argument(text: str) -> str:
    """An argparse type for ``--device``: the name, checked for its form (not its presence)."""
    try:
        return check_name(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def pick_device(name: str = "auto") -> torch.device:
    """The device for ``name``; 'auto' takes the fastest available. Unavailable -> ValueError."""
    check_name(name)
    cuda, mps = torch.cuda.is_available(), torch.backends.mps.is_available()
    if name == "auto":
        name = "cuda" if cuda else "mps" if mps else "cpu"
    if name.startswith("cuda") and not cuda:
        raise ValueError(f"{name} was asked for, but PyTorch finds no CUDA device here")
    if name == "mps" and not mps:
        raise ValueError("mps was asked for, but PyTorch finds no MPS device here")
    found = _CUDA_INDEX.fullmatch(name)
    if found and int(found[1]) >= (count := torch.cuda.device_count()):
        names = ", ".join(f"cuda:{i}" for i in range(count))
        raise ValueError(
            f"{name} was asked for, but PyTorch finds {count} CUDA device"
            f"{'s' if count > 1 else ''} here: {names}"
        )
    return torch.device(name)


def describe(device: torch.device) -> str:
    """A name for people: 'CPU', or the GPU's model."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return "Apple GPU (MPS)" if device.type == "mps" else "CPU"
