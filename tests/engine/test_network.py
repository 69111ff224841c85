"""Network.forward runs a pool before the activation written ahead of it (forward_order):
the logits and every gradient must be those of the layers in the order the user wrote."""

import pytest
import torch
from convlens.engine.network import Pool2d, forward_order
from convlens.engine.spec import Activation, Architecture, Conv, Dense, Flatten, Pool
from convlens.engine.training import build_model


def network(function: str, op: str):
    layers = [
        Conv(4, 3, padding="same"),
        Activation(function),
        Pool(op, 2),
        Conv(6, 3),
        Activation(function),
        Pool(op, 3, stride=2),
        Flatten(),
        Dense(10),
    ]
    return build_model(Architecture(layers), seed=0)


def logits_and_gradients(model, images, run):
    model.zero_grad()
    logits = run(images)
    logits.square().sum().backward()
    return logits.detach(), [p.grad.clone() for p in model.parameters()]


def as_written(model):
    def run(x):
        x = (x - model.mean) / model.std
        for layer in model.layers:
            x = layer(x.clone())  # clone: a ReLU set in place must not change a saved input
        return x

    return run


@pytest.mark.parametrize("function", ["relu", "leaky_relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("op", ["max", "min", "average", "sum"])
def test_forward_equals_the_layers_as_written(function, op):
    model = network(function, op)
    images = torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    images[:, :, :10] = 0  # blank rows: windows of equal values, ReLU's flat side
    swapped, swapped_grads = logits_and_gradients(model, images, model)
    written, written_grads = logits_and_gradients(model, images, as_written(model))
    torch.testing.assert_close(swapped, written)
    for got, want in zip(swapped_grads, written_grads, strict=True):
        torch.testing.assert_close(got, want)


def test_only_max_and_min_pools_move_ahead():
    for op, moved in [("max", True), ("min", True), ("average", False), ("sum", False)]:
        model = network("relu", op)
        kinds = [type(layer).__name__ for layer in forward_order(model.layers)]
        first_pool = kinds.index("Pool2d")
        assert (kinds[first_pool + 1] == "ReLU") == moved, (op, kinds)
        assert isinstance(model.layers[2], Pool2d)  # the written order itself is unchanged
