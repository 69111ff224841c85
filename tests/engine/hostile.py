"""Helpers for the hostile-input tests: child processes under a memory limit, special files."""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

# The child may take this much address space beyond what its libraries reserve once imported
# (about 1 GB for torch's CPU build, several for its CUDA build): room for a model or two, and
# any bomb that slips through fails at once with MemoryError instead of swapping.
LIMIT_BYTES = 1536 * 2**20
_PRELUDE = f"""import resource, torch, numpy, PIL.Image, safetensors
with open("/proc/self/status") as status:
    reserved = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize"))
resource.setrlimit(resource.RLIMIT_AS, (reserved + {LIMIT_BYTES}, reserved + {LIMIT_BYTES}))
"""


def run_limited(code: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -c code args...`` from the repository root, LIMIT_BYTES of memory beyond what
    torch and the other libraries reserve."""
    return subprocess.run(
        [sys.executable, "-c", _PRELUDE + code, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def error_of(imports: str, call: str, error: str, *args: str) -> str:
    """Run ``call`` (with ``imports``; its arguments in sys.argv[1:]) in a limited child and
    return the message of the ``error`` it raised, or fail if it raised nothing or another."""
    code = f"import sys\n{imports}\ntry:\n    {call}\nexcept {error} as e:\n    print(e)\n"
    code += "else:\n    sys.exit('no error')\n"
    result = run_limited(code, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def run_main_limited(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python main.py args...`` under LIMIT_BYTES of memory."""
    code = f"import runpy\nrunpy.run_path({str(ROOT / 'main.py')!r}, run_name='__main__')\n"
    return run_limited(code, *args, timeout=timeout)


SPECIAL_FILES = ["fifo", "dev_zero", "link_to_dev_zero", "folder"]


def special_file(kind: str, path: Path) -> Path:
    """Make a special file of ``kind`` (one of SPECIAL_FILES) at ``path``, or return it."""
    if kind == "fifo":
        os.mkfifo(path)  # opening it for reading would wait for a writer forever
    elif kind == "folder":
        path.mkdir()
    elif kind == "dev_zero":
        return Path("/dev/zero")
    else:
        path.symlink_to("/dev/zero")
    return path
