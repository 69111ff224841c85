"""Measuring helpers for the benchmark: other processes' CPU share, memory, percentiles."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

_SPINNERS: set[int] = set()  # busy_cpus's processes: others, though children of this one


class Others:
    """The share of all CPUs that other processes used while the block ran (Linux; else None)."""

    def __enter__(self):
        self.share = None
        self._start = self._sample()
        return self

    def __exit__(self, *exc):
        end = self._sample()
        if self._start and end:
            (busy0, own0, t0), (busy1, own1, t1) = self._start, end
            ticks = os.sysconf("SC_CLK_TCK") * (t1 - t0) * os.cpu_count()
            self.share = max(0.0, ((busy1 - busy0) - (own1 - own0)) / ticks)

    @staticmethod
    def _sample():
        try:
            values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
            own = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        busy = sum(values[:8]) - values[3] - values[4]  # all but idle and iowait
        # utime, stime and those of waited-for children (a measured subprocess is not other),
        # and of the live ones (the app's training process)
        own_ticks = sum(int(v) for v in own[11:15]) + Others._live_children()
        return busy, own_ticks, time.perf_counter()

    @staticmethod
    def _live_children() -> int:
        ticks, me = 0, str(os.getpid())
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # it has just ended
                continue
            if fields[1] == me and int(stat.parent.name) not in _SPINNERS:  # its parent
                ticks += int(fields[11]) + int(fields[12])
        return ticks


@contextlib.contextmanager
def busy_cpus(count: int):
    """``count`` processes spinning on the CPUs meanwhile: a machine the user's other programs
    keep busy."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    _SPINNERS.update(spinner.pid for spinner in spinners)
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
            _SPINNERS.discard(spinner.pid)


def rss_mb() -> dict[str, float]:
    """Current and peak resident memory of this process, MB (from /proc, else getrusage)."""
    try:
        status = Path("/proc/self/status").read_text()
        fields = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M))
        return {"rss": int(fields["VmRSS"]) / 1024, "peak": int(fields["VmHWM"]) / 1024}
    except (OSError, KeyError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak /= 2**20 if sys.platform == "darwin" else 1024  # bytes on macOS, kB elsewhere
        return {"rss": float("nan"), "peak": peak}


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1e3
    return {"p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99))}
