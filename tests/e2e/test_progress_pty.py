"""The download progress bar in a real terminal: the user's symbol, and Ctrl-C below the bar."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.e2e.conftest import SandboxHandle
from tests.support.env import krx_env
from tests.support.pty_run import PtyProcess

pytestmark = pytest.mark.e2e


def test_bar_names_the_symbol_and_interrupted_lands_below_it(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    # a fresh cache: h2 (built from trades) since 2025 downloads the whole tape (many pages)
    env = krx_env(tmp_path, sandbox=sandbox, KRX_FORMAT="csv")
    run = PtyProcess(["--sandbox", "candles", "ETHUSD", "h2", "--since", "2025-01-01"], env)
    assert run.read_until(b"trades ETH/USD", timeout=60), run.output[-2000:]
    run.process.send_signal(signal.SIGINT)
    code = run.finish()
    text = run.output.decode("utf-8", "replace")
    assert code == 130, text[-2000:]
    assert "@127.0.0.1" not in text and "XETHZUSD" not in text
    # the bar was stopped (and cleared) before the message: nothing of it is drawn after
    assert text.rfind("krx: interrupted") > text.rfind("trades ETH/USD")
    assert "Traceback" not in text
