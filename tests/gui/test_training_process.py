"""Training in a process of its own: a run there trains the model a run here would, every
thread of it at a lower priority than the window, obeys a pause pressed before it began and
single steps, reuses its process, and a crash of the process is a message in the window,
which goes on and trains again."""

import multiprocessing
import os
import signal
import threading

import numpy as np
import pytest
import torch
from convlens.engine.evaluation import evaluate
from convlens.engine.presets import tiny
from convlens.engine.training import TrainConfig, build_model, train
from convlens.engine.training_server import NICENESS, PortableModel, TrainJob
from convlens.gui.services.training_process import RemoteControl, TrainingProcess, relay

from tests.gui.test_training import TIMEOUT_MS, start_from_menu

CONFIG = TrainConfig(epochs=1, train_limit=640, seed=3)
WAIT_S = 60  # a loaded machine is slow; the tests assert on outcomes, not on time


def job(config=CONFIG) -> TrainJob:
    return TrainJob(
        PortableModel.of(build_model(tiny(), seed=1)),
        config,
        snapshot_every=0.0,  # the weights with every report: a short run sends some too
    )


def run(control: RemoteControl, process: TrainingProcess, a_job: TrainJob, data) -> tuple:
    """Send ``data``, submit ``a_job`` and collect its events on a thread, as the app's
    relay does."""
    seen: list = []
    process.provide(data)
    connection = control.submit(process, a_job)

    def read():
        try:
            relay(connection, control, lambda kind, *payload: seen.append((kind, *payload)))
        except EOFError:  # the test has killed the process
            pass

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return seen, thread


def test_a_run_there_trains_the_model_a_run_here_would(mnist_subset):
    process = TrainingProcess.take()
    seen, thread = run(RemoteControl(), process, job(), mnist_subset)
    thread.join(WAIT_S)
    kinds = [kind for kind, *_ in seen]
    assert kinds[0] == "progress" and kinds[-1] == "finished" and "snapshot" in kinds
    portable, result, evaluation, config = seen[-1][1:]
    assert config == CONFIG and result.history[-1].seen == 640

    here = build_model(tiny(), seed=1)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the job's threads: the same sums in the same order
    try:
        train(
            here,
            torch.from_numpy(mnist_subset.train_images),
            torch.from_numpy(mnist_subset.train_labels),
            CONFIG,
        )
    finally:
        torch.set_num_threads(threads)
    there = portable.network()
    for name, weights in here.state_dict().items():
        np.testing.assert_allclose(there.state_dict()[name], weights, rtol=1e-5, atol=1e-6)
    images, labels = map(torch.from_numpy, (mnist_subset.test_images, mnist_subset.test_labels))
    assert evaluation.accuracy == evaluate(there, images, labels).accuracy

    process.give_back()
    again = TrainingProcess.take()
    assert again is process  # kept for the next run: PyTorch is imported once
    again.give_back()


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="reads Linux's /proc")
def test_every_thread_of_the_training_process_runs_below_the_window(mnist_subset):
    process = TrainingProcess.take()
    seen, thread = run(RemoteControl(), process, job(), mnist_subset)
    thread.join(WAIT_S)
    assert seen[-1][0] == "finished"
    pid = process._process.pid
    threads = [int(tid) for tid in os.listdir(f"/proc/{pid}/task")]
    assert len(threads) > 1  # the command reader beside the loop, and PyTorch's own
    below_this_process = min(os.getpriority(os.PRIO_PROCESS, 0) + NICENESS, 19)  # 19: lowest
    assert {os.getpriority(os.PRIO_PROCESS, tid) for tid in threads} == {below_this_process}
    process.give_back()


def test_a_pause_pressed_before_the_run_holds_its_first_step(mnist_subset):
    control = RemoteControl()
    control.pause()  # while the data loads: sent right behind the job
    process = TrainingProcess.take()
    try:
        seen, thread = run(control, process, job(), mnist_subset)
        assert control.wait_paused(WAIT_S)
        assert control.steps_done == 0 and not seen

        control.set_lr(0.5)
        control.step()
        assert control.wait_paused(WAIT_S)
        assert control.steps_done == 1
        reports = [payload[0] for kind, *payload in seen if kind == "progress"]
        assert [r.global_step for r in reports] == [1] and reports[0].lr == 0.5

        control.stop()
        thread.join(WAIT_S)
        result = seen[-1][2]
        assert seen[-1][0] == "finished" and result.stopped
        assert result.history[-1].global_step == 1
    finally:
        process.kill()  # never a paused run left behind a failed assert


def training_processes() -> list:
    return [p for p in multiprocessing.active_children() if p.name == "convlens-training"]


def test_a_crashed_training_process_is_a_message_and_the_next_run_works(mnist_window, qtbot):
    window = mnist_window
    before = window.session.model
    window.training_panel.controls.speed.setValue(5.0)  # slowed: it is still running when hit
    with qtbot.waitSignal(window.trainer.failed, timeout=TIMEOUT_MS) as failed:
        start_from_menu(window, qtbot, epochs=20)
        with qtbot.waitSignal(window.trainer.progress, timeout=TIMEOUT_MS):
            pass
        for child in training_processes():  # idle ones too
            os.kill(child.pid, signal.SIGSEGV)  # as a crash inside a step would end it
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=TIMEOUT_MS)
    # all of them reaped (by active_children), so a later test never takes a dying one
    qtbot.waitUntil(lambda: not training_processes(), timeout=TIMEOUT_MS)
    assert "training process ended unexpectedly (exit code -11)" in failed.args[0]
    assert window.last_error == ("Training failed", failed.args[0])
    assert window.session.model is before and not window.session.training

    window.training_panel.controls.speed.setValue(0.0)
    with qtbot.waitSignal(window.trainer.finished, timeout=TIMEOUT_MS) as finished:
        start_from_menu(window, qtbot)
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=TIMEOUT_MS)
    assert finished.args[2].confusion.sum() == 1000
