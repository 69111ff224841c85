"""gui.preflight: the checks made before Qt starts, on environments and libraries made here."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from convlens.gui.preflight import (
    GUI_LIBRARIES,
    PLATFORM_LIBRARIES,
    Library,
    display_problem,
    qt_platform,
)

PRESENT = Library("libc.so.6", "libc6", "glibc")
NONE = {"xcb": (), "wayland": ()}  # platform libraries: none needed


def problem(env, libraries=NONE, system="linux"):
    return display_problem(env, system, libraries, gui_libraries=())


@pytest.mark.parametrize(
    "env, platform",
    [
        ({}, "xcb"),
        ({"DISPLAY": ":0"}, "xcb"),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "wayland"),
        ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, "xcb"),  # XWayland, X11 session
        ({"WAYLAND_DISPLAY": "w", "DISPLAY": ":0", "XDG_SESSION_TYPE": "wayland"}, "wayland"),
        ({"QT_QPA_PLATFORM": "offscreen"}, "offscreen"),
        ({"QT_QPA_PLATFORM": "wayland-egl;xcb", "DISPLAY": ":0"}, "wayland"),
        ({"QT_QPA_PLATFORM": "vnc:size=800x600"}, "vnc"),
    ],
)
def test_qt_platform(env, platform):
    assert qt_platform(env) == platform


def test_no_display_points_to_the_headless_commands():
    message = problem({})
    assert message.startswith("ConvLens cannot open its window: there is no display")
    assert "neither DISPLAY nor WAYLAND_DISPLAY is set" in message
    assert "convlens predict IMAGE..., convlens eval, convlens train, convlens download" in message


def test_a_platform_asked_for_without_its_display():
    message = problem({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"})
    assert "(QT_QPA_PLATFORM is xcb but DISPLAY is not set:" in message


@pytest.mark.parametrize(
    "env, system",
    [
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux"),
        ({"QT_QPA_PLATFORM": "minimal"}, "linux"),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux"),
        ({}, "darwin"),
        ({}, "win32"),
    ],
)
def test_nothing_in_the_way(env, system):
    assert problem(env, system=system) is None


def test_missing_libraries_get_the_install_lines_of_those_alone():
    libraries = {
        "xcb": (
            PRESENT,
            Library("libconvlens-absent.so.7", "libconvlens-absent7", "convlens-absent"),
            Library("libconvlens-gone.so.1", "libconvlens-gone1", "convlens-absent"),
        )
    }
    assert problem({"DISPLAY": ":0"}, libraries) == (
        "ConvLens cannot open its window: Qt's xcb platform needs system libraries that are "
        "missing here: libconvlens-absent.so.7, libconvlens-gone.so.1.\n"
        "On Debian or Ubuntu:\n"
        "    sudo apt-get install libconvlens-absent7 libconvlens-gone1\n"
        "On Fedora:\n"
        "    sudo dnf install convlens-absent\n"
        "The headless commands need no display: convlens predict IMAGE..., convlens eval, "
        "convlens train, convlens download (convlens --help lists them all)."
    )
    # Only the libraries of the platform Qt will use are asked for.
    assert problem({"WAYLAND_DISPLAY": "wayland-0"}, libraries) is None


def test_the_gui_libraries_are_checked_for_every_platform():
    absent = Library("libconvlens-absent.so.7", "libconvlens-absent7", "convlens-absent")
    message = display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", NONE, [absent])
    assert "Qt's offscreen platform needs" in message
    assert "sudo apt-get install libconvlens-absent7\n" in message


@pytest.fixture(scope="module")
def x_display():
    """A real X server (Xvfb) on a display number it picks itself."""
    if shutil.which("Xvfb") is None:
        pytest.skip("needs Xvfb (Debian: apt-get install xvfb)")
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", "-nolisten", "tcp"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    number = server.stdout.readline().decode().strip()  # written once it accepts connections
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)
    server.stdout.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 on Linux")
def test_the_x_server_must_answer(x_display):
    assert problem({"DISPLAY": x_display}) is None
    silent = next(f":{n}" for n in range(900, 999) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    message = problem({"DISPLAY": silent})
    assert message.startswith(f"ConvLens cannot open its window: the X display {silent} ")
    assert "does not answer" in message and "convlens predict" in message


def _needed(path: Path) -> set[str]:
    """The NEEDED entries of an ELF file's dynamic section."""
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
    return {line.split("[")[1].split("]")[0] for line in out.splitlines() if "(NEEDED)" in line}


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("readelf") is None,
    reason="needs Linux and readelf (binutils)",
)
@pytest.mark.parametrize(
    "platform, files",
    [
        ("xcb", ["plugins/platforms/libqxcb.so", "lib/libQt6XcbQpa.so.6"]),
        ("wayland", ["plugins/platforms/libqwayland.so", "lib/libQt6WaylandClient.so.6"]),
    ],
)
def test_the_tables_cover_what_the_installed_qt_needs(platform, files):
    qt = Path(importlib.util.find_spec("PySide6").submodule_search_locations[0]) / "Qt"
    needed = set().union(*(_needed(qt / file) for file in ["lib/libQt6Gui.so.6", *files]))
    # QtCore's own needs are met: convlens.gui imports QtCore before the check runs.
    loaded = _needed(qt / "lib/libQt6Core.so.6") | {"libstdc++.so.6", "libgcc_s.so.1"}
    system = {name for name in needed - loaded if not name.startswith("libQt6")}
    listed = {library.soname for library in (*GUI_LIBRARIES, *PLATFORM_LIBRARIES[platform])}
    assert len(system) > 5 and system <= listed, system - listed
