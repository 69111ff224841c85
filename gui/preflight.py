"""Can Qt show a window here? Asked before Qt starts, which otherwise aborts the process
(exit status 134, a core dump) with a message that names only one library, even when
another is the one missing.

Nothing here imports QtGui or QtWidgets: the checks read the environment and dlopen the
system libraries that Qt's platform plugins need (the list was read from the plugins' ELF
headers; tests/test_preflight.py checks it against the installed PySide6).
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterable, Mapping
from typing import NamedTuple


class Library(NamedTuple):
    soname: str  # as the dynamic loader looks for it
    debian: str  # the package that has it, on Debian and Ubuntu
    fedora: str  # and on Fedora


# What Qt's GUI module needs on Linux whatever the platform plugin (Qt's own libraries and
# the C/C++ runtime aside).
GUI_LIBRARIES = (
    Library("libEGL.so.1", "libegl1", "libglvnd-egl"),
    Library("libGL.so.1", "libgl1", "libglvnd-glx"),
    Library("libfontconfig.so.1", "libfontconfig1", "fontconfig"),
    Library("libfreetype.so.6", "libfreetype6", "freetype"),
    Library("libglib-2.0.so.0", "libglib2.0-0", "glib2"),
    Library("libgthread-2.0.so.0", "libglib2.0-0", "glib2"),
    Library("libxkbcommon.so.0", "libxkbcommon0", "libxkbcommon"),
    Library("libX11.so.6", "libx11-6", "libX11"),
)
# What the xcb (X11) platform plugin adds.
XCB_LIBRARIES = (
    Library("libxcb.so.1", "libxcb1", "libxcb"),
    Library("libX11-xcb.so.1", "libx11-xcb1", "libX11-xcb"),
    Library("libxcb-cursor.so.0", "libxcb-cursor0", "xcb-util-cursor"),
    Library("libxcb-icccm.so.4", "libxcb-icccm4", "xcb-util-wm"),
    Library("libxcb-image.so.0", "libxcb-image0", "xcb-util-image"),
    Library("libxcb-keysyms.so.1", "libxcb-keysyms1", "xcb-util-keysyms"),
    Library("libxcb-render-util.so.0", "libxcb-render-util0", "xcb-util-renderutil"),
    Library("libxcb-util.so.1", "libxcb-util1", "xcb-util"),
    Library("libxcb-randr.so.0", "libxcb-randr0", "libxcb"),
    Library("libxcb-render.so.0", "libxcb-render0", "libxcb"),
    Library("libxcb-shape.so.0", "libxcb-shape0", "libxcb"),
    Library("libxcb-shm.so.0", "libxcb-shm0", "libxcb"),
    Library("libxcb-sync.so.1", "libxcb-sync1", "libxcb"),
    Library("libxcb-xfixes.so.0", "libxcb-xfixes0", "libxcb"),
    Library("libxcb-xkb.so.1", "libxcb-xkb1", "libxcb"),
    Library("libxkbcommon-x11.so.0", "libxkbcommon-x11-0", "libxkbcommon-x11"),
)
# What the wayland platform plugin adds.
WAYLAND_LIBRARIES = (
    Library("libwayland-client.so.0", "libwayland-client0", "libwayland-client"),
    Library("libwayland-cursor.so.0", "libwayland-cursor0", "libwayland-cursor"),
)
PLATFORM_LIBRARIES = {"xcb": XCB_LIBRARIES, "wayland": WAYLAND_LIBRARIES}

HEADLESS = (
    "The headless commands need no display: convlens predict IMAGE..., convlens eval, "
    "convlens train, convlens download (convlens --help lists them all)."
)


def qt_platform(env: Mapping[str, str]) -> str:
    """The platform plugin Qt will use first: $QT_QPA_PLATFORM ('wayland;xcb' means wayland,
    'vnc:size=800x600' means vnc), else wayland in a Wayland session, else xcb."""
    chosen = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return "wayland" if chosen.startswith("wayland") else chosen
    wayland = env.get("WAYLAND_DISPLAY")
    if wayland and (env.get("XDG_SESSION_TYPE") == "wayland" or not env.get("DISPLAY")):
        return "wayland"
    return "xcb"


def missing_libraries(libraries: Iterable[Library]) -> list[Library]:
    """Those of `libraries` that the dynamic loader cannot load (as Qt would load them)."""
    missing = []
    for library in libraries:
        try:
            ctypes.CDLL(library.soname)
        except OSError:
            missing.append(library)
    return missing


def x_server_answers(display: str) -> bool | None:
    """Whether the X server of `display` accepts a connection (as Qt's xcb plugin makes it);
    None when libxcb itself is missing (missing_libraries reports that)."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return None
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)  # never NULL, even on failure
    try:
        return xcb.xcb_connection_has_error(connection) == 0
    finally:
        xcb.xcb_disconnect(connection)


def install_advice(missing: Iterable[Library]) -> str:
    """The install commands for Debian/Ubuntu and for Fedora, each package named once."""
    missing = list(missing)
    debian = " ".join(dict.fromkeys(library.debian for library in missing))
    fedora = " ".join(dict.fromkeys(library.fedora for library in missing))
    return (
        f"On Debian or Ubuntu:\n    sudo apt-get install {debian}\n"
        f"On Fedora:\n    sudo dnf install {fedora}"
    )


def display_problem(
    env: Mapping[str, str] | None = None,
    system: str | None = None,
    libraries: Mapping[str, Iterable[Library]] | None = None,
    gui_libraries: Iterable[Library] = GUI_LIBRARIES,
) -> str | None:
    """Why Qt cannot show a window here, worded for the user; None when nothing is known
    to stop it. Only Linux is checked (elsewhere Qt brings what it needs).

    `env` (default os.environ), `system` (default sys.platform) and the library tables
    (default PLATFORM_LIBRARIES and GUI_LIBRARIES) are parameters for the tests' sake."""
    env = os.environ if env is None else env
    system = sys.platform if system is None else system
    libraries = PLATFORM_LIBRARIES if libraries is None else libraries
    if not system.startswith("linux"):
        return None
    platform = qt_platform(env)
    needs = {"xcb": "DISPLAY", "wayland": "WAYLAND_DISPLAY"}.get(platform)
    if needs and not env.get(needs):
        if env.get("QT_QPA_PLATFORM"):
            found = f"QT_QPA_PLATFORM is {env['QT_QPA_PLATFORM']} but {needs} is not set"
        else:
            found = "neither DISPLAY nor WAYLAND_DISPLAY is set"
        return (
            f"ConvLens cannot open its window: there is no display ({found}: a server, or an "
            f"SSH session without -X?).\n{HEADLESS}\n"
            "In a desktop session the window opens; QT_QPA_PLATFORM=offscreen runs it unseen."
        )
    missing = missing_libraries([*gui_libraries, *libraries.get(platform, ())])
    if not missing:
        if platform == "xcb" and x_server_answers(env["DISPLAY"]) is False:
            return (
                f"ConvLens cannot open its window: the X display {env['DISPLAY']} (DISPLAY) "
                "does not answer: is the X server running, and may this user connect to it "
                f"(xhost, or ssh -X)?\n{HEADLESS}"
            )
        return None
    return (
        f"ConvLens cannot open its window: Qt's {platform} platform needs system libraries that "
        f"are missing here: {', '.join(library.soname for library in missing)}.\n"
        f"{install_advice(missing)}\n{HEADLESS}"
    )
