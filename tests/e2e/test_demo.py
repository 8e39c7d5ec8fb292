"""`make demo` (scripts/demo.sh) runs offline end to end and leaves no sandbox behind."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.e2e.conftest import REPO_ROOT

pytestmark = pytest.mark.e2e


def test_demo_script_runs_and_cleans_up() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KRX_", "KRAKEN_"))}
    env.update(PY=sys.executable, PYTHONPATH=str(REPO_ROOT), KRX_FORMAT="jsonl")
    before = subprocess.run(
        ["pgrep", "-f", "kraken_cli sandbox --port 0 --seed 7"], capture_output=True, text=True
    )
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
    assert result.stdout.count('"channel":"trade"') == 20
    after = subprocess.run(
        ["pgrep", "-f", "kraken_cli sandbox --port 0 --seed 7"], capture_output=True, text=True
    )
    assert after.stdout.split() == before.stdout.split()  # the demo's sandbox is gone
