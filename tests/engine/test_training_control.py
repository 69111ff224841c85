"""Watching a run: the validation split, pause / step / resume, learning-rate changes, speed,
and the divergence rules; on real MNIST images."""

import threading
import time

import pytest
import torch
import torch.nn.functional as F
from convlens.engine import presets
from convlens.engine.control import TrainControl
from convlens.engine.divergence import CHANCE_AFTER, DivergenceError, DivergenceWatch
from convlens.engine.training import TrainConfig, build_model, evaluate, train, training_set


@pytest.fixture(scope="module")
def subset(mnist_subset):
    data = mnist_subset
    return torch.from_numpy(data.train_images[:2000]), torch.from_numpy(data.train_labels[:2000])


def test_the_validation_split_never_overlaps_the_images_trained_on():
    images = torch.zeros(100, 28, 28, dtype=torch.uint8)
    ids = torch.arange(100)  # labels that name each image
    extra = (torch.zeros(3, 28, 28, dtype=torch.uint8), torch.tensor([1000, 1001, 1002]))
    config = TrainConfig(validation=30, train_limit=50, extra_repeat=2)
    split = training_set(images, ids, config, extra)
    assert split.val_labels.tolist() == list(range(70, 100))  # the last 30
    assert split.labels.tolist() == list(range(50)) + [1000, 1001, 1002] * 2
    assert not set(split.labels.tolist()) & set(split.val_labels.tolist())
    unlimited = training_set(images, ids, TrainConfig(validation=30, train_limit=500))
    assert unlimited.labels.tolist() == list(range(70))
    with pytest.raises(ValueError, match="validation split"):
        training_set(images, ids, TrainConfig(validation=100))


def test_validation_is_measured_on_the_held_out_images(subset):
    x, y = subset
    model = build_model(presets.tiny(), seed=2)
    config = TrainConfig(epochs=2, train_limit=1000, validation=500, val_per_epoch=2, lr=3e-3)
    result = train(model, x, y, config, report_every=60)
    measured = [p for p in result.history if p.val_accuracy is not None]
    assert [(p.epoch, p.step) for p in measured] == [(1, 16), (1, 32), (2, 16), (2, 32)]
    assert all(p.val_loss is None for p in result.history if p.val_accuracy is None)
    assert result.history[-1].seen == 2 * 1000  # the 500 held out were never trained on
    # The last measurement, against an independent pass over the last 500 images.
    held_x, held_y = x[-500:], y[-500:].long()
    with torch.no_grad():
        logits = model(held_x.unsqueeze(1).float() / 255)
    assert measured[-1].val_loss == pytest.approx(F.cross_entropy(logits, held_y).item(), rel=1e-4)
    assert measured[-1].val_accuracy == pytest.approx(evaluate(model, held_x, held_y).accuracy)
    assert measured[-1].val_accuracy > 0.6


def _run_in_thread(model, x, y, config, control, reports):
    outcome = {}

    def run():
        outcome["result"] = train(
            model, x, y, config, reports.append, control=control, report_every=60
        )

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _copy(model):
    return [p.detach().clone() for p in model.parameters()]


def _moved(model, weights):
    pairs = zip(model.parameters(), weights, strict=True)
    return max((p - w).abs().max().item() for p, w in pairs)


def test_pause_step_resume_and_a_learning_rate_change(subset):
    x, y = subset
    model = build_model(presets.tiny(), seed=0)
    control = TrainControl(paused=True)
    reports = []
    config = TrainConfig(epochs=1, train_limit=640, lr=3e-3)  # 20 steps
    thread, outcome = _run_in_thread(model, x, y, config, control, reports)
    try:
        assert control.wait_paused(60)
        assert control.steps_done == 0 and reports == []
        weights = _copy(model)
        control.step()
        assert control.wait_paused(60)
        assert control.steps_done == 1 and [p.global_step for p in reports] == [1]
        assert _moved(model, weights) > 1e-5  # Adam moves a weight by about lr (1.2e-4) a step

        control.set_lr(1e-9)
        weights = _copy(model)
        control.step()
        assert control.wait_paused(60)
        assert control.steps_done == 2 and reports[-1].lr == 1e-9
        assert 0 < _moved(model, weights) < 1e-8

        control.step(3)
        assert control.wait_paused(60)
        assert control.steps_done == 5 and len(reports) == 5
        control.resume()
        thread.join(120)
    finally:
        control.stop()
        thread.join()
    result = outcome["result"]
    assert not result.stopped and result.history[-1].global_step == 20
    assert {p.lr for p in result.history[1:]} == {1e-9}  # the schedule no longer steers it


def test_time_paused_is_not_training_time(subset):
    """A run paused for 0.5 s: its seconds, its reports' elapsed time (the time axis, the time
    left) and the rate of the report after the pause leave the pause out (a pause early in
    a run made the time left grow by the pause over the fraction done)."""
    x, y = subset
    control = TrainControl(paused=True)
    reports = []
    config = TrainConfig(epochs=1, train_limit=640, lr=3e-3)  # 20 steps
    start = time.perf_counter()
    thread, outcome = _run_in_thread(build_model(presets.tiny()), x, y, config, control, reports)
    try:
        assert control.wait_paused(60)
        control.step()
        assert control.wait_paused(60)
        time.sleep(0.5)
        control.resume()
        thread.join(120)
    finally:
        control.stop()
        thread.join()
    wall = time.perf_counter() - start
    result = outcome["result"]
    assert control.paused_s >= 0.5
    assert result.seconds <= wall - control.paused_s
    assert reports[-1].elapsed <= result.seconds
    # The report after the pause: its rate is of the time its 19 steps took, as its elapsed
    # time says (but for the first report's own handling, outside both).
    first, after = reports[0], reports[-1]
    images = 32 * (after.global_step - first.global_step)
    assert after.samples_per_s * (after.elapsed - first.elapsed) == pytest.approx(images, rel=0.05)


def test_should_stop_ends_a_paused_run(subset):
    x, y = subset
    stop = threading.Event()
    control = TrainControl(paused=True)
    outcome = {}
    thread = threading.Thread(
        target=lambda: outcome.update(
            result=train(
                build_model(presets.tiny()),
                x,
                y,
                TrainConfig(epochs=1),
                should_stop=stop.is_set,
                control=control,
            )
        )
    )
    thread.start()
    assert control.wait_paused(60)
    stop.set()
    thread.join(60)
    assert not thread.is_alive()
    assert outcome["result"].stopped and outcome["result"].history == []


def test_a_speed_limited_run_takes_every_step(subset):
    x, y = subset
    control = TrainControl(steps_per_s=500)
    result = train(
        build_model(presets.tiny()), x, y, TrainConfig(train_limit=320, epochs=1), control=control
    )
    assert control.steps_done == 10 and result.history[-1].global_step == 10
    with pytest.raises(ValueError, match="speed"):
        control.set_speed(0)


def test_max_steps_ends_the_run_mid_epoch(subset):
    x, y = subset
    result = train(build_model(presets.tiny()), x, y, TrainConfig(epochs=5, max_steps=7))
    last = result.history[-1]
    assert (last.global_step, last.total_steps, last.epoch, last.epochs) == (7, 7, 1, 1)
    assert last.fraction == 1.0 and last.seen == 7 * 32


def test_a_huge_learning_rate_is_reported_as_failing(subset):
    x, y = subset
    # Adam at 1e9 keeps the loss finite but near 1e19 (issue #9 saved such a model)
    with pytest.raises(DivergenceError, match="the run is failing.*lower learning rate"):
        train(build_model(presets.tiny()), x, y, TrainConfig(epochs=1, lr=1e9))


@pytest.mark.parametrize("preset", sorted(presets.PRESETS))
def test_the_presets_normal_runs_are_not_flagged(subset, preset):
    x, y = subset
    config = TrainConfig(epochs=1, train_limit=640)
    result = train(build_model(presets.PRESETS[preset]()), x, y, config)
    assert result.history and result.warning is None


def test_the_watch_warns_at_chance_and_fires_on_a_rising_loss():
    slow = DivergenceWatch("ce")  # deep_sigmoid at its defaults: loss 2.30, 10% right
    for _ in range(CHANCE_AFTER // 100):
        slow.update(2.30 * 100, 10, 100, "here")
    assert "still at chance (10%) after 3,000 images" in slow.warning()

    learning = DivergenceWatch("ce")
    for _ in range(CHANCE_AFTER // 100):
        learning.update(1.0 * 100, 50, 100, "here")
    assert learning.warning() is None

    rising = DivergenceWatch("ce")
    for loss in (2.3, 2.3, 2.3, 2.3, 2.3):  # the first window: 500 images at 2.3
        rising.update(loss * 100, 10, 100, "step 5")
    for _ in range(4):
        rising.update(6.8 * 100, 10, 100, "step 9")  # under 3 x 2.3 = 6.9: not yet
    with pytest.raises(DivergenceError, match="reached 6.94 in step 10 .* began at 2.3"):
        rising.update(7.5 * 100, 10, 100, "step 10")

    with pytest.raises(DivergenceError, match="became nan"):
        DivergenceWatch("ce").update(float("nan"), 0, 32, "step 1")
