"""The network as code: the PyTorch snippet, executed, is our Network (same parameter shapes,
same logits with our weights); the Keras text equals the golden files.

After an intended change of the Keras text, rewrite a golden file with
``python main.py export-code --arch PRESET --to keras > tests/engine/golden/keras_PRESET.txt``
and read the difference before committing it.
"""

import pytest
import torch
from convlens.engine.code_export import keras_code, pytorch_code
from convlens.engine.model_file import load_model
from convlens.engine.network import Network
from convlens.engine.presets import PRESETS
from convlens.engine.shipped import DEFAULT_MODEL
from convlens.engine.spec import (
    Activation,
    Architecture,
    ArchitectureError,
    BatchNorm,
    Conv,
    Dense,
    Dropout,
    Flatten,
    Pool,
)
from convlens.main import main
from safetensors.torch import load_file

from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "engine" / "golden"

# Hand-made networks that use every setting a layer has, beside the presets.
OPTIONS = {
    "padding widths": Architecture(
        [Conv(4, 3, padding=0), Conv(5, 3, padding=2), Conv(3, 5, padding=1), Activation("tanh")]
        + [Flatten(), Dense(10)]
    ),
    "same with even kernels": Architecture(
        [Conv(3, 4, padding="same"), Activation("sigmoid"), Conv(4, 2, padding="same")]
        + [Conv(4, 3, stride=2, padding="same"), Flatten(), Dense(10)]
    ),
    "stride 2 and strided pools": Architecture(
        [Conv(6, 3, stride=2), Pool("min", 3, 2), Conv(5, 2, stride=2, padding=1)]
        + [Pool("sum", 2, 1), Pool("average", 2, 1), Pool("max", 2, 1), Flatten(), Dense(10)]
    ),
    "column flatten, batch norm, leaky relu, dropout": Architecture(
        [Conv(4, 5), BatchNorm(), Activation("leaky_relu"), Pool("min", 2), Dropout(0.3)]
        + [Flatten("column"), BatchNorm(), Dense(20), Activation("leaky_relu"), Dropout(0.5)]
        + [Dense(10)]
    ),
    "sum and average pools after activations": Architecture(
        [Conv(3, 3, padding=1), Activation("relu"), Pool("sum", 3, 2), Activation("tanh")]
        + [Pool("average", 3), Flatten("column"), Dense(10)]
    ),
}
NETWORKS = {**{name: make() for name, make in PRESETS.items()}, **OPTIONS}


def run_snippet(architecture: Architecture) -> dict:
    """Execute the PyTorch code as a user would paste it: its own namespace, nothing else."""
    namespace: dict = {}
    exec(compile(pytorch_code(architecture), "<pytorch_code>", "exec"), namespace)
    return namespace


def our_network(architecture: Architecture) -> Network:
    """Our Network with random weights, and batch norm statistics that are not 0 and 1."""
    torch.manual_seed(0)
    network = Network(architecture)
    with torch.no_grad():
        for name, tensor in network.state_dict().items():
            if name.endswith("running_var"):
                tensor.uniform_(0.5, 2.0)
            elif tensor.is_floating_point():  # batch norm's weight 1, bias and mean 0: moved
                tensor.add_(0.1 * torch.randn_like(tensor))
    return network.eval()


@pytest.mark.parametrize("name", NETWORKS)
def test_the_pytorch_code_builds_our_network(name):
    architecture = NETWORKS[name]
    network = our_network(architecture)
    namespace = run_snippet(architecture)
    model = namespace["model"]
    assert isinstance(model, torch.nn.Sequential)

    mapping = namespace["CONVLENS_LAYERS"]
    ours = {
        f"{mapping[int(key.split('.')[1])]}.{key.split('.')[2]}": tuple(value.shape)
        for key, value in network.state_dict().items()
    }
    assert {key: tuple(value.shape) for key, value in model.state_dict().items()} == ours
    assert sum(p.numel() for p in model.parameters()) == architecture.analyse().params

    namespace["load_convlens_weights"](model, network.state_dict())
    model.eval()
    torch.manual_seed(1)
    images = torch.rand(5, 1, 28, 28)
    images[0] = 0  # blank paper: every value comes from the biases and the standardisation
    with torch.no_grad():
        expected, got = network(images), model(images)
    assert got.shape == (5, 10)
    assert (got - expected).abs().max() <= 1e-5
    assert expected.std() > 0.01  # the comparison is of real, varied numbers


def test_the_pytorch_code_runs_the_shipped_model_file_as_its_comment_says():
    network, _ = load_model(DEFAULT_MODEL)
    namespace = run_snippet(network.architecture)
    model = namespace["model"]
    namespace["load_convlens_weights"](model, load_file(DEFAULT_MODEL))
    model.eval()
    images = torch.rand(8, 1, 28, 28)
    with torch.no_grad():
        assert (model(images) - network(images)).abs().max() <= 1e-5


def test_the_pytorch_code_writes_only_the_helpers_it_needs():
    default = pytorch_code(PRESETS["default"]())
    assert "class Standardise" in default and "nn.ZeroPad2d" not in default
    for helper in ("MinPool2d", "SumPool2d", "FlattenColumns"):
        assert helper not in default
    options = pytorch_code(OPTIONS["column flatten, batch norm, leaky relu, dropout"])
    assert "class MinPool2d" in options and "class FlattenColumns" in options
    assert "nn.LeakyReLU(0.01)" in options and "nn.BatchNorm1d(576)" in options
    assert "nn.ZeroPad2d((1, 2, 1, 2))" in pytorch_code(OPTIONS["same with even kernels"])


@pytest.mark.parametrize("name", [*PRESETS, "options"])
def test_the_keras_code_equals_its_golden_file(name):
    architecture = PRESETS[name]() if name in PRESETS else every_option()
    golden = (GOLDEN / f"keras_{name}.txt").read_text(encoding="utf-8")
    assert keras_code(architecture) == golden


def every_option() -> Architecture:
    """One network with every Keras translation in it: padding, min and sum pools, columns."""
    return Architecture(
        [Conv(4, 3, stride=2, padding=1), Activation("leaky_relu"), Pool("min", 3, 1)]
        + [Conv(6, 4, padding="same"), BatchNorm(), Activation("tanh"), Pool("sum", 2)]
        + [Flatten("column"), Dropout(0.2), Dense(32), Activation("sigmoid"), Dense(10)],
        name="options",
    )


def test_the_keras_code_is_grown_with_add_and_ends_in_a_softmax():
    lines = keras_code(every_option()).splitlines()
    adds = [line for line in lines if line.startswith("model.add(")]
    assert adds[0].startswith("model.add(keras.Input(shape=(28, 28, 1)))")
    assert adds[-1].startswith('model.add(layers.Activation("softmax"))')
    assert any("model.pop()" in line for line in lines)


@pytest.mark.parametrize("export", [pytorch_code, keras_code])
def test_an_impossible_network_is_an_architecture_error(export):
    with pytest.raises(ArchitectureError, match="layer 1"):
        export(Architecture([Conv(4, 5), Dense(10)]))


def test_export_code_prints_the_shipped_model_by_default(capsys):
    assert main(["export-code"]) == 0
    assert capsys.readouterr().out == pytorch_code(load_model(DEFAULT_MODEL)[0].architecture)


def test_export_code_prints_a_model_file_a_json_file_or_a_preset(tmp_path, capsys):
    architecture = OPTIONS["stride 2 and strided pools"]
    path = tmp_path / "strided.json"
    path.write_text(architecture.to_json(), encoding="utf-8")
    assert main(["export-code", "--arch", str(path), "--to", "keras"]) == 0
    assert capsys.readouterr().out == keras_code(architecture)
    assert main(["export-code", "--arch", "lenet5", "--to", "keras"]) == 0
    assert capsys.readouterr().out == (GOLDEN / "keras_lenet5.txt").read_text(encoding="utf-8")
    assert main(["export-code", "--model", str(DEFAULT_MODEL), "--to", "pytorch"]) == 0
    assert "nn.Sequential(" in capsys.readouterr().out


def test_export_code_says_what_is_wrong_with_its_input(tmp_path, capsys):
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"not a model")
    assert main(["export-code", "--model", str(broken)]) == 2
    assert capsys.readouterr().err.startswith("error: broken.safetensors is not")
    impossible = tmp_path / "impossible.json"
    impossible.write_text(Architecture([Conv(4, 5), Dense(10)]).to_json(), encoding="utf-8")
    assert main(["export-code", "--arch", str(impossible)]) == 2
    assert "layer 1: dense needs a flat input" in capsys.readouterr().err
