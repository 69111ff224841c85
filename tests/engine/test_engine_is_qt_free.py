"""engine/ is plain PyTorch and NumPy: importing all of it loads no Qt."""

import subprocess
import sys

from tests.conftest import ROOT


def test_importing_every_engine_module_loads_no_qt():
    modules = sorted(p.stem for p in (ROOT / "engine").glob("*.py") if p.stem != "__init__")
    code = (
        "import sys\n"
        + "".join(f"import convlens.engine.{name}\n" for name in modules)
        + "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'PyQt5', 'PyQt6', 'pyqtgraph', 'qtpy')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert len(modules) >= 8
    assert result.stdout.strip() == "[]"
