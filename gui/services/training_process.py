"""The process the app trains in (``engine.training_server``), and the GUI's side of the
control of the run inside it.

A process is started for the first run and kept, idle, for the next ones: starting one
imports PyTorch (2-3 s here). Each Trainer takes an idle one or starts its own, so two
windows never share one; a process that crashed or was killed is never reused.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection

from convlens.engine import training_server
from convlens.engine.control import check_lr, check_speed
from convlens.engine.mnist import Mnist
from convlens.engine.training_server import SweepJob, TrainJob, receive, send

# spawn, not fork: a forked copy of the GUI would inherit Qt's threads' locks mid-use.
_CONTEXT = multiprocessing.get_context("spawn")
_IDLE: list[TrainingProcess] = []  # started, alive, running nothing
_IDLE_LOCK = threading.Lock()


class TrainingProcess:
    """One training process: jobs and commands go down one pipe, events come up another."""

    def __init__(self):
        commands_out, self._commands = _CONTEXT.Pipe(duplex=False)
        self.events, events_in = _CONTEXT.Pipe(duplex=False)
        self._process = _CONTEXT.Process(
            target=training_server.serve,
            args=(commands_out, events_in),
            name="convlens-training",
            daemon=True,  # ended with the app
        )
        self._process.start()
        commands_out.close()  # the child's ends: closed here, so that its exit is an EOF
        events_in.close()
        self._lock = threading.Lock()  # the GUI thread and the relay thread both send
        self._data: Mnist | None = None  # the data set it holds

    @classmethod
    def take(cls) -> TrainingProcess:
        """An idle process, or a new one."""
        with _IDLE_LOCK:
            while _IDLE:
                process = _IDLE.pop()
                if process.is_alive():
                    return process
        return cls()

    @classmethod
    def warm(cls, data: Mnist | None = None) -> None:
        """One idle process, ready for the next run, and holding ``data`` if given (sent
        from a thread: the window goes on while it copies)."""
        with _IDLE_LOCK:
            idle = next((process for process in _IDLE if process.is_alive()), None)
        if idle is None:
            idle = cls()
            idle.give_back()
        if data is not None:
            threading.Thread(target=idle.provide, args=(data,), daemon=True).start()

    def provide(self, data: Mnist) -> None:
        """Send ``data`` for the jobs that follow, unless this process holds it already."""
        with self._lock:
            if self._data is data:
                return
            try:
                send(self._commands, ("data", data))
            except OSError:  # the process is gone: the relay says so
                return
            self._data = data

    def give_back(self) -> None:
        """Idle again, for the next run."""
        if self.is_alive():
            with _IDLE_LOCK:
                _IDLE.append(self)

    def is_alive(self) -> bool:
        return self._process.is_alive()

    def exit_code(self) -> int | None:
        self._process.join(1.0)  # its pipe closes a moment before the process is reaped
        return self._process.exitcode

    def send(self, *command) -> None:
        with self._lock:
            try:
                send(self._commands, command)
            except OSError:  # the process is gone: the relay says so
                pass

    def kill(self) -> None:
        """End it now (the window is closing mid-run): its pipe closes, the relay wakes."""
        self._process.kill()
        self._process.join()


class RemoteControl:
    """A TrainControl's calls, for a run in a training process: each is sent as a command,
    and what the loop did (its steps, its rests in a pause) comes back from the relay.

    Calls made before the run reaches the process (while the data loads) go with the job: the
    pause and the speed as its state, so a pause pressed at once holds the first step; the
    others are sent right behind it, in order.
    """

    def __init__(self):
        self._condition = threading.Condition()
        self._process: TrainingProcess | None = None
        self._queued: list[tuple] = []
        self._resting = False  # the loop sits in a pause with no single step left
        self._ended = False
        self._cancelled = False
        self.paused = False
        self.steps_per_s: float | None = None
        self.steps_done = 0

    # Called from the GUI thread
    def pause(self) -> None:
        with self._condition:
            self.paused = True
            self._command("pause")

    def resume(self) -> None:
        with self._condition:
            self.paused = self._resting = False
            self._command("resume")

    def step(self, count: int = 1) -> None:
        with self._condition:
            if self.paused:
                self._resting = False
                self._command("step", count)

    def stop(self) -> None:
        with self._condition:
            self._command("stop")

    def set_speed(self, steps_per_s: float | None) -> None:
        check_speed(steps_per_s)
        with self._condition:
            self.steps_per_s = steps_per_s
            self._command("speed", steps_per_s)

    def set_lr(self, lr: float) -> None:
        check_lr(lr)
        with self._condition:
            self._command("lr", float(lr))

    def cancel(self) -> None:
        """Stop at once, without the evaluation: the process is killed (the window closes)."""
        with self._condition:
            self._cancelled = True
            if self._process is not None:
                self._process.kill()

    def wait_paused(self, timeout: float | None = None) -> bool:
        """Block until the loop rests in a pause (or the run has ended); False on timeout."""
        with self._condition:
            return self._condition.wait_for(lambda: self._ended or self._resting, timeout)

    # Called from the relay thread
    def submit(self, process: TrainingProcess, job: TrainJob | SweepJob) -> Connection | None:
        """Send ``job`` and the calls made so far; its events' pipe, None when cancelled."""
        with self._condition:
            if self._cancelled:
                return None
            process.send("train", job.with_state(self.paused, self.steps_per_s))
            for command in self._queued:
                process.send(*command)
            self._process, self._queued = process, []
            return process.events

    def cancelled(self) -> bool:
        return self._cancelled

    def advanced(self, steps_done: int) -> None:
        with self._condition:
            self.steps_done = steps_done

    def rested(self, steps_done: int) -> None:
        with self._condition:
            self.steps_done, self._resting = steps_done, True
            self._condition.notify_all()

    def ended(self) -> None:
        """The run is over: later calls go nowhere (the process may be running another)."""
        with self._condition:
            self._ended = True
            self._condition.notify_all()

    def _command(self, *command) -> None:
        if self._ended:
            return
        if self._process is None:
            self._queued.append(command)
        else:
            self._process.send(*command)


def relay(connection: Connection, control: RemoteControl, on_event: Callable[..., None]) -> None:
    """Hand each event but ``waiting`` to ``on_event(kind, *payload)`` until ``done``, keeping
    ``control`` up to date; EOFError when the process ended first."""
    try:
        while True:
            kind, *payload = receive(connection)
            if kind == "done":
                return
            if kind == "waiting":
                control.rested(payload[0])
                continue
            if kind == "progress":
                control.advanced(payload[0].global_step)
            on_event(kind, *payload)
    finally:
        control.ended()


def run_in_process(
    job: TrainJob | SweepJob, data: Mnist, control: RemoteControl, on_event: Callable[..., None]
) -> None:
    """Run ``job`` on ``data`` in an idle training process (or a new one) and hand its
    events to ``on_event`` (see ``relay``); the process is kept for the next job. A process
    that ends mid-job, unless ``control`` cancelled it, is a RuntimeError with its exit code."""
    process = TrainingProcess.take()
    process.provide(data)
    connection = control.submit(process, job)
    if connection is None:
        process.give_back()  # cancelled while the data loaded
        return
    try:
        relay(connection, control, on_event)
    except (EOFError, OSError):
        if control.cancelled():
            return
        raise RuntimeError(
            f"The training process ended unexpectedly (exit code {process.exit_code()}). "
            "The model in the window is as it was before the run."
        ) from None
    process.give_back()
