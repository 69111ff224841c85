"""Device names, the precision a step computes in, and what the commands say of a device
that is not there."""

import argparse

import pytest
import torch
from convlens.engine import precision
from convlens.engine.device import check_name, device_argument, pick_device

from tests.engine.test_cli import run

cuda = pytest.mark.cuda
no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")


def test_device_names_are_checked_for_their_form():
    for name in ("auto", "cpu", "cuda", "cuda:0", "cuda:12", "mps"):
        assert check_name(name) == name
    for name in ("gpu", "cuda:", "cuda:-1", "cuda:x", "CPU", "cuda:0 "):
        with pytest.raises(ValueError, match=f"not {name!r}"):
            check_name(name)
    with pytest.raises(argparse.ArgumentTypeError, match="auto .*, cpu, cuda, cuda:N .* or mps"):
        device_argument("gpu")
    assert pick_device("cpu") == torch.device("cpu")


@no_cuda
def test_a_gpu_that_is_not_there_is_named():
    for name in ("cuda", "cuda:1"):
        with pytest.raises(ValueError, match=f"^{name} was asked for, but PyTorch finds no CUDA"):
            pick_device(name)


def test_the_cpu_computes_in_fp32_without_loss_scaling():
    mixed = precision.for_device(torch.device("cpu"))
    assert mixed.name == "fp32" and not mixed.scaler.is_enabled() and mixed.grad_scale() == 1.0
    weight = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    optimizer = torch.optim.SGD([weight], lr=0.5)
    with mixed.autocast:
        loss = (weight * torch.tensor([3.0, -1.0])).sum()
    mixed.backward_and_step(loss, optimizer)
    assert weight.tolist() == [1.0 - 0.5 * 3.0, 2.0 + 0.5]  # a plain SGD step


@no_cuda
@pytest.mark.parametrize("command", ["train", "eval", "predict"])
def test_each_command_says_the_gpu_is_missing(command, small_mnist, tmp_path):
    args = {
        "train": ["--data", small_mnist, "--out", tmp_path / "m.safetensors"],
        "eval": ["--data", small_mnist],
        "predict": [tmp_path / "digit.png"],
    }[command]
    result = run(command, *args, "--device", "cuda:1", check=False)
    assert result.returncode == 2
    assert result.stderr == ("error: cuda:1 was asked for, but PyTorch finds no CUDA device here\n")
    assert not (tmp_path / "m.safetensors").exists()


def test_a_misspelt_device_is_a_usage_error():
    result = run("eval", "--device", "gpu0", check=False)
    assert result.returncode == 2
    assert "argument --device: device must be auto" in result.stderr


@cuda
def test_a_gpu_index_past_the_last_is_refused_with_the_ones_there():
    count = torch.cuda.device_count()
    with pytest.raises(ValueError, match=f"finds {count} CUDA device.* here: cuda:0"):
        pick_device(f"cuda:{count}")
    assert pick_device("cuda:0") == torch.device("cuda:0")


@cuda
def test_the_gpu_computes_in_bf16_where_native_else_fp16_with_a_scaler():
    mixed = precision.for_device(torch.device("cuda:0"))
    native = torch.cuda.is_bf16_supported(including_emulation=False)
    assert mixed.name == ("bf16" if native else "fp16")
    assert mixed.scaler.is_enabled() == (not native)
    with mixed.autocast:
        out = torch.nn.Linear(4, 2).cuda()(torch.ones(3, 4, device="cuda"))
    assert out.dtype == (torch.bfloat16 if native else torch.float16)
