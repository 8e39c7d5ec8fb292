"""``krx --sandbox watch`` in a pseudo-terminal: a live view appears, Ctrl-C restores the terminal.

The process gets a real terminal (a pty of 80x24 as its controlling tty), so rich draws as it
would for a person, and Ctrl-C is the terminal's own: byte 0x03 becomes SIGINT for the process.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import SandboxHandle
from tests.support.env import krx_env

pytestmark = pytest.mark.e2e

COLUMNS, ROWS = 80, 24
HIDE_CURSOR, SHOW_CURSOR = b"\x1b[?25l", b"\x1b[?25h"


class PtyProcess:
    """A process whose stdin, stdout and stderr are one pty, the pty its controlling terminal."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.process = subprocess.Popen(
            args,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=cwd,
            start_new_session=True,  # its own session, so the pty can become its terminal
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        os.close(slave)
        self.output = b""

    def plain(self) -> str:
        """Return the output so far as text: a redraw's cursor moves as line ends, other escape
        sequences and carriage returns dropped."""
        text = self.output.decode(errors="replace")
        text = re.sub(r"\x1b\[(\d*A|2K)", "\n", text)
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r", "")

    def read_until(self, pattern: str, timeout_s: float) -> bool:
        """Read output until ``pattern`` (a regex, ``.`` matching newlines) is on the screen."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if re.search(pattern, self.plain(), re.S):
                return True
            if not self._read(min(0.5, deadline - time.monotonic())):
                break
        return bool(re.search(pattern, self.plain(), re.S))

    def read_to_end(self, timeout_s: float) -> None:
        """Read until the process closed the terminal (or ``timeout_s``)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self._read(deadline - time.monotonic()):
            pass

    def _read(self, timeout_s: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], max(0.0, timeout_s))
        if not ready:
            return True  # nothing yet, still open
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: every holder of the terminal closed it
            return False
        self.output += chunk
        return bool(chunk)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        os.close(self.master)


@pytest.mark.parametrize(
    ("view", "symbols", "expect"),
    [
        # the verified checksum, then ladder rows (price, volume, cumulative volume: whole) and
        # the spread between asks and bids
        ("book", ["BTCUSD"], r"checksum \d+\n.*\n\d{5}\.\d +\d+\.\d{8} +\d+\.\d{8} .*spread"),
        ("ticker", ["BTCUSD", "ETHUSD"], r"\nBTC/USD +\d{5}\.\d +[-+]\d+\.\d +[-+]\d+\.\d+%"),
        ("trades", ["BTCUSD"], r"\n\d\d:\d\d:\d\d\.\d{3} +(buy|sell) +\d{5}\.\d{5} +\d+\.\d{8}"),
    ],
)
def test_watch_draws_live_and_ctrl_c_exits_cleanly(
    sandbox: SandboxHandle, tmp_path: Path, view: str, symbols: list[str], expect: str
) -> None:
    env = krx_env(tmp_path, sandbox=sandbox, TERM="xterm-256color")
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    args = [sys.executable, "-m", "kraken_cli", "--sandbox", "watch", view, *symbols]
    pty = PtyProcess(args, env, tmp_path)
    try:
        drawn = pty.read_until(expect, timeout_s=30)
        assert drawn, pty.plain()[-2000:]
        assert HIDE_CURSOR in pty.output  # a live display, redrawn in place
        os.write(pty.master, b"\x03")  # Ctrl-C, as typed
        pty.read_to_end(timeout_s=15)
        code = pty.process.wait(timeout=15)
    finally:
        pty.close()
    assert code == 130
    tail = pty.output[pty.output.rindex(HIDE_CURSOR) :]
    assert SHOW_CURSOR in tail  # the terminal is given back with its cursor
    assert b"krx: interrupted" in tail
    assert b"Traceback" not in pty.output
    assert all(len(line) <= COLUMNS for line in pty.plain().split("\n"))
