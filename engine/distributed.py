"""One model trained by several processes at once (``torchrun``): DistributedDataParallel.

``torchrun --standalone --nproc_per_node=N main.py train ...`` starts N copies of the
command, each told its place by the environment (RANK, WORLD_SIZE, LOCAL_RANK). Every rank
draws the same shuffled order of the epoch (same seed) and takes its share of each global
batch, so N processes step as one process would at the same batch size; DDP averages the
gradients, and batch norm uses the statistics of the whole global batch (SyncBatchNorm on
CUDA; on the CPU, where torch's SyncBatchNorm does not run, ``GlooBatchNorm``). The CPU talks
gloo, CUDA NCCL; each rank on CUDA takes the GPU of its LOCAL_RANK.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import torch
import torch.distributed as dist
from convlens.engine.divergence import TrainingError
from convlens.engine.network import Network
from torch import nn
from torch.nn.parallel import DistributedDataParallel

ENVIRONMENT = ("RANK", "WORLD_SIZE", "LOCAL_RANK")
REPORTS_PER_EPOCH = 20  # the ranks report (and all-reduce) every steps / 20 steps, not by time


@dataclass(frozen=True)
class Ranks:
    """This process's place among those training one model."""

    rank: int  # 0 .. world - 1; rank 0 prints and saves
    world: int  # how many processes train the model
    local_rank: int  # the rank among those on this machine: which GPU it takes

    @property
    def leader(self) -> bool:
        return self.rank == 0


def from_environment(environ: Mapping[str, str] = os.environ) -> Ranks | None:
    """The ranks torchrun gave this process, or None when it was not started by torchrun."""
    given = [name for name in ENVIRONMENT if name in environ]
    if not given:
        return None
    if len(given) < len(ENVIRONMENT):
        missing = ", ".join(name for name in ENVIRONMENT if name not in environ)
        raise TrainingError(f"torchrun's environment is incomplete: {missing} is not set")
    try:
        rank, world, local = (int(environ[name]) for name in ENVIRONMENT)
    except ValueError:
        shown = ", ".join(f"{name}={environ[name]!r}" for name in ENVIRONMENT)
        raise TrainingError(f"torchrun's environment is not whole numbers: {shown}") from None
    if not (0 <= rank < world and 0 <= local <= rank):
        raise TrainingError(f"torchrun's environment is inconsistent: rank {rank} of {world}")
    return Ranks(rank, world, local)


def rank_device(name: str, ranks: Ranks) -> str:
    """The device name of this rank: 'cuda' (or 'auto' with a GPU) becomes its LOCAL_RANK's."""
    cuda = name == "cuda" or (name == "auto" and torch.cuda.is_available())
    if name.startswith("cuda:") and ranks.world > 1:
        raise TrainingError(
            f"--device {name} under torchrun: each process takes the GPU of its LOCAL_RANK, "
            "so give --device cuda (or auto)"
        )
    return f"cuda:{ranks.local_rank}" if cuda else name


def start(ranks: Ranks, device: torch.device) -> None:
    """Join the other ranks (torchrun's rendezvous is in MASTER_ADDR and MASTER_PORT)."""
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.set_device(device)
    dist.init_process_group(
        "nccl" if cuda else "gloo",
        rank=ranks.rank,
        world_size=ranks.world,
        device_id=device if cuda else None,
    )


def stop() -> None:
    """Leave the group, once every rank has come here (rank 0 has saved the model)."""
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def steps_per_epoch(n: int, batch_size: int, world: int) -> int:
    """Steps in an epoch of ``n`` images: a last global batch too small to give every rank an
    image is left out (the ranks must take as many steps, and equal shares, see ``shard``)."""
    full, rest = divmod(n, batch_size)
    return full + (rest >= world)


def shard(index: torch.Tensor, ranks: Ranks) -> torch.Tensor:
    """This rank's share of a global batch: every world-th image, the batch first cut to a
    multiple of world so that every rank gets as many (and draws as many random numbers from
    the shared generator, which must stay in step for the next epoch's order)."""
    return index[: len(index) // ranks.world * ranks.world][ranks.rank :: ranks.world]


def all_sum(values: torch.Tensor) -> torch.Tensor:
    """``values`` summed over the ranks, in place (as they are when not distributed)."""
    if dist.is_initialized():
        dist.all_reduce(values)
    return values


class _SumOverRanks(torch.autograd.Function):
    """A sum over the ranks whose gradient is the sum of the ranks' gradients: each rank's
    input reaches every rank's loss."""

    @staticmethod
    def forward(ctx, values: torch.Tensor) -> torch.Tensor:
        return all_sum(values.clone())

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        return all_sum(grad.clone())


class GlooBatchNorm(nn.Module):
    """Batch norm over the global batch for CPU ranks: the per-channel sums and sums of squares
    are summed over the ranks (a differentiable all-reduce, whose backward sums the gradients
    as the statistics were), and the wrapped module's weights and running statistics are used
    and updated, so the module can be put back after training."""

    def __init__(self, norm: nn.modules.batchnorm._BatchNorm):
        super().__init__()
        self.norm = norm

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        norm = self.norm
        if not self.training:
            return norm(x)
        channels = x.shape[1]
        dims = [0, *range(2, x.dim())]
        count = x.new_tensor([x.numel() / channels])
        stats = _SumOverRanks.apply(torch.cat([x.sum(dims), x.square().sum(dims), count]))
        total = stats[-1]
        mean = stats[:channels] / total
        var = (stats[channels:-1] / total - mean.square()).clamp_min(0)
        with torch.no_grad():  # as nn.BatchNorm does: unbiased variance in the running mean
            norm.running_mean.lerp_(mean, norm.momentum)
            norm.running_var.lerp_(var * total / (total - 1).clamp_min(1), norm.momentum)
            norm.num_batches_tracked += 1
        shape = (1, channels) + (1,) * (x.dim() - 2)
        scale = norm.weight * torch.rsqrt(var + norm.eps)
        return (x - mean.view(shape)) * scale.view(shape) + norm.bias.view(shape)


def _synced(norm: nn.Module, device: torch.device) -> nn.Module:
    if device.type == "cuda":
        return nn.SyncBatchNorm.convert_sync_batchnorm(norm)  # shares norm's tensors
    return GlooBatchNorm(norm)


def wrap(model: Network, device: torch.device) -> tuple[DistributedDataParallel, dict]:
    """``model`` with synced batch norm, in DDP (which first copies rank 0's weights to all),
    and the batch-norm modules it replaced, by layer index, for ``unwrap``."""
    originals = {
        index: layer
        for index, layer in enumerate(model.layers)
        if isinstance(layer, nn.modules.batchnorm._BatchNorm)
    }
    for index, layer in originals.items():
        model.replace_layer(index, _synced(layer, device))
    ids = [device] if device.type == "cuda" else None
    return DistributedDataParallel(model, device_ids=ids), originals


def unwrap(model: Network, originals: dict) -> None:
    """Undo ``wrap``: the trained batch norms back in their places (their tensors were shared)."""
    for index, layer in originals.items():
        model.replace_layer(index, layer)
