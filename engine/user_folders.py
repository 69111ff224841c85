"""The per-user folders ConvLens keeps files in, by each platform's convention."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# kind -> (macOS folder under ~/Library, XDG variable, its default under the home folder)
_KINDS = {
    "cache": ("Caches", "XDG_CACHE_HOME", ".cache"),
    "data": ("Application Support", "XDG_DATA_HOME", ".local/share"),
}


def user_folder(kind: str, name: str) -> Path:
    """``~/.cache/convlens/NAME`` ('cache') or ``~/.local/share/convlens/NAME`` ('data') on
    Linux; ``~/Library/Caches`` or ``~/Library/Application Support`` on macOS; LOCALAPPDATA
    on Windows."""
    library, variable, fallback = _KINDS[kind]
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / library
    else:
        xdg = os.environ.get(variable, "")
        base = Path(xdg) if os.path.isabs(xdg) else home / fallback  # XDG: ignore relative
    return base / "convlens" / name
