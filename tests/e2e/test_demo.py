"""`make demo` (scripts/demo.sh) runs offline end to end and leaves no sandbox behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.env import REPO_ROOT, krx_env

pytestmark = pytest.mark.e2e


def _demo_sandboxes() -> set[str]:
    """Return the pids of demo sandboxes started from this checkout (not another worktree's)."""
    found = subprocess.run(
        ["pgrep", "-f", "kraken_cli sandbox --port 0 --seed 7"], capture_output=True, text=True
    )
    return {pid for pid in found.stdout.split() if _cwd(pid) == REPO_ROOT}


def _cwd(pid: str) -> Path | None:
    try:
        return Path(f"/proc/{pid}/cwd").resolve(strict=True)
    except OSError:
        return None


def test_demo_script_runs_and_cleans_up() -> None:
    env = krx_env(PY=sys.executable, KRX_FORMAT="jsonl")
    before = _demo_sandboxes()
    result = subprocess.run(
        ["bash", "scripts/demo.sh"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "krx: verify: all checks passed" in result.stderr + result.stdout
    assert result.stdout.count('"channel":"trade"') == 5
    # the sandbox's credentials stay off the screen, and the verify table stays on it: at most
    # 40 lines are printed from the top of the table to the end
    assert "API secret" not in result.stdout + result.stderr
    assert "API key" not in result.stdout + result.stderr
    lines = (result.stdout + result.stderr).splitlines()
    table = next(i for i, line in enumerate(lines) if line.startswith("$ krx --sandbox verify"))
    assert len(lines) - table <= 40, len(lines) - table
    assert _demo_sandboxes() == before  # the demo's sandbox is gone
