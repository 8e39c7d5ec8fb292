"""The sandbox state file: how other processes find a running sandbox.

Written by the sandbox (mode 0600) once the server listens; removed on clean exit; read by
config in ``--sandbox`` mode. It lives in config so the dependency points sandbox -> config.
The futures side has its own URLs and key (``futures_url``, ``futures_ws_url``,
``futures_api_key``/``_secret``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

#: The futures emulator's fixed keys (the secret is base64, as Kraken's are); also the
#: fallback for a state file written before it carried futures keys.
SANDBOX_FUTURES_KEY = "sandbox-futures-key"
SANDBOX_FUTURES_SECRET = "c2FuZGJveC1mdXR1cmVzLXNlY3JldC1mb3Ita3J4LXRlc3Rz"


def default_state_file() -> Path:
    """Return ``$KRX_SANDBOX_STATE`` or ``<user state dir>/krx/sandbox.json``."""
    env = os.environ.get("KRX_SANDBOX_STATE")
    if env:
        return Path(env)
    from kraken_cli.config.dirs import user_dir

    return user_dir("state") / "sandbox.json"


def pid_alive(pid: int) -> bool:
    """Return whether a process with ``pid`` exists."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_state(path: Path, state: dict[str, object]) -> None:
    """Write the state file atomically with mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(state, handle, indent=2)
        handle.write("\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def remove_state(path: Path, pid: int) -> None:
    """Remove the state file if it still belongs to ``pid``."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    if isinstance(data, dict) and data.get("pid") == pid:
        path.unlink(missing_ok=True)


def read_state(path: Path | None = None) -> dict[str, object] | None:
    """Return the running sandbox's state, or None if there is none (or its pid is dead)."""
    path = path or default_state_file()
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    pid = data.get("pid")
    if not isinstance(pid, int) or not pid_alive(pid):
        return None
    return data
