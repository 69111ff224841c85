"""Two models side by side: each one's own evaluations, and the digits whose verdict changed."""

import numpy as np
import torch
from convlens.engine.compare import Comparison, compare
from convlens.engine.evaluation import Evaluation, evaluate
from convlens.engine.presets import tiny
from convlens.engine.training import build_model


def verdicts(labels, predicted) -> Evaluation:
    labels, predicted = np.array(labels), np.array(predicted)
    return Evaluation(
        float(np.mean(labels == predicted)), [], np.zeros((10, 10)), labels, predicted
    )


def test_the_changed_digits_come_fixed_first_then_broken_then_still_wrong():
    labels = [1, 1, 7, 7, 3, 3]
    before = verdicts(labels, [7, 1, 7, 1, 5, 3])
    after = verdicts(labels, [1, 1, 1, 1, 8, 3])  # 0 fixed, 2 broken, 4 wrong both times
    assert Comparison(before, after, None, None).changed().tolist() == [0, 2, 4]
    assert Comparison(before, before, None, None).changed().tolist() == []


def test_compare_evaluates_both_models_on_both_sets():
    first, second = build_model(tiny(), seed=1), build_model(tiny(), seed=2)
    generator = torch.Generator().manual_seed(0)
    mine = torch.randint(0, 256, (7, 28, 28), generator=generator, dtype=torch.uint8)
    mine_labels = torch.arange(7)
    test = torch.randint(0, 256, (30, 28, 28), generator=generator, dtype=torch.uint8)
    test_labels = torch.arange(30) % 10
    result = compare(first, second, (mine, mine_labels), (test, test_labels))
    for got, model, x, y in (
        (result.mine_before, first, mine, mine_labels),
        (result.mine_after, second, mine, mine_labels),
        (result.test_before, first, test, test_labels),
        (result.test_after, second, test, test_labels),
    ):
        expected = evaluate(model, x, y)
        assert got.predicted.tolist() == expected.predicted.tolist()
        assert got.accuracy == expected.accuracy and len(got.labels) == len(y)
    assert compare(first, second, (mine, mine_labels)).test_after is None
    changed = result.changed()
    assert set(changed) == set(
        np.flatnonzero(result.mine_before.predicted != result.mine_after.predicted)
    )
