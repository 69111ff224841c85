"""Run Python code in a child process under a memory limit, as the memory-bomb tests need."""

import subprocess
import sys

from tests.conftest import ROOT

# Importing torch reserves about 1 GB of address space; 1.5 GB leaves room for a model or two
# and makes any bomb that slips through fail at once with MemoryError instead of swapping.
LIMIT_BYTES = 1536 * 2**20
_PRELUDE = (
    f"import resource\nresource.setrlimit(resource.RLIMIT_AS, ({LIMIT_BYTES}, {LIMIT_BYTES}))\n"
)


def run_limited(code: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -c code args...`` from the repository root under LIMIT_BYTES of memory."""
    return subprocess.run(
        [sys.executable, "-c", _PRELUDE + code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def run_main_limited(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python main.py args...`` under LIMIT_BYTES of memory."""
    code = f"import runpy\nrunpy.run_path({str(ROOT / 'main.py')!r}, run_name='__main__')\n"
    return run_limited(code, *map(str, args), timeout=timeout)
