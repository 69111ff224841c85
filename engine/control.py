"""A thread-safe remote control for a running training loop: pause, step, speed, learning rate.

The GUI's worker thread runs ``training.train(..., control=control)``; the GUI thread calls
``pause()``, ``step()``, ``resume()``, ``set_speed()``, ``set_lr()`` or ``stop()`` at any
time. The loop asks ``wait_turn()`` before every step: it returns at once at full speed,
sleeps to keep a speed limit, and blocks while paused, so a paused run costs no CPU. One
``threading.Condition`` guards the state, so every call wakes a waiting loop at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# A paused loop also polls the caller's ``should_stop`` callable (which cannot notify) this
# often, so that stopping a paused run never hangs.
_POLL_S = 0.05


def check_speed(steps_per_s: float | None) -> None:
    if steps_per_s is not None and not steps_per_s > 0:
        raise ValueError("the speed must be above 0 steps per second, or None")


def check_lr(lr: float) -> None:
    if not lr > 0:
        raise ValueError("the learning rate must be above 0")


class TrainControl:
    """Pause, resume, single steps, a speed limit and learning-rate changes for one run."""

    def __init__(
        self,
        paused: bool = False,
        steps_per_s: float | None = None,
        on_wait: Callable[[int], None] | None = None,
    ):
        """``on_wait(steps_done)`` is called by the loop each time it comes to rest in a pause
        (for a caller in another process, which cannot share ``wait_paused``)."""
        self._on_wait = on_wait
        self._condition = threading.Condition()
        self._paused = paused
        self._pending_steps = 0  # single steps allowed while paused, not yet taken
        self._stopped = False
        self._steps_per_s = steps_per_s
        self._lr: float | None = None  # a change not yet applied by the loop
        self._last_step = 0.0  # perf_counter() of the last step begun
        self._waiting = False  # the loop is blocked in a pause
        self.steps_done = 0  # steps the loop has taken under this control
        self.paused_s = 0.0  # seconds the loop has sat in pauses: not training time

    # Called from any thread
    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def steps_per_s(self) -> float | None:
        return self._steps_per_s

    @property
    def stopped(self) -> bool:
        return self._stopped

    def pause(self) -> None:
        """Stop before the next step until ``resume`` (or ``step``, for one batch)."""
        with self._condition:
            self._paused = True
            self._condition.notify_all()

    def resume(self) -> None:
        with self._condition:
            self._paused = False
            self._pending_steps = 0
            self._condition.notify_all()

    def step(self, count: int = 1) -> None:
        """While paused: let the loop take exactly ``count`` more batches, then pause again."""
        with self._condition:
            if self._paused:
                self._pending_steps += count
                self._condition.notify_all()

    def stop(self) -> None:
        """End the run between two steps; a paused run ends too."""
        with self._condition:
            self._stopped = True
            self._condition.notify_all()

    def set_speed(self, steps_per_s: float | None) -> None:
        """At most this many steps a second from now on; None runs at full speed."""
        check_speed(steps_per_s)
        with self._condition:
            self._steps_per_s = steps_per_s
            self._condition.notify_all()

    def set_lr(self, lr: float) -> None:
        """Use this learning rate from the next step on (the schedule then stops steering it)."""
        check_lr(lr)
        with self._condition:
            self._lr = float(lr)

    def wait_paused(self, timeout: float | None = None) -> bool:
        """Block until the loop sits in a pause with no single step left to take (for callers
        that must know a step has finished, as tests do); False on timeout."""
        with self._condition:
            return self._condition.wait_for(
                lambda: self._stopped or (self._waiting and self._pending_steps == 0), timeout
            )

    # Called by the training loop
    def wait_turn(self, should_stop: Callable[[], bool] | None = None) -> bool:
        """Block until the next step may run; False when the run is to stop."""
        stop = should_stop or (lambda: False)
        with self._condition:
            while True:
                if self._stopped or stop():
                    self._stopped = True
                    self._waiting = False
                    self._condition.notify_all()
                    return False
                if self._paused and self._pending_steps == 0:
                    if not self._waiting:
                        self._waiting = True
                        self._condition.notify_all()
                        if self._on_wait is not None:
                            self._on_wait(self.steps_done)
                    rest = time.perf_counter()
                    self._condition.wait(_POLL_S)
                    self.paused_s += time.perf_counter() - rest
                    continue
                self._waiting = False
                delay = self._delay()
                if delay <= 0:
                    break
                self._condition.wait(min(delay, _POLL_S))
            if self._paused:
                self._pending_steps -= 1
            self._last_step = time.perf_counter()
            self.steps_done += 1
            return True

    def _delay(self) -> float:
        if self._steps_per_s is None or self._paused:  # a single step never waits
            return 0.0
        return self._last_step + 1 / self._steps_per_s - time.perf_counter()

    def take_lr(self) -> float | None:
        """The learning rate set since the last call, if any."""
        with self._condition:
            lr, self._lr = self._lr, None
            return lr

    def finished(self) -> None:
        """The loop has ended: wake anyone in ``wait_paused``."""
        with self._condition:
            self._stopped = True
            self._waiting = False
            self._condition.notify_all()
