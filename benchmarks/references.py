"""What the benchmark measures the engine against, written the way tutorials write them: the
textbook training loop (a DataLoader over a TensorDataset) on the default network in stock
modules, and the PyTorch MNIST example (pytorch/examples mnist/main.py) trained its own way."""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F
from convlens.engine import mnist
from torch import nn


def textbook_loop(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 64):
    """The loop of every tutorial: a DataLoader over a TensorDataset, loss.item() every 10."""
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y), batch_size=batch_size, shuffle=True
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    for step, (images, labels) in enumerate(loader):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        if step % 10 == 0:
            loss.item()  # the example's log_interval print, a host sync


def textbook_default() -> nn.Module:
    """presets.default() as a tutorial writes it: stock modules in an nn.Sequential."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 48, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.25),
        nn.Linear(48 * 7 * 7, 128),
        nn.ReLU(),
        nn.Dropout(0.25),
        nn.Linear(128, 10),
    )


class ExampleNet(nn.Module):
    """pytorch/examples mnist/main.py, unchanged."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = torch.flatten(self.dropout1(x), 1)
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


def example_run(data: mnist.Mnist, budget: float, until: float | None, check_every: int):
    """Train the example the example's way (Adadelta 1.0, StepLR 0.7, batch 64, normalised
    inputs, a DataLoader). Returns (accuracy after ``budget`` s of training, training seconds
    to reach ``until`` or None). Evaluations are not counted as training time."""

    def normalise(images):
        return (torch.from_numpy(images).unsqueeze(1).float() / 255 - 0.1307) / 0.3081

    x, y = normalise(data.train_images), torch.from_numpy(data.train_labels)
    test_x, test_y = normalise(data.test_images), torch.from_numpy(data.test_labels)

    def accuracy(model) -> float:
        model.eval()
        with torch.no_grad():
            right = sum(
                (model(test_x[i : i + 1000]).argmax(1) == test_y[i : i + 1000]).sum().item()
                for i in range(0, len(test_y), 1000)
            )
        model.train()
        return right / len(test_y)

    torch.manual_seed(1)
    model = ExampleNet()
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    schedule = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y), batch_size=64, shuffle=True
    )
    spent, at_budget, reached = 0.0, None, None
    model.train()
    for _epoch in range(14):
        for step, (images, labels) in enumerate(loader):
            start = time.perf_counter()
            optimizer.zero_grad()
            loss = F.nll_loss(model(images), labels)
            loss.backward()
            optimizer.step()
            if step % 10 == 0:
                loss.item()
            spent += time.perf_counter() - start
            if at_budget is None and spent >= budget:
                at_budget = accuracy(model)
                if until is None:
                    return at_budget, None
            if until is not None and step % check_every == 0 and spent >= budget:
                if accuracy(model) >= until:
                    return at_budget, spent
            if spent > 600:
                return at_budget, None
        schedule.step()
    return at_budget, reached
