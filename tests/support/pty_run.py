"""Run krx in a pseudo-terminal: what a person at a terminal sees, byte for byte."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Mapping


def _take_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyProcess:
    """A krx process whose stdin, stdout and stderr are one pseudo-terminal."""

    def __init__(
        self, args: list[str], env: Mapping[str, str], *, columns: int = 120, rows: int = 40
    ) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.master = master
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kraken_cli", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**env, "TERM": "xterm-256color", "COLUMNS": str(columns)},
            close_fds=True,
            # its own session with the pty as controlling terminal: getpass reads /dev/tty
            start_new_session=True,
            preexec_fn=_take_terminal,
        )
        os.close(slave)
        self.output = b""

    def read_until(self, needle: bytes, timeout: float) -> bool:
        """Read until ``needle`` shows up (True) or ``timeout`` seconds pass (False)."""
        return self.read_until_seen(lambda output: needle in output, timeout)

    def read_until_seen(self, seen: Callable[[bytes], bool], timeout: float) -> bool:
        """Read until ``seen(output so far)`` (True) or ``timeout`` seconds pass (False)."""
        deadline = time.monotonic() + timeout
        while not seen(self.output):
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(left):
                return seen(self.output)
        return True

    def wait_echo_off(self, timeout: float) -> bool:
        """Wait until the program turned the terminal's echo off (a password prompt is ready).

        Typing earlier would race it: the terminal echoes what it has, and getpass flushes it.
        """
        deadline = time.monotonic() + timeout
        while termios.tcgetattr(self.master)[3] & termios.ECHO:
            if time.monotonic() > deadline:
                return False
            self._read(0.05)
        return True

    def send(self, text: str) -> None:
        """Type ``text`` at the terminal."""
        os.write(self.master, text.encode())

    def finish(self, timeout: float = 30) -> int:
        """Read to the end of output; return the exit code."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._read(deadline - time.monotonic()):
            pass
        code = self.process.wait(timeout=max(1.0, deadline - time.monotonic()))
        os.close(self.master)
        return code

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], min(timeout, 1.0))
        if not ready:
            return self.process.poll() is None
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the other side closed
            return False
        self.output += chunk
        return bool(chunk)
