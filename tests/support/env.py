"""The one environment builder for running krx (or the sandbox) in a subprocess."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

REPO_ROOT = Path(__file__).resolve().parents[2]


class HasStateFile(Protocol):
    """A sandbox handle: where the running sandbox wrote its URLs and keys."""

    @property
    def state_file(self) -> Path: ...


def krx_env(
    home: Path | None = None, *, sandbox: HasStateFile | None = None, **extra: str
) -> dict[str, str]:
    """Return an isolated environment for a krx subprocess.

    The caller's ``KRX_*``/``KRAKEN_*`` variables are dropped; config, cache and state live under
    ``home`` (or stay in the per-test dirs the suite's conftest set); no colours; this checkout is
    importable. ``sandbox`` points krx at a running sandbox; ``extra`` is applied last.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KRX_", "KRAKEN_"))}
    if home is not None:
        for kind in ("config", "cache", "state"):
            env[f"XDG_{kind.upper()}_HOME"] = str(home / kind)
    env.update(NO_COLOR="1", PYTHONPATH=str(REPO_ROOT))
    if sandbox is not None:
        env["KRX_SANDBOX_STATE"] = str(sandbox.state_file)
    env.update(extra)
    return env
