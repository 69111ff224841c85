"""Training in a process of its own: ``serve`` runs the training jobs sent to it over a pipe
and sends back what the loop reports.

The app trains here so that its window never shares the interpreter lock with a training
step (a 10 ms timer on the GUI thread fired up to 30 ms late while the step ran on a thread
beside it), and a crash inside the step ends this process, not the app. It runs at a lower
priority (``NICENESS``): on a busy machine, training is what waits.

Messages are pickled tuples, framed by ``send`` and ``receive``: NumPy arrays travel as
out-of-band buffers (written straight from the array, with no copy under the interpreter
lock), weights as NumPy arrays, never as pickled tensors (whose unpickling is a
``torch.load``). Both ends of the pipes are this program's own: nothing read from a file or
from another user is ever unpickled.

Commands: ``("data", Mnist)``, the images the jobs after it use (sent once per process: its
55 MB through the pipe at a run's start held the app's window ~100 ms on 2 cores, so the app
sends it while the Train dialog is read); ``("train", job)`` (a TrainJob or a SweepJob), then
for the running job
``("pause",)``, ``("resume",)``, ``("step", n)``, ``("speed", steps_per_s | None)``,
``("lr", lr)`` and ``("stop",)`` (a run's model so far is still evaluated). A job that must
end at once is ended by ending the process.
Events of a TrainJob: ``progress`` (a Progress), ``snapshot`` (the weights), ``waiting`` (the
loop rests in a pause; the steps taken), ``diverged``, ``failed`` (a message for the user),
``finished`` (a PortableModel, the TrainResult, the Evaluation and the config it ran with).
Of a SweepJob: ``run_progress`` (the run's index, a Progress), ``sweep_run`` (a SweepRun whose
model is a PortableModel) and ``failed``. Always last: ``done``.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import queue
import struct
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import ClassVar

import numpy as np
import torch
from convlens.engine.control import TrainControl
from convlens.engine.divergence import DivergenceError
from convlens.engine.evaluation import evaluate
from convlens.engine.mnist import Mnist
from convlens.engine.network import Network
from convlens.engine.spec import Architecture
from convlens.engine.sweep import sweep
from convlens.engine.training import TrainConfig, train

# Below the window and the user's other programs: on a busy machine they get the cores first
# and training takes the rest (with a CPU hog beside the app on 2 cores, the window's 10 ms
# timer fired 4-6 ms late at p99 instead of 10.5-13.6 ms, at the same samples/s).
NICENESS = 10
SLOW_SNAPSHOT_S = 0.25  # slowed down, the weights are sent at most this often (every report)
_COUNT = struct.Struct("<I")  # a frame's count of out-of-band buffers
# A command's TrainControl method.
_STEERS = {
    "pause": "pause",
    "resume": "resume",
    "step": "step",
    "speed": "set_speed",
    "lr": "set_lr",
    "stop": "stop",
}


@dataclasses.dataclass
class PortableModel:
    """A Network as the pipe carries it: its architecture, temperature and weights."""

    architecture: Architecture
    temperature: float
    weights: dict[str, np.ndarray]

    @classmethod
    def of(cls, model: Network) -> PortableModel:
        return cls(model.architecture, model.temperature, weights_of(model))

    def network(self) -> Network:
        model = Network(self.architecture)
        model.load_state_dict({k: torch.from_numpy(v) for k, v in self.weights.items()})
        model.temperature = self.temperature
        return model.eval()


def weights_of(model: Network) -> dict[str, np.ndarray]:
    """A CPU copy of the weights (so the receiver may read them while training goes on)."""
    return {k: v.detach().to("cpu", copy=True).numpy() for k, v in model.state_dict().items()}


@dataclasses.dataclass
class TrainJob:
    """One run: a copy of the model, its settings and how to report; it trains on the data
    last sent to the process, and is evaluated on its test images."""

    model: PortableModel
    config: TrainConfig
    extra: tuple[np.ndarray, np.ndarray] | None = None  # the user's digits
    with_mnist: bool = True  # False: the user's digits alone, not MNIST's training images
    threads: int = 1
    paused: bool = False  # from its first step: a pause pressed while the data loaded
    steps_per_s: float | None = None  # None: full speed
    snapshot_every: float = 1.0  # seconds between weight snapshots at full speed

    def with_state(self, paused: bool, steps_per_s: float | None) -> TrainJob:
        """This job, to start paused or slowed as the user asked while its data loaded."""
        return dataclasses.replace(self, paused=paused, steps_per_s=steps_per_s)

    def execute(self, control: TrainControl, report: Callable[..., None], data: Mnist) -> None:
        model = self.model.network()
        last_snapshot = time.perf_counter()

        def on_progress(progress) -> None:
            nonlocal last_snapshot
            report("progress", progress)
            now = time.perf_counter()
            every = SLOW_SNAPSHOT_S if control.steps_per_s is not None else self.snapshot_every
            if control.paused or now - last_snapshot >= every:
                last_snapshot = now
                report("snapshot", weights_of(model))

        extra = None if self.extra is None else tuple(map(torch.from_numpy, self.extra))
        keep = None if self.with_mnist else 0  # [:0]: the user's digits alone
        result = train(
            model,
            torch.from_numpy(data.train_images[:keep]),
            torch.from_numpy(data.train_labels[:keep]),
            self.config,
            progress=on_progress,
            control=control,
            extra=extra,
        )
        model.to("cpu").eval()
        evaluation = evaluate(
            model, torch.from_numpy(data.test_images), torch.from_numpy(data.test_labels)
        )
        report("finished", PortableModel.of(model), result, evaluation, self.config)


@dataclasses.dataclass
class SweepJob:
    """An experiment (engine.sweep) on the training images last sent: one run per value of
    ``setting``, each sent as it ends. It runs at full speed, unpaused: only ``stop`` steers
    it."""

    architecture: Architecture
    config: TrainConfig
    setting: str
    values: list
    layer: int | None
    threads: int = 1
    paused: ClassVar[bool] = False
    steps_per_s: ClassVar[float | None] = None

    def with_state(self, paused: bool, steps_per_s: float | None) -> SweepJob:
        return self

    def execute(self, control: TrainControl, report: Callable[..., None], data: Mnist) -> None:
        runs = sweep(
            self.architecture,
            self.config,
            self.setting,
            self.values,
            torch.from_numpy(data.train_images),
            torch.from_numpy(data.train_labels),
            self.layer,
            progress=lambda index, progress: report("run_progress", index, progress),
            should_stop=lambda: control.stopped,
        )
        for run in runs:
            model = None if run.model is None else PortableModel.of(run.model)
            report("sweep_run", dataclasses.replace(run, model=model))


def send(connection: Connection, message: tuple) -> None:
    """One frame: the number of buffers and the pickle, then each array's buffer."""
    buffers: list[pickle.PickleBuffer] = []
    head = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
    connection.send_bytes(_COUNT.pack(len(buffers)) + head)
    for buffer in buffers:
        connection.send_bytes(buffer.raw())


def receive(connection: Connection) -> tuple:
    """The next message; EOFError once the other end has closed."""
    first = connection.recv_bytes()
    (count,) = _COUNT.unpack_from(first)
    buffers = [bytearray(connection.recv_bytes()) for _ in range(count)]  # writable arrays
    return pickle.loads(first[_COUNT.size :], buffers=buffers)


def serve(commands: Connection, events: Connection) -> None:
    """Run jobs until ``commands`` closes (the app has ended), then exit."""
    if hasattr(os, "nice"):  # not on Windows
        os.nice(NICENESS)  # before any thread starts: each inherits it
    runner = _Runner(events)
    threading.Thread(target=_read, args=(commands, runner), daemon=True).start()
    _warm_up()
    while True:
        runner.run(*runner.jobs.get())


def _warm_up() -> None:
    """Make an optimizer now: the first one imports PyTorch's compiler stack (torch._dynamo,
    2-3 s here). The app starts this process as the Train dialog opens, so a run then starts
    as soon as it is accepted."""
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)


def _read(commands: Connection, runner: _Runner) -> None:
    """Commands, as they come, on a thread of their own: the loop never waits for them."""
    while True:
        try:
            command, *args = receive(commands)
        except (EOFError, OSError):
            os._exit(0)  # the app is gone: nobody is left to report to
        if command == "data":
            runner.data = args[0]
        elif command == "train":
            runner.accept(args[0])
        else:
            runner.steer(command, *args)


class _Runner:
    """Runs one job at a time and reports on it. A job's control is made as the job
    arrives, so the commands right behind it (a pause pressed at once) steer it."""

    def __init__(self, events: Connection):
        self._events = events
        self.jobs: queue.Queue[tuple[TrainJob | SweepJob, TrainControl]] = queue.Queue()
        self._lock = threading.Lock()  # guards the current job's control
        self._control: TrainControl | None = None
        self.data: Mnist | None = None  # set by "data", always before the jobs that use it

    def _report(self, kind: str, *payload) -> None:
        send(self._events, (kind, *payload))

    def accept(self, job: TrainJob | SweepJob) -> None:
        control = TrainControl(
            job.paused, job.steps_per_s, on_wait=lambda steps: self._report("waiting", steps)
        )
        with self._lock:
            self._control = control
        self.jobs.put((job, control))

    def steer(self, command: str, *args) -> None:
        with self._lock:
            if self._control is not None:  # None: for a job that has just ended
                getattr(self._control, _STEERS[command])(*args)

    def run(self, job: TrainJob | SweepJob, control: TrainControl) -> None:
        report = self._report
        try:
            torch.set_num_threads(job.threads)
            job.execute(control, report, self.data)
        except DivergenceError as error:
            report("diverged", str(error))
            report("failed", str(error))
        except Exception as error:  # any failure must reach the user
            report("failed", str(error) or type(error).__name__)
        finally:
            with self._lock:
                if self._control is control:
                    self._control = None
            report("done")
