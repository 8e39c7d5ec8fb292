"""``krx --sandbox candles ... --chart`` as a process: a plain 80-column chart off a terminal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import SandboxHandle
from tests.support.env import krx_env

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("env_format", [None, "jsonl"])
def test_chart_off_a_terminal_is_plain_text_at_80_columns(
    sandbox: SandboxHandle, tmp_path: Path, env_format: str | None
) -> None:
    env = krx_env(tmp_path, sandbox=sandbox)
    for name in ("COLUMNS", "LINES"):
        env.pop(name, None)
    if env_format:
        env["KRX_FORMAT"] = env_format  # a standing default: --chart still draws
    result = subprocess.run(
        [sys.executable, "-m", "kraken_cli", "--sandbox", "candles", "BTCUSD", "h1", "--days", "2",
         "--chart"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].strip().startswith("BTC/USD h1 · 20")
    assert max(len(line) for line in lines) == 80
    assert len(lines) <= 24
    assert "\x1b[" not in result.stdout  # no colour into a pipe
    assert "volume" in result.stdout and "┤" in result.stdout
