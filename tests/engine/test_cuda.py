"""The engine on a CUDA GPU (marked ``cuda``: skipped without one; benchmarks/gpu_check.sh)."""

from dataclasses import replace

import pytest
import torch
from convlens.engine import recipes
from convlens.engine.model_file import load_model, save_model
from convlens.engine.network import predict
from convlens.engine.training import build_model, evaluate, train

from tests.engine.test_cli import run
from tests.engine.test_distributed import train as train_command

pytestmark = pytest.mark.cuda


def test_the_fast_recipe_trains_on_the_gpu_and_its_file_works_on_the_cpu(mnist_subset, tmp_path):
    architecture, config = recipes.fast_recipe()
    config = replace(config, device="cuda:0", max_steps=60)
    images = torch.from_numpy(mnist_subset.train_images)
    model = build_model(architecture, seed=0)
    result = train(model, images, torch.from_numpy(mnist_subset.train_labels), config)
    assert next(model.parameters()).device == torch.device("cuda:0")
    assert result.history[-1].data_loss < 1.0
    test_x, test_y = (
        torch.from_numpy(a) for a in (mnist_subset.test_images, mnist_subset.test_labels)
    )
    on_gpu = predict(model, test_x)
    assert evaluate(model, test_x, test_y).accuracy > 0.85
    save_model(tmp_path / "m.safetensors", model)
    on_cpu = predict(load_model(tmp_path / "m.safetensors")[0], test_x)
    torch.testing.assert_close(on_cpu, on_gpu, atol=2e-3, rtol=0)  # TF32 and bf16 aside


def test_eval_gives_the_same_accuracy_on_the_gpu_as_on_the_cpu(mnist_dir):
    lines = [
        run("eval", "--data", mnist_dir, "--device", d).stdout.splitlines()[0]
        for d in ("cpu", "cuda:0")
    ]
    assert lines[0] == lines[1]


def test_torchrun_trains_with_nccl_on_the_gpu(mnist_dir, tmp_path):
    torchrun = ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node=1"]
    result = train_command(tmp_path / "m.safetensors", *torchrun, data=mnist_dir, device="cuda")
    assert "in 1 process" in result.stderr and result.stdout.count("saved") == 1
    _, info = load_model(tmp_path / "m.safetensors")
    assert info.facts["recipe"]["device"] == "cuda:0" and info.facts["test_accuracy"] > 0.85
