"""The number format a training step computes in: bf16, fp16 with loss scaling, or fp32.

bf16 keeps fp32's range, so it needs no loss scaling, but only GPUs with native bf16 (NVIDIA
Ampere and newer) run it fast; older ones emulate it, slower than fp32. Those get fp16, whose
narrow range makes small gradients underflow to 0 unless the loss is scaled up before the
backward pass (a GradScaler, which also skips steps that overflow). The CPU and Apple's GPU
stay in fp32: for networks this small their half-precision kernels gain nothing.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch


@dataclass
class Precision:
    """How a step runs: ``with autocast: logits = model(x)``, then ``scaler`` for the rest."""

    name: str  # 'bf16', 'fp16' or 'fp32'
    autocast: contextlib.AbstractContextManager  # around the forward pass
    scaler: torch.amp.GradScaler  # disabled (a pass-through) unless fp16

    def backward_and_step(self, loss: torch.Tensor, optimizer: torch.optim.Optimizer) -> None:
        """loss.backward() and optimizer.step(), the loss scaled where the format needs it."""
        self.scaler.scale(loss).backward()
        self.scaler.step(optimizer)
        self.scaler.update()

    def grad_scale(self) -> float:
        """What the gradients are multiplied by (1 unless fp16); a host sync when fp16."""
        return self.scaler.get_scale() if self.scaler.is_enabled() else 1.0


def bf16_native(device: torch.device) -> bool:
    """Whether ``device`` is a CUDA GPU that computes in bf16 natively (not emulated)."""
    return device.type == "cuda" and torch.cuda.is_bf16_supported(including_emulation=False)


def for_device(device: torch.device) -> Precision:
    """bf16 on a GPU with native bf16, fp16 with a loss scaler on other CUDA GPUs, else fp32."""
    if device.type != "cuda":
        off = torch.amp.GradScaler("cpu", enabled=False)
        return Precision("fp32", contextlib.nullcontext(), off)
    if bf16_native(device):
        autocast = torch.autocast("cuda", torch.bfloat16)
        return Precision("bf16", autocast, torch.amp.GradScaler("cuda", enabled=False))
    autocast = torch.autocast("cuda", torch.float16)
    return Precision("fp16", autocast, torch.amp.GradScaler("cuda"))
