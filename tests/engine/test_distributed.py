"""One model trained by two CPU processes under torchrun (gloo), against one process."""

import os
import subprocess
import sys

import pytest
import torch
import torch.distributed as dist
from convlens.engine import distributed
from convlens.engine.divergence import TrainingError
from convlens.engine.model_file import load_model
from torch import nn

from tests.conftest import ROOT


def test_the_ranks_come_from_torchruns_environment():
    assert distributed.from_environment({}) is None
    ranks = distributed.from_environment({"RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1"})
    assert ranks == distributed.Ranks(3, 4, 1) and not ranks.leader
    with pytest.raises(TrainingError, match="incomplete: WORLD_SIZE, LOCAL_RANK is not set"):
        distributed.from_environment({"RANK": "0"})
    with pytest.raises(TrainingError, match="not whole numbers: RANK='x'"):
        distributed.from_environment({"RANK": "x", "WORLD_SIZE": "2", "LOCAL_RANK": "0"})
    with pytest.raises(TrainingError, match="rank 2 of 2"):
        distributed.from_environment({"RANK": "2", "WORLD_SIZE": "2", "LOCAL_RANK": "0"})


def test_each_rank_takes_every_worlds_image_of_a_batch_cut_to_equal_shares():
    batch = torch.arange(10, 15)  # 5 images, 2 ranks: the 5th is left out, 2 each
    assert distributed.shard(batch, distributed.Ranks(0, 2, 0)).tolist() == [10, 12]
    assert distributed.shard(batch, distributed.Ranks(1, 2, 1)).tolist() == [11, 13]
    assert distributed.steps_per_epoch(10, 4, 2) == 3  # 4, 4, then 2: one each
    assert distributed.steps_per_epoch(9, 4, 2) == 2  # a last batch of 1 cannot be shared
    assert distributed.steps_per_epoch(9, 4, 1) == 3  # one process: ceil(9 / 4)


def test_a_cuda_index_under_torchrun_is_refused_and_cuda_becomes_the_local_gpu():
    ranks = distributed.Ranks(1, 2, 1)
    with pytest.raises(TrainingError, match="give --device cuda"):
        distributed.rank_device("cuda:0", ranks)
    assert distributed.rank_device("cuda", ranks) == "cuda:1"
    assert distributed.rank_device("cpu", ranks) == "cpu"


def test_gloo_batch_norm_of_one_rank_is_batch_norm(tmp_path):
    """In a group of one the global batch is the local one: outputs, gradients and running
    statistics must be nn.BatchNorm's."""
    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1
    )
    try:
        torch.manual_seed(0)
        reference = nn.BatchNorm2d(3)
        with torch.no_grad():
            reference.weight.uniform_(0.5, 2)
            reference.bias.uniform_(-1, 1)
        mine = nn.BatchNorm2d(3)
        mine.load_state_dict(reference.state_dict())
        synced = distributed.GlooBatchNorm(mine)
        x = torch.randn(6, 3, 5, 5) * 3 + 1
        outputs = []
        for module in (reference, synced):
            xi = x.clone().requires_grad_(True)
            out = module(xi)
            (out * torch.linspace(-1, 1, out.numel()).view_as(out)).sum().backward()
            outputs.append((out, xi.grad))
        torch.testing.assert_close(outputs[1][0], outputs[0][0], rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(outputs[1][1], outputs[0][1], rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(mine.weight.grad, reference.weight.grad)
        torch.testing.assert_close(mine.running_mean, reference.running_mean)
        torch.testing.assert_close(mine.running_var, reference.running_var)
        assert int(mine.num_batches_tracked) == 1
    finally:
        dist.destroy_process_group()


def train(out, *launcher, device="cpu", **env):
    """`main.py train` of a small run, under ``launcher`` (torchrun) if given."""
    args = ["train", "--arch", "fast", "--limit", "1200", "--epochs", "2", "--batch-size", "64"]
    args += ["--lr", "0.01", "--device", device, "--out", str(out)]
    result = subprocess.run(
        [sys.executable, *launcher, str(ROOT / "main.py"), *args, "--data", str(env.pop("data"))],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )
    assert result.returncode == 0, result.stderr
    return result


def test_two_processes_train_one_model_as_one_process_would(mnist_dir, tmp_path):
    torchrun = ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    two = train(tmp_path / "two.safetensors", *torchrun, data=mnist_dir, OMP_NUM_THREADS="1")
    train(tmp_path / "one.safetensors", data=mnist_dir, OMP_NUM_THREADS="1")
    # Rank 0 alone reports and saves; the other rank waited for it and left cleanly.
    assert two.stdout.count("trained in") == 1
    assert two.stdout.count("saved") == 1 and "in 2 processes" in two.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.safetensors", "two.safetensors"]
    model_two, info_two = load_model(tmp_path / "two.safetensors")
    model_one, info_one = load_model(tmp_path / "one.safetensors")
    assert info_two.facts["recipe"]["processes"] == 2
    assert "processes" not in info_one.facts["recipe"]
    # The same global batches in the same order, batch norm over all of each: the same run
    # but for the order of floating-point sums (which Adam's steps make grow to ~10%).
    accuracy_two, accuracy_one = info_two.facts["test_accuracy"], info_one.facts["test_accuracy"]
    assert accuracy_one > 0.85
    assert abs(accuracy_two - accuracy_one) < 0.01
    first_two, first_one = model_two.layers[0].weight, model_one.layers[0].weight
    assert (first_two - first_one).abs().max() < 0.25 * first_one.abs().max()
