"""Run histories in model files, and the CSV exports of curves and confusion matrix."""

import csv
import io
import json

import numpy as np
import pytest
import torch
from convlens.engine import presets
from convlens.engine.evaluation import evaluate
from convlens.engine.history import (
    CURVES,
    MAX_POINTS,
    confusion_csv,
    curves,
    curves_csv,
    read_history,
    run_history,
    thin,
    write_text,
)
from convlens.engine.model_file import ModelFileError, ModelInfo, load_model, save_model
from convlens.engine.training import Progress, TrainConfig, build_model, train


def _report(i, val=False):
    return Progress(1, 1, i, 2000, 1.0 / i, 0.0, 0.5, 1e3, 0.01 * i, {}, 1e-3, i, 2000, 32 * i,
                    0.5 if val else None, 0.9 if val else None)  # fmt: skip


def test_thinning_keeps_every_validation_point_and_the_last_report():
    reports = [_report(i, val=i % 100 == 0) for i in range(1, 2001)]
    kept = thin(reports)
    assert len(kept) <= MAX_POINTS and kept[-1] is reports[-1] and kept[0] is reports[0]
    assert [p.step for p in kept if p.val_loss is not None] == list(range(100, 2001, 100))
    steps = [p.step for p in kept]
    assert steps == sorted(set(steps)) and max(np.diff(steps)) <= 6  # evenly spread
    assert thin(reports[:10]) == reports[:10]


@pytest.fixture(scope="module")
def trained(mnist_subset):
    data = mnist_subset
    x, y = torch.from_numpy(data.train_images[:1500]), torch.from_numpy(data.train_labels[:1500])
    model = build_model(presets.tiny(), seed=1)
    config = TrainConfig(epochs=1, validation=500, lr=3e-3)
    result = train(model, x, y, config, report_every=0)
    test = evaluate(
        model, torch.from_numpy(data.test_images[:500]), torch.from_numpy(data.test_labels[:500])
    )
    return model, config, result, test


def test_a_saved_model_reopens_with_its_history(trained, tmp_path):
    model, config, result, test = trained
    history = run_history(config, result, test, start="random", data="MNIST")
    path = tmp_path / "run.safetensors"
    save_model(path, model, ModelInfo("tiny", {}, history=history))
    _, info = load_model(path)
    assert info.history == history
    read_config, columns = read_history(info.history)
    assert read_config == config
    assert columns["data_loss"] == [p.data_loss for p in result.history]  # 32 reports: unthinned
    assert columns["val_accuracy"][-1] == result.history[-1].val_accuracy is not None
    assert info.history["evaluation"]["confusion"] == test.confusion.tolist()
    assert info.history["start"] == "random" and len(json.dumps(history)) < 100_000


@pytest.mark.parametrize(
    "broken", [{}, {"version": 1}, {"version": 1, "config": {"epochs": 1}, "curves": {}}, []]
)
def test_a_malformed_history_is_a_model_file_error(broken):
    with pytest.raises(ModelFileError, match="unreadable run history"):
        read_history(broken, "x.safetensors")


def test_curves_and_confusion_export_as_csv(tmp_path):
    reports = [_report(1), _report(2, val=True)]
    path = tmp_path / "curves.csv"
    write_text(path, curves_csv(curves(reports)))
    rows = list(csv.reader(io.StringIO(path.read_text())))
    assert rows[0] == list(CURVES)
    assert rows[1][CURVES.index("data_loss")] == "1.0" and rows[1][CURVES.index("val_loss")] == ""
    assert rows[2][CURVES.index("val_accuracy")] == "0.9" and rows[2][CURVES.index("seen")] == "64"
    confusion = np.arange(100).reshape(10, 10)
    text = confusion_csv(confusion)
    lines = text.splitlines()
    assert lines[0] == "true \\ predicted,0,1,2,3,4,5,6,7,8,9"
    assert lines[3] == "2,20,21,22,23,24,25,26,27,28,29" and len(lines) == 11
