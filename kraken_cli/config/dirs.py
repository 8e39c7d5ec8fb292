"""Per-user directories for krx: config, cache and state (the XDG layout on Linux).

On Linux they are read straight from the XDG variables, as platformdirs does; elsewhere
platformdirs decides. Importing platformdirs costs a few ms on every command (it pulls in
tempfile and random), which a one-shot command on Linux does not need to pay.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "krx"

#: XDG variable and its default (relative to the home directory) for each kind of directory.
_XDG = {
    "config": ("XDG_CONFIG_HOME", ".config"),
    "cache": ("XDG_CACHE_HOME", ".cache"),
    "state": ("XDG_STATE_HOME", ".local/state"),
}


def user_dir(kind: str) -> Path:
    """Return krx's user directory of ``kind`` (config, cache or state)."""
    if sys.platform == "linux":
        variable, default = _XDG[kind]
        base = os.environ.get(variable, "").strip() or os.path.expanduser(f"~/{default}")
        return Path(base) / APP_NAME
    import platformdirs

    getter = {
        "config": platformdirs.user_config_dir,
        "cache": platformdirs.user_cache_dir,
        "state": platformdirs.user_state_dir,
    }[kind]
    return Path(getter(APP_NAME, appauthor=False))
