"""The GUI's design, checked from its imports: views are passive, the Session holds no widgets.

Views and dialogs take NumPy arrays and engine dataclasses and emit typed signals; they never
import the Session, a controller or a service. The Session imports no widget module, so it is
usable (and tested) without a window. As tests/engine/test_engine_is_qt_free.py does for the
engine, these read the source, so a new module is checked as soon as it exists.
"""

import ast

import pytest

from tests.conftest import ROOT

GUI = ROOT / "gui"
PASSIVE = sorted([*(GUI / "views").glob("*.py"), *(GUI / "dialogs").glob("*.py")])


def imported_modules(path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", PASSIVE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_views_and_dialogs_never_import_the_session_or_controllers(path):
    forbidden = ("convlens.gui.session", "convlens.gui.controllers", "convlens.gui.services")
    bad = {name for name in imported_modules(path) if name.startswith(forbidden)}
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_the_session_holds_no_widgets():
    modules = imported_modules(GUI / "session.py")
    assert not {m for m in modules if m.startswith(("PySide6.QtWidgets", "pyqtgraph"))}


def test_the_folders_show_the_design():
    for folder in ("views", "dialogs", "controllers", "services"):
        assert len(list((GUI / folder).glob("*.py"))) > 1, folder
    assert len(PASSIVE) >= 15


def test_no_mixins_and_no_module_too_long_to_read_whole():
    for path in [*GUI.rglob("*.py"), *(ROOT / "engine").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "Mixin" not in text, path
        lines = text.count("\n")
        assert lines <= 340, f"{path.relative_to(ROOT)}: {lines} lines, not about 300"
